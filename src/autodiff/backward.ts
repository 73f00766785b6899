/**
 * Reverse mode on the lazy graph: walks from an output back to the nodes we
 * differentiate with respect to, applying each op's VJP rule. Gradients are
 * themselves lazy graph nodes, so a whole training step stays one graph.
 */
import { topologicalOrder, type Node, type NodeOf } from '../graph.ts'
import { wrap } from '../tensor.ts'
import { add } from '../core/ops.ts'
import type { Primitive } from '../core/params.ts'
import type { AnyTensor } from '../tree.ts'

/** The cotangents of a node's inputs by its primitive's VJP rule. */
const vjpOf = <P extends Primitive>(node: NodeOf<P>, output: AnyTensor, dy: AnyTensor) =>
  node.primitive.vjp({ node, params: node.params, inputs: node.inputs.map((n) => wrap(n)), output, dy })

/**
 * Cotangents of `wrt` for `output` seeded with `seed` (same shape as output).
 * A node of `wrt` that the output does not depend on gets undefined.
 */
export const backward = (output: Node, seed: AnyTensor, wrt: readonly Node[]): (AnyTensor | undefined)[] => {
  const order = topologicalOrder([output])
  const targets = new Set(wrt)
  // Only nodes between the output and some target need cotangents.
  const needed = new Set<Node>()
  for (const node of order) if (targets.has(node) || node.inputs.some((i) => needed.has(i))) needed.add(node)

  const cotangents = new Map<Node, AnyTensor>([[output, seed]])
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]
    const dy = cotangents.get(node)
    if (!dy || !node.inputs.some((i) => needed.has(i))) continue
    const grads = vjpOf(node, wrap(node), dy)
    node.inputs.forEach((input, i) => {
      const g = grads[i]
      if (!g || !needed.has(input)) return
      const previous = cotangents.get(input)
      cotangents.set(input, previous ? add(previous, g) : g)
    })
  }
  return wrt.map((n) => cotangents.get(n))
}
