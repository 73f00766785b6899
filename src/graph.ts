/**
 * The lazy graph: a tensor is a handle on a Node. Building a node does no
 * device work; materialising a tensor (runtime) compiles what it needs.
 */
import type { OpName } from './ops/names.ts'

export type { DType } from '../types/dtype.ts'
import type { DType } from '../types/dtype.ts'

export type HostData = Float32Array | Int32Array | Uint8Array

export interface Node {
  readonly id: number
  /** The name of the op definition that computes this node ('constant' for host data). */
  readonly op: OpName
  readonly inputs: readonly Node[]
  readonly attrs: Readonly<Record<string, unknown>>
  readonly shape: readonly number[]
  readonly dtype: DType
  /** Host values of a constant node. */
  readonly data?: HostData
}

let nextId = 0

export const makeNode = (
  op: OpName,
  inputs: readonly Node[],
  attrs: Readonly<Record<string, unknown>>,
  shape: readonly number[],
  dtype: DType,
  data?: HostData,
): Node => Object.freeze({ id: nextId++, op, inputs, attrs, shape: Object.freeze([...shape]), dtype, data })

/**
 * The nodes `roots` depend on, inputs before consumers, not looking past
 * nodes where `stop` holds (they are included, their inputs are not).
 * Operands are visited last-first: a side operand (a bias, a scale) then
 * comes before the producer of operand 0, which lets the compiler fuse the
 * op into that producer. Iterative: training graphs are deep enough to
 * overflow the JS stack.
 */
export const topologicalOrder = (roots: readonly Node[], stop: (n: Node) => boolean = () => false): Node[] => {
  const order: Node[] = []
  const seen = new Set<Node>()
  for (const root of roots) {
    const stack: [Node, boolean][] = [[root, false]]
    while (stack.length) {
      const [node, expanded] = stack.pop()!
      if (expanded) {
        order.push(node)
        continue
      }
      if (seen.has(node)) continue
      seen.add(node)
      stack.push([node, true])
      if (!stop(node)) for (const input of node.inputs) if (!seen.has(input)) stack.push([input, false])
    }
  }
  return order
}
