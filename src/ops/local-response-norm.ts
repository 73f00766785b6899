/**
 * Local response normalisation across channels (AlexNet; PyTorch's
 * LocalResponseNorm), composed from public ops the way PyTorch computes it:
 * the squares as an [N, 1, C, H·W] image, zero-padded along C and averaged by
 * a size×1 window, so its gradient comes from those ops' rules.
 */
import type { Shape, Input, ShapeFn, IsTuple, UnknownShape, ShapeError, ShapeText } from '../../types/index.ts'
import { layer, type Layer } from '../layer.ts'
import { fail, shapeText, layoutText, expectsInput, type LayoutText } from '../shape/errors.ts'
import type { AnyTensor } from '../tree.ts'
import { add, div, mul, pow } from './elementwise.ts'
import { pad, reshape } from './layout.ts'
import { avgPool2d } from './pool.ts'

export interface LocalResponseNormOptions {
  /** Channels in each window (PyTorch's `size`). */
  readonly size: number
  readonly alpha?: number
  readonly beta?: number
  readonly k?: number
}

/** Same shape, for an [N, C, H, W] input. */
export type LocalResponseNormShape<X extends Shape> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [number, number, number, number]
    ? X
    : ShapeError<expectsInput<'localResponseNorm', LayoutText<2>, ShapeText<X>>>

export interface LocalResponseNormFn extends ShapeFn {
  readonly op: 'localResponseNorm'
  readonly output: LocalResponseNormShape<Input<this>>
}

type T = AnyTensor
const untyped = <F>(f: F) => f as unknown as (x: T) => T

/**
 * b = a / (k + α/n · Σ a²)^β, the sum over the n channels around each
 * channel (zeros beyond the edges; α 1e-4, β 0.75, k 1 by default, as
 * PyTorch). AlexNet uses size 5, k 2.
 *
 * @example
 * import { randn, localResponseNorm } from 'shapewise'
 * localResponseNorm({ size: 5, k: 2 })(randn([1, 96, 55, 55])).shape // → [1, 96, 55, 55]
 */
export const localResponseNorm = (options: LocalResponseNormOptions): Layer<LocalResponseNormFn> => {
  const { size, alpha = 1e-4, beta = 0.75, k = 1 } = options
  if (!(Number.isInteger(size) && size >= 1)) fail(`localResponseNorm: size must be a positive integer, got ${size}`)
  return layer<LocalResponseNormFn>('localResponseNorm', (input) => {
    const x = input as T
    if (x.rank !== 4) fail(expectsInput('localResponseNorm', layoutText(2), shapeText(x.shape)))
    const [n, c, h, w] = x.shape
    const squares = untyped(reshape([n, 1, c, h * w]))((mul as unknown as (a: T, b: T) => T)(x, x))
    // PyTorch pads ⌊size/2⌋ channels before and ⌊(size−1)/2⌋ after, then averages (zeros counted).
    const padded = untyped(pad([[0, 0], [0, 0], [Math.floor(size / 2), Math.floor((size - 1) / 2)], [0, 0]]))(squares)
    const window = untyped(avgPool2d({ kernelSize: [size, 1], stride: 1 }))(padded)
    const arith = <F>(f: F) => f as unknown as (a: T, b: T | number) => T
    const scale = arith(pow)(arith(add)(arith(mul)(untyped(reshape([n, c, h, w]))(window), alpha), k), beta)
    return arith(div)(x, scale) as never
  })
}
