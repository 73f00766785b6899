/** Ops that exist for differentiation and losses: stopGradient, broadcastTo, oneHot. */
import type { Shape, Mutable, Broadcast, Checked } from '../../types/index.ts'
import type { DType } from '../graph.ts'
import { bind } from '../core/bind.ts'
import { broadcastToPrimitive, oneHot as oneHotOf, sameShape } from '../core/ops.ts'
import { definePrimitive, noGradient } from '../core/primitive.ts'
import { wrap, type Tensor } from '../tensor.ts'
import { lowerStopGradient } from './gradient.wgsl.ts'

export const stopGradientPrimitive = definePrimitive('stopGradient', { shape: sameShape, vjp: noGradient, lower: lowerStopGradient })

/** The identity, but gradients do not flow through it (jax.lax.stop_gradient). */
export const stopGradient = <S extends Shape, D extends DType>(x: Tensor<S, D>): Tensor<S, D> =>
  wrap(bind(stopGradientPrimitive, [x.node], {}))

/** Repeats x along broadcast dims until it has `shape` (NumPy rules). */
export function broadcastTo<S extends Shape, const T extends Shape, D extends DType = 'float32'>(
  x: Checked<Tensor<S, D>, Broadcast<'broadcastTo', S, T>>,
  shape: T,
): Tensor<Mutable<T>, D> {
  const t = x as Tensor<S, D>
  return wrap(bind(broadcastToPrimitive, [t.node], { shape }))
}

/** One-hot rows: labels [...] of int32 in 0..classes-1 → [..., classes] float32. */
export const oneHot = <S extends Shape, const C extends number>(labels: Tensor<S, 'int32'>, classes: C): Tensor<[...Mutable<S>, C]> =>
  oneHotOf(labels as Tensor<Shape, DType>, classes) as Tensor<[...Mutable<S>, C]>
