/**
 * The lazy graph: a tensor is a handle on a Node. Building a node does no
 * device work; materialising a tensor (runtime) compiles what it needs.
 */
import type { Params, Primitive } from './core/params.ts'
import type { PrimitiveDef } from './core/primitive.ts'

export type { DType } from '../types/dtype.ts'
import type { DType } from '../types/dtype.ts'

export type HostData = Float32Array | Int32Array | Uint8Array

/** What code that does not read a node's parameters (kernel skeletons, schedules) needs of it. */
export interface NodeBase {
  readonly id: number
  /** The name of the primitive that computes this node ('constant' for host data). */
  readonly op: Primitive
  readonly inputs: readonly Node[]
  readonly shape: readonly number[]
  readonly dtype: DType
  /** Host values of a constant node. */
  readonly data?: HostData
}

/** A node of primitive P: `node.op === 'conv2d'` narrows a Node to a NodeOf<'conv2d'>, and its `params`. */
export interface NodeOf<P extends Primitive> extends NodeBase {
  readonly op: P
  /** Its definition: shape rule, VJP and lowering. */
  readonly primitive: PrimitiveDef<P>
  readonly params: Params[P]
}

/** A node of one of the primitives Ps: a union discriminated by `op`. */
export type NodeIn<Ps extends Primitive> = { [P in Ps]: NodeOf<P> }[Ps]
/** A node of any primitive. */
export type Node = NodeIn<Primitive>

import { external } from './core/leaves.ts'

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
  primitive: PrimitiveDef<Primitive>
  inputs: readonly Node[]
  params: Params[Primitive]
}
const derivations = new WeakMap<NodeBase, Derivation>()

/**
 * A node of `primitive` with the shape and dtype its caller computed; `bind` (src/core/bind.ts)
 * computes them with the primitive's shape rule, which is what op code should call.
 */
export const makeNode = <P extends Primitive>(
  primitive: PrimitiveDef<P>,
  inputs: readonly Node[],
  params: Params[P],
  shape: readonly number[],
  dtype: DType,
  data?: HostData,
): NodeOf<P> & Node => {
  const derivation: Derivation = { primitive, inputs, params }
  // Frozen: no caller can change a node. Only `detach` may, through the derivation behind the getters.
  // The getters read the derivation, which `detach` may turn into an external: typed as the node it was made.
  const node = Object.freeze({
    id: nextId++,
    get op() {
      return derivation.primitive.name as P
    },
    get primitive() {
      return derivation.primitive as PrimitiveDef<P>
    },
    get inputs() {
      return derivation.inputs
    },
    get params() {
      return derivation.params as Params[P]
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
  // A node of a generic primitive P is a Node (the union over every primitive), which the checker
  // cannot see through a type parameter; this is the one place nodes are made, so it says so once.
  return node as NodeOf<P> & Node
}

/** `node`'s primitive and parameters applied to other inputs, with its shape and dtype (a stand-in for the compiler). */
export const withInputs = <P extends Primitive>(node: NodeOf<P>, inputs: readonly Node[]): NodeOf<P> & Node =>
  makeNode(node.primitive, inputs, node.params, node.shape, node.dtype)

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
  derivation.primitive = external
  derivation.inputs = []
  derivation.params = {}
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
