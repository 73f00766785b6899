/**
 * interpolate (PyTorch's F.interpolate): resizes the spatial axes of [N, C, L], [N, C, H, W] or
 * [N, C, D, H, W] to a `size` or by a `scaleFactor` (any positive number), with the modes
 * nearest, nearest-exact, linear, bilinear, trilinear and bicubic. One primitive for every rank
 * and mode, and one for its gradient; their kernels are in interpolate.wgsl.ts.
 */
import type { Input, ShapeFn, CheckKeys, SpelledOptions, IfSpelled, OptionsLike } from '../../types/index.ts'
import { bind } from '../core/bind.ts'
import { definePrimitive, noSecondDerivative } from '../core/primitive.ts'
import { layer, type Layer } from '../layer.ts'
import { acceptDType } from '../shape/dtype.ts'
import { interpolateKeys, interpolateShape, type InterpolateKeys, type InterpolateMode, type InterpolateOptions, type InterpolateShape } from '../shape/interpolate.ts'
import { checkKeys } from '../shape/options.ts'
import { wrap } from '../tensor.ts'
import { lowerInterpolate, lowerInterpolateGrad } from './interpolate.wgsl.ts'

/** The options as a node carries them: the user's, with the mode filled in. */
export type InterpolateParams = InterpolateOptions & { readonly mode: InterpolateMode }

declare module '../core/params.ts' {
  interface Params {
    readonly interpolate: InterpolateParams
    /** Inputs [x, dy]: the cotangent of x (x's shape). */
    readonly interpolateGrad: InterpolateParams & { readonly forward: 'interpolate' }
  }
}

export const interpolateGradPrimitive = definePrimitive('interpolateGrad', {
  shape: ([x]) => ({ shape: x.shape, dtype: 'float32' }),
  vjp: noSecondDerivative('interpolate'),
  lower: lowerInterpolateGrad,
})
export const interpolatePrimitive = definePrimitive('interpolate', {
  shape: ([x], params) => ({ shape: interpolateShape(x.shape, params), dtype: x.dtype }),
  vjp: ({ params, inputs: [x], dy }) => [wrap(bind(interpolateGradPrimitive, [x.node, dy.node], { ...params, forward: 'interpolate' }))],
  lower: lowerInterpolate,
})

/** The registry's entries of this module. */
const INTERPOLATE = { interpolate: interpolatePrimitive, interpolateGrad: interpolateGradPrimitive } as const
export default INTERPOLATE

export interface InterpolateFn<O> extends ShapeFn {
  readonly op: 'interpolate'
  readonly accepts: 'float'
  readonly output: InterpolateShape<Input<this>, O>
}
type Keys<O> = CheckKeys<'interpolate', O, InterpolateKeys, never>

/**
 * Resizes the spatial axes as PyTorch's `F.interpolate` does: exactly one of `size` and
 * `scaleFactor` (a number or one per axis; a scale need not be an integer, the output is
 * ⌊in · scale⌋), `mode` 'nearest' (default), 'nearest-exact', 'linear' ([N, C, L]), 'bilinear' or
 * 'bicubic' ([N, C, H, W]), 'trilinear' ([N, C, D, H, W]), `alignCorners` for the linear modes
 * and bicubic, and `recomputeScaleFactor` (map coordinates by in/out instead of 1/scaleFactor).
 * Output sizes are computed by the compiler where the options are literals (a decimal scale
 * gives ⌊in · scale⌋ where that is certain, else `number`; see src/shape/interpolate.ts).
 *
 * @example
 * import { tensor, randn, interpolate } from 'shapewise'
 * await interpolate({ scaleFactor: 2, mode: 'linear', alignCorners: true })(tensor([[[1, 3]]])).data() // → [1, 1.6666667461395264, 2.3333332538604736, 3]
 * await interpolate({ size: 3, mode: 'nearest-exact' })(tensor([[[1, 2]]])).data() // → [1, 2, 2]
 * interpolate({ scaleFactor: 1.5, mode: 'bicubic' })(randn([1, 3, 10, 7])).shape // → [1, 3, 15, 10]
 * interpolate({ size: [4, 8, 8], mode: 'trilinear' })(randn([2, 1, 2, 4, 4])).shape // → [2, 1, 4, 8, 8]
 */
export const interpolate = <const O extends OptionsLike<InterpolateOptions>>(options: SpelledOptions<O, Keys<O>>): Layer<IfSpelled<Keys<O>, InterpolateFn<O>>> => {
  checkKeys('interpolate', options, interpolateKeys, [])
  const spelled = options as InterpolateOptions
  return layer('interpolate', (x) => {
    acceptDType('interpolate', 'input', x.dtype, 'float')
    return wrap(bind(interpolatePrimitive, [x.node], { ...spelled, mode: spelled.mode ?? 'nearest' }))
  })
}
