/** Ops that exist for differentiation and losses: stopGradient, broadcastTo, oneHot. */
import type { Shape, Mutable, Broadcast, Checked } from '../../types/index.ts'
import type { DType } from '../graph.ts'
import { bind } from '../core/bind.ts'
import { broadcastToPrimitive, oneHot as oneHotOf, sameShape } from '../core/ops.ts'
import { definePrimitive, noGradient } from '../core/primitive.ts'
import { wrap, type Tensor } from '../tensor.ts'
import { lowerStopGradient } from './gradient.wgsl.ts'

export const stopGradientPrimitive = definePrimitive('stopGradient', { shape: sameShape, vjp: noGradient, lower: lowerStopGradient })

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
  wrap(bind(stopGradientPrimitive, [x.node], {}))

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
  return wrap(bind(broadcastToPrimitive, [t.node], { shape }))
}

/**
 * One-hot rows: labels [...] of int32 in 0..classes-1 → [..., classes] float32.
 *
 * @example
 * import { tensor, oneHot } from 'shapewise'
 * await oneHot(tensor([2, 0], 'int32'), 3).array() // → [[0, 0, 1], [1, 0, 0]]
 */
export const oneHot = <S extends Shape, const C extends number>(labels: Tensor<S, 'int32'>, classes: C): Tensor<[...Mutable<S>, C]> =>
  oneHotOf(labels as Tensor<Shape, DType>, classes) as Tensor<[...Mutable<S>, C]>
