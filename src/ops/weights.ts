/** Parameters of a weighted layer: a bare weight tensor or a { weight, bias } record. */
import type { Shape } from '../../types/index.ts'
import type { Tensor } from '../tensor.ts'
import type { DType } from '../graph.ts'
import { acceptDType } from '../shape/dtype.ts'

export type Weights = Tensor<Shape> | { readonly weight: Tensor<Shape>; readonly bias?: Tensor<Shape> }

export type WeightShape<W> = W extends Tensor<infer S> ? S : W extends { readonly weight: Tensor<infer S> } ? S : never
export type BiasShape<W> = W extends { readonly bias: Tensor<infer S> } ? S : undefined

export const splitWeights = (w: Weights): { weight: Tensor<Shape>; bias?: Tensor<Shape> } =>
  'node' in w ? { weight: w as Tensor<Shape> } : (w as { weight: Tensor<Shape>; bias?: Tensor<Shape> })

/** Weighted layers (conv, linear) compute in float32: input, weight and bias must all be float32. */
export const acceptWeighted = (op: string, x: Tensor<Shape, DType>, weight: Tensor<Shape, DType>, bias?: Tensor<Shape, DType>): void => {
  acceptDType(op, 'input', x.dtype, 'float')
  acceptDType(op, 'weight', weight.dtype, 'float')
  if (bias) acceptDType(op, 'bias', bias.dtype, 'float')
}
