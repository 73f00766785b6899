/**
 * Nodes with no elements, or with an input that has none. Nothing is computed over nothing: a kernel
 * over zero elements would be WGSL with `0u - 1u` bounds or a division by a zero size. An empty node
 * gets a placeholder buffer and no step; a non-empty node with an empty input has a value fixed by its
 * op, as in PyTorch: a sum (or a product over an empty inner dim) is zeros, a mean is NaN, padding is
 * the pad value, a layer with zero input channels or features is its bias, and a concat is the concat
 * of its non-empty parts.
 */
import { withInputs, type DType, type Node } from '../graph.ts'
import type { KernelLowering, Lowering } from './kernel.ts'
import { sizeOf } from './wgsl.ts'

export type EmptyLowering =
  /** The node has no elements: no step at all. */
  | { readonly nothing: true }
  /** Every element is `value`: written from the host, no kernel. */
  | { readonly fill: number }
  /** A kernel over the (non-empty) output that reads only non-empty operands. */
  | { readonly lowering: KernelLowering }

const isEmpty = (n: Node) => sizeOf(n.shape) === 0

/** Host data of `count` elements equal to `value`, as the device stores `dtype`. */
export const filledData = (dtype: DType, count: number, value: number): ArrayBufferView =>
  dtype === 'float32' ? new Float32Array(count).fill(value) : dtype === 'int32' ? new Int32Array(count).fill(value) : new Uint32Array(count).fill(value ? 1 : 0)

/** The bias broadcast along `axis` of the node's shape: a kernel whose one operand is the bias. */
const biasOnly = (node: Node, axis: number): KernelLowering => {
  const bias = node.inputs[2]
  const inner = sizeOf(node.shape.slice(axis + 1))
  return {
    operands: [bias],
    steps: [
      {
        bindings: [{ input: 0 }, { output: true }],
        dispatch: { threads: sizeOf(node.shape) },
        body: (io) => `  ${io.store('i', io.load(0, `(i / ${inner}u) % ${node.shape[axis]}u`))}`,
      },
    ],
  }
}

/**
 * How to compute `node` when it or an input is empty; undefined when neither is (the op's own kernel).
 * `lower` lowers a stand-in node with its op's emitter (for a concat of the non-empty parts).
 */
export const emptyLowering = (node: Node, lower: (standIn: Node) => Lowering): EmptyLowering | undefined => {
  if (isEmpty(node)) return { nothing: true }
  if (!node.inputs.some(isEmpty)) return undefined
  switch (node.op) {
    case 'sum':
    case 'matmul':
    case 'convWeightGrad':
      return { fill: 0 }
    case 'mean':
    case 'globalAvgPool2d':
    case 'adaptiveAvgPool2d':
    case 'adaptiveAvgPool3d':
      return { fill: NaN }
    case 'pad':
      return { fill: node.params.value }
    case 'linear':
      return node.inputs.length > 2 ? { lowering: biasOnly(node, node.shape.length - 1) } : { fill: 0 }
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'convTranspose1d':
    case 'convTranspose2d':
    case 'convTranspose3d':
      return node.inputs.length > 2 ? { lowering: biasOnly(node, 1) } : { fill: 0 }
    case 'concat': {
      // The concat of the non-empty parts, its operands those parts.
      const parts = node.inputs.filter((n) => !isEmpty(n))
      const lowering = lower(withInputs(node, parts))
      if ('alias' in lowering) throw new Error('unreachable: concat is never a view')
      return { lowering: { ...lowering, operands: parts } }
    }
    default:
      throw new Error(`${node.op}: no value is defined for an empty input of shape [${node.inputs.find(isEmpty)!.shape.join(', ')}] (output [${node.shape.join(', ')}])`)
  }
}
