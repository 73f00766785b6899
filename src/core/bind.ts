/** Applying a primitive: the one way op code makes a graph node. */
import { makeNode, type Node, type NodeOf } from '../graph.ts'
import type { Params, Primitive } from './params.ts'
import type { PrimitiveDef } from './primitive.ts'

/**
 * A node of `primitive` over `inputs` with `params`, its shape and dtype computed by the
 * primitive's rule (which throws the op's ShapeError when the inputs do not fit).
 *
 * @example
 * const y = bind(add, [a.node, b.node], {})   // shape: a and b broadcast
 */
export const bind = <P extends Primitive>(primitive: PrimitiveDef<P>, inputs: readonly Node[], params: Params[P]): NodeOf<P> & Node => {
  const { shape, dtype } = primitive.shape(inputs, params)
  return makeNode(primitive, inputs, params, shape, dtype)
}
