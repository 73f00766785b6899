/** Small building blocks shared by the kernel emitters: index arithmetic, literal nodes, the per-element kernel. */
import type { Node, NodeBase } from '../graph.ts'
import type { Expr, KernelBinding, KernelIO, KernelStep, Lowering } from './kernel.ts'

/** Row-major strides of a shape. */
export const stridesOf = (shape: readonly number[]): number[] => {
  const strides = new Array<number>(shape.length)
  let s = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s
    s *= shape[i]
  }
  return strides
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)

export const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, k) => d === b[k])

/** `index` as one operand of a larger expression: parenthesised unless it is a name or a number. */
export const grouped = (index: Expr): Expr => (/^\w+$/.test(index) ? index : `(${index})`)

/**
 * WGSL computing the flat index into an input of shape `from` that
 * broadcasts to `to`, given the output's flat index in `i`.
 */
export const broadcastIndex = (from: readonly number[], to: readonly number[], index = 'i'): string => {
  if (sameShape(from, to)) return index
  const i = grouped(index)
  const outStrides = stridesOf(to)
  const inStrides = stridesOf(from)
  const offset = to.length - from.length
  const terms = from
    .map((d, k) => (d === 1 ? '' : `((${i} / ${outStrides[k + offset]}u) % ${to[k + offset]}u) * ${inStrides[k]}u`))
    .filter((t) => t !== '')
  return terms.length === 0 ? '0u' : terms.join(' + ')
}

/**
 * A node whose value is one number: a fill, or a one-element constant (the
 * scalars of `mul(x, 0.5)`). Elementwise kernels read it as a WGSL literal
 * instead of a binding, so it costs no buffer, upload or kernel.
 */
export const isLiteralNode = (node: Node): boolean =>
  node.dtype !== 'bool' && (node.op === 'fill' || (node.op === 'constant' && sizeOf(node.shape) === 1))

/** The number a literal node stands for. */
export const literalValue = (node: Node): number => (node.op === 'fill' ? node.params.value : (node.data![0] as number))

/** A literal node's value as WGSL. */
export const literalOf = (node: Node, io: Pick<KernelIO, 'literal'>): Expr => io.literal(literalValue(node), node.dtype)

export interface PerElementOptions {
  /** Read literal-node operands as WGSL literals instead of binding them (elementwise ops). */
  readonly inlineLiterals?: boolean
  /** Bindings after the output (a fault record, scratch). */
  readonly extra?: readonly KernelBinding[]
  readonly module?: KernelStep['module']
  readonly label?: string
  /** The stored values are f32 elements of the output: a chain may fuse into the store. */
  readonly epilogue?: boolean
}

/**
 * One invocation per output element of `node` (flat index `i`). `body` gets
 * the IO and `read(k)`, operand k's value at this element (broadcast, or a
 * literal when `inlineLiterals`). Bound inputs come first, in order, then the
 * output, then `extra`.
 */
export const perElement = (node: NodeBase, body: (io: KernelIO, read: (k: number) => Expr) => string, options: PerElementOptions = {}): KernelStep => {
  const inline = (k: number) => options.inlineLiterals === true && isLiteralNode(node.inputs[k])
  const bindings: KernelBinding[] = [
    ...node.inputs.flatMap((_, k) => (inline(k) ? [] : [{ input: k }])),
    { output: true },
    ...(options.extra ?? []),
  ]
  return {
    label: options.label,
    bindings,
    dispatch: { threads: sizeOf(node.shape), perOutputElement: true },
    module: options.module,
    epilogue: options.epilogue,
    body: (io) => body(io, (k) => (inline(k) ? literalOf(node.inputs[k], io) : io.load(k, broadcastIndex(node.inputs[k].shape, node.shape)))),
  }
}

/** A movement primitive's view that is a pure index map (see ViewRule): element i is element `index(node, i)` of input 0. */
export const indexView = <N extends NodeBase>(index: (node: N, i: Expr) => Expr) => ({
  read: (node: N, i: Expr, load: (sourceIndex: Expr) => Expr): Expr => load(index(node, i)),
})

/**
 * The lowering of a movement primitive given by its view (see ViewRule): one invocation per output
 * element stores what the view reads. Used when the fuse-views pass leaves the node a kernel of its
 * own (it is requested, or a reader reads it other than through io.load).
 */
export const viewLowering =
  <N extends NodeBase>(view: { read(node: N, i: Expr, load: (sourceIndex: Expr) => Expr, io: KernelIO): Expr }) =>
  (node: N): Lowering =>
    sizeOf(node.shape) === 0 ? { steps: [] } : { steps: [perElement(node, (io) => `  ${io.store('i', view.read(node, 'i', (j) => io.load(0, j), io))}`)] }
