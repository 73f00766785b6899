/** Ops that exist for differentiation and losses: stopGradient, broadcastTo, oneHot. */
import type { Shape, Mutable, Broadcast, Checked } from '../../types/index.ts'
import { makeNode, type DType } from '../graph.ts'
import { broadcastShapes } from '../shape/layout.ts'
import { fail, shapeText } from '../shape/errors.ts'
import { wrap, type Tensor } from '../tensor.ts'
import { oneHotNode } from './one-hot.ts'

/**
 * The identity, but gradients do not flow through it (jax.lax.stop_gradient).
 *
 * @example
 * import { tensor, grad, mul, sum, stopGradient, type Tensor } from 'shapewise'
 * // d/dx Σ x·stop(x) = stop(x): the stopped factor counts as a constant.
 * const f = (x: Tensor<[2]>) => sum()(mul(x, stopGradient(x)))
 * await grad(f)(tensor([1, 2])).data() // → [1, 2]
 */
export const stopGradient = <S extends Shape, D extends DType>(x: Tensor<S, D>): Tensor<S, D> =>
  wrap(makeNode('stopGradient', [x.node], {}, x.shape, x.dtype))

/**
 * Repeats x along broadcast dims until it has `shape` (NumPy rules).
 *
 * @example
 * import { tensor, broadcastTo } from 'shapewise'
 * await broadcastTo(tensor([1, 2]), [2, 2]).array() // → [[1, 2], [1, 2]]
 */
export function broadcastTo<S extends Shape, const T extends Shape, D extends DType = 'float32'>(
  x: Checked<Tensor<S, D>, Broadcast<'broadcastTo', S, T>>,
  shape: T,
): Tensor<Mutable<T>, D> {
  const t = x as Tensor<S, D>
  const out = broadcastShapes('broadcastTo', t.shape, shape)
  if (shapeText(out) !== shapeText(shape)) fail(`broadcastTo: ${shapeText(t.shape)} cannot be broadcast to ${shapeText(shape)}`)
  return wrap(makeNode('broadcastTo', [t.node], {}, shape, t.dtype))
}

/**
 * One-hot rows: labels [...] of int32 in 0..classes-1 → [..., classes] float32.
 *
 * @example
 * import { tensor, oneHot } from 'shapewise'
 * await oneHot(tensor([2, 0], 'int32'), 3).array() // → [[0, 0, 1], [1, 0, 0]]
 */
export const oneHot = <S extends Shape, const C extends number>(labels: Tensor<S, 'int32'>, classes: C): Tensor<[...Mutable<S>, C]> =>
  wrap(oneHotNode('oneHot', labels as Tensor<Shape, DType>, classes))
