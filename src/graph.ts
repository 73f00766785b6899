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

/**
 * How many nodes name each node (by id) as an input. A value whose graph was
 * released (see `detach`) must stay on the device while a node still reads
 * it, even after its last tensor is disposed: `add(b, 1)` built before
 * `b.dispose()` still needs `b`. Kept by id so that the count does not keep
 * the node alive; a consumer that is collected, or detached, counts no more.
 */
const consumerCounts = new Map<number, number>()
let unreferenced: (id: number) => void = () => {}
/** Registers what to do when no node reads node `id` any more (the runtime frees a value nothing else holds). */
export const whenUnreferenced = (f: (id: number) => void): void => {
  unreferenced = f
}
const dropConsumer = (id: number) => {
  const left = consumerCounts.get(id)! - 1
  if (left > 0) return void consumerCounts.set(id, left)
  consumerCounts.delete(id)
  unreferenced(id)
}
const collected = new FinalizationRegistry<readonly number[]>((inputIds) => inputIds.forEach(dropConsumer))
/** How many nodes, collected or detached ones aside, read `node`. */
export const consumerCount = (node: Node): number => consumerCounts.get(node.id) ?? 0

/** The part of a node that `detach` rewrites; everything else is fixed at construction. */
interface Derivation {
  op: OpName
  inputs: readonly Node[]
  attrs: Readonly<Record<string, unknown>>
}
const derivations = new WeakMap<Node, Derivation>()

export const makeNode = (
  op: OpName,
  inputs: readonly Node[],
  attrs: Readonly<Record<string, unknown>>,
  shape: readonly number[],
  dtype: DType,
  data?: HostData,
): Node => {
  const derivation: Derivation = { op, inputs, attrs }
  // Frozen: no caller can change a node. Only `detach` may, through the derivation behind the getters.
  const node: Node = Object.freeze({
    id: nextId++,
    get op() {
      return derivation.op
    },
    get inputs() {
      return derivation.inputs
    },
    get attrs() {
      return derivation.attrs
    },
    shape: Object.freeze([...shape]),
    dtype,
    data,
  })
  derivations.set(node, derivation)
  if (inputs.length > 0) {
    for (const input of inputs) consumerCounts.set(input.id, (consumerCounts.get(input.id) ?? 0) + 1)
    collected.register(node, inputs.map((input) => input.id), node)
  }
  return node
}

/**
 * Releases the graph behind a node whose value now lives on the device: it
 * becomes an `external` node without inputs, so that its history (earlier
 * steps' graphs, disposed batches) can be collected, as PyTorch frees a
 * graph once it has run. Its value can no longer be recomputed: the runtime
 * keeps its buffer while a tensor or a node still refers to it.
 */
export const detach = (node: Node): void => {
  const derivation = derivations.get(node)!
  const inputs = derivation.inputs
  derivation.op = 'external'
  derivation.inputs = []
  derivation.attrs = {}
  if (inputs.length === 0) return
  collected.unregister(node)
  for (const input of inputs) dropConsumer(input.id)
}

/**
 * Nodes whose graph must stay as it is while they live: the forward graph
 * of a `vjp` waiting for its cotangent (reading the output meanwhile must
 * not cut the path back to the primals).
 */
const differentiable = new WeakSet<Node>()
/** Marks the nodes between `leaves` and `root` as kept for a later backward pass. */
export const keepForDifferentiation = (root: Node, leaves: ReadonlySet<Node>): void => {
  for (const node of topologicalOrder([root], (n) => leaves.has(n))) differentiable.add(node)
}
export const keptForDifferentiation = (node: Node): boolean => differentiable.has(node)

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
