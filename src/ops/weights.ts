/** Parameters of a weighted layer: a bare weight tensor or a { weight, bias } record. */
import type { Shape } from '../../types/index.ts'
import type { Tensor } from '../tensor.ts'

export type Weights = Tensor<Shape> | { readonly weight: Tensor<Shape>; readonly bias?: Tensor<Shape> }

export type WeightShape<W> = W extends Tensor<infer S> ? S : W extends { readonly weight: Tensor<infer S> } ? S : never
export type BiasShape<W> = W extends { readonly bias: Tensor<infer S> } ? S : undefined

export const splitWeights = (w: Weights): { weight: Tensor<Shape>; bias?: Tensor<Shape> } =>
  'node' in w ? { weight: w as Tensor<Shape> } : (w as { weight: Tensor<Shape>; bias?: Tensor<Shape> })
