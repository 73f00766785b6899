/**
 * Affine parameters of layerNorm, groupNorm and instanceNorm2d, initialised as PyTorch's modules
 * do: weight (γ) ones, bias (β) zeros.
 */
import type { Mutable, Shape } from '../../types/index.ts'
import { full } from '../ops/creation.ts'
import { fail, shapeText } from '../shape/errors.ts'

const ones = <const S extends Shape>(op: string, shape: S) => {
  if (!shape.every((d) => Number.isInteger(d) && d >= 1)) fail(`${op}: dims must be positive integers, got ${shapeText(shape)}`)
  return { weight: full(shape, 1), bias: full(shape, 0) }
}

/**
 * layerNorm's weight and bias, shaped like the normalized dims.
 *
 * @example
 * import { layerNormParams } from 'shapewise/nn'
 * const { weight, bias } = layerNormParams({ normalizedShape: [8, 8] }) // Tensor<[8, 8]> of ones, of zeros
 */
export const layerNormParams = <const S extends Shape>(spec: { readonly normalizedShape: S }) => ones<Mutable<S>>('layerNormParams', spec.normalizedShape as Mutable<S>)

/**
 * groupNorm's weight and bias, one per channel.
 *
 * @example
 * import { groupNormParams } from 'shapewise/nn'
 * const { weight, bias } = groupNormParams({ numChannels: 32 }) // Tensor<[32]> of ones, of zeros
 */
export const groupNormParams = <const C extends number>(spec: { readonly numChannels: C }) => ones<[C]>('groupNormParams', [spec.numChannels])

/**
 * instanceNorm2d's weight and bias, one per channel (PyTorch's `affine=True`).
 *
 * @example
 * import { instanceNorm2dParams } from 'shapewise/nn'
 * const { weight, bias } = instanceNorm2dParams({ numFeatures: 3 }) // Tensor<[3]> of ones, of zeros
 */
export const instanceNorm2dParams = <const C extends number>(spec: { readonly numFeatures: C }) => ones<[C]>('instanceNorm2dParams', [spec.numFeatures])
