/**
 * dropout2d (PyTorch's F.dropout2d, "spatial dropout"): zeroes whole channels of an
 * [N, C, H, W] input. Composed from public ops — dropout of a ones mask [N, C, 1, 1],
 * broadcast over H×W by mul — so it follows dropout's seed, rate and `training` flag
 * exactly, and its gradient goes through the same mask.
 */
import type { Shape, Input, ShapeFn, IsTuple, UnknownShape, ShapeError, ShapeText } from '../../types/index.ts'
import { checkMode, layer, type Layer } from '../layer.ts'
import { acceptDType } from '../shape/dtype.ts'
import { fail, shapeText } from '../shape/errors.ts'
import type { AnyTensor } from '../tree.ts'
import { ones } from './creation.ts'
import { dropout, mul, type DropoutOptions } from './elementwise.ts'

/** `dropout2d: expects input [N, C, H, W], got [..]`, here and in its run-time twin. */
export type Dropout2dRank<X extends Shape> = `dropout2d: expects input [N, C, H, W], got ${ShapeText<X>}`
const dropout2dRank = (x: Shape) => `dropout2d: expects input [N, C, H, W], got ${shapeText(x)}`

/** Same shape, for an [N, C, H, W] input. */
export type Dropout2dShape<X extends Shape> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [unknown, unknown, unknown, unknown] ? X : ShapeError<Dropout2dRank<X>>

export interface Dropout2dFn extends ShapeFn {
  readonly op: 'dropout2d'
  readonly accepts: 'float'
  readonly output: Dropout2dShape<Input<this>>
}

type T = AnyTensor

/**
 * Zeroes each channel of each example with probability `rate` and scales the kept ones by
 * 1/(1−rate), in training only; to evaluate (`training: false`) it is the identity. Neighbouring
 * pixels of a feature map are correlated, so dropping single pixels (dropout) barely regularises
 * a convolution; dropping whole maps does.
 *
 * @example
 * import { randn, dropout2d } from 'shapewise'
 * const y = dropout2d({ rate: 0.2, seed: 1, training: true })(randn([8, 64, 14, 14])) // Tensor<[8, 64, 14, 14]>, about 20 % of the 512 maps zero
 */
export const dropout2d = (options: DropoutOptions): Layer<Dropout2dFn> => {
  // Its own name on the checks that dropout would make too.
  if (!(options.rate >= 0 && options.rate < 1)) throw new RangeError(`dropout2d: rate must be in [0, 1), got ${options.rate}`)
  checkMode('dropout2d', options)
  const channels = dropout(options) as unknown as (mask: T) => T // checks the seed
  return layer<Dropout2dFn>('dropout2d', (input) => {
    const x = input as T
    if (x.rank !== 4) fail(dropout2dRank(x.shape))
    acceptDType('dropout2d', 'input', x.dtype, 'float')
    if (!options.training || options.rate === 0) return x as never
    const mask = channels(ones([x.shape[0], x.shape[1], 1, 1]) as unknown as T) // 0 or 1/(1−rate) per channel
    return (mul as unknown as (a: T, b: T) => T)(x, mask) as never
  })
}
