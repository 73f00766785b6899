/**
 * fold (col2im, PyTorch's F.fold): the adjoint of `unfold`. Columns [N, C·kh·kw, L] are put
 * back at their windows' places in an [N, C, H, W] image and summed where windows overlap.
 * Composed from public ops — for each kernel offset, a slice of the columns spread by the
 * stride (zeros between, by pad and reshape) and padded into place, the offsets added up and
 * the padding sliced off — so its gradient is `unfold` again, from those ops' rules. The
 * number of windows L follows the convolution's output-size rule on outputSize.
 */
import type { Shape, Input, ShapeFn, ShapeError, ShapeText, IsTuple, UnknownShape, Mul, Div, Differ, MayDivide, ConvShape, Spatial } from '../../types/index.ts'
import { layer, type Layer } from '../layer.ts'
import { convShape } from '../shape/conv.ts'
import { acceptDType } from '../shape/dtype.ts'
import { axisValue, fail, shapeText } from '../shape/errors.ts'
import type { AnyTensor } from '../tree.ts'
import { add } from './elementwise.ts'
import { pad, reshape } from './layout.ts'
import { sliceAlong } from './pad.ts'

export interface FoldOptions {
  /** The image's [H, W]. */
  readonly outputSize: Spatial
  readonly kernelSize: Spatial
  readonly stride?: Spatial
  readonly padding?: Spatial
  readonly dilation?: Spatial
}

type Pair<K> = K extends readonly [infer A extends number, infer B extends number] ? [A, B] : K extends number ? [K, K] : [number, number]

// ---------------------------------------------------------------- messages

export type FoldRank<X extends Shape> = `fold: expects input [N, C·kh·kw, L], got ${ShapeText<X>}`
const foldRank = (x: Shape) => `fold: expects input [N, C·kh·kw, L], got ${shapeText(x)}`
export type FoldRows<R extends number, K extends number> = `fold: input has ${R} rows, not divisible by kh·kw = ${K}`
const foldRows = (r: number, k: number) => `fold: input has ${r} rows, not divisible by kh·kw = ${k}`
export type FoldBlocks<L extends number, H extends number, W extends number, OH extends number, OW extends number> =
  `fold: input has ${L} blocks but outputSize ${H}×${W} gives ${OH}×${OW} = ${Mul<OH, OW>}`
const foldBlocks = (l: number, h: number, w: number, oh: number, ow: number) => `fold: input has ${l} blocks but outputSize ${h}×${w} gives ${oh}×${ow} = ${oh * ow}`

// ---------------------------------------------------------------- shape rule

/** [N, C, H, W] for columns [N, C·kh·kw, oh·ow], with (oh, ow) the convolution's sizes on outputSize. */
export type FoldShape<X extends Shape, O extends FoldOptions> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [infer N extends number, infer R extends number, infer L extends number]
    ? [Pair<O['outputSize']>, Mul<Pair<O['kernelSize']>[0], Pair<O['kernelSize']>[1]>] extends [[infer H extends number, infer W extends number], infer K extends number]
      ? ConvShape<'fold', 2, [1, 1, H, W], [1, 1, ...Pair<O['kernelSize']>], undefined, Omit<O, 'kernelSize' | 'outputSize'>> extends infer S
        ? S extends ShapeError<string>
          ? S
          : S extends readonly [number, number, infer OH extends number, infer OW extends number]
            ? MayDivide<R, K> extends false
              ? ShapeError<FoldRows<R, K>>
              : Differ<L, Mul<OH, OW>> extends true ? ShapeError<FoldBlocks<L, H, W, OH, OW>> : [N, Div<R, K>, H, W]
            : UnknownShape
        : never
      : never
    : ShapeError<FoldRank<X>>

export interface FoldFn<O extends FoldOptions> extends ShapeFn {
  readonly op: 'fold'
  readonly accepts: 'float'
  readonly output: FoldShape<Input<this>, O>
}

// ---------------------------------------------------------------- layer

type T = AnyTensor
const apply = <F>(f: F, x: T) => (f as unknown as (t: T) => T)(x)

/** [.., n, ..] → [.., (n−1)·step + 1, ..] along `axis`, step − 1 zeros between neighbours (pad, no constant of the batch's size). */
const spread = (x: T, axis: number, step: number): T => {
  if (step === 1) return x
  const n = x.shape[axis]
  const unit = apply(reshape([...x.shape.slice(0, axis + 1), 1, ...x.shape.slice(axis + 1)]), x)
  const pads = unit.shape.map((_, i) => (i === axis + 1 ? [0, step - 1] : [0, 0]) as [number, number])
  const gapped = apply(reshape([...x.shape.slice(0, axis), n * step, ...x.shape.slice(axis + 1)]), apply(pad(pads), unit))
  return sliceAlong(gapped, axis, 0, (n - 1) * step + 1)
}

/**
 * Sums columns back into an image (col2im): the inverse of `unfold` where windows do not overlap.
 *
 * @example
 * import { rand, unfold, fold } from 'shapewise'
 * const cols = unfold({ kernelSize: 2, stride: 2 })(rand([1, 3, 8, 8])) // Tensor<[1, 12, 16]>
 * const image = fold({ outputSize: [8, 8], kernelSize: 2, stride: 2 })(cols) // Tensor<[1, 3, 8, 8]>: the input again
 */
export const fold = <const O extends FoldOptions>(options: O): Layer<FoldFn<O>> =>
  layer<FoldFn<O>>('fold', (input) => {
    const x = input as T
    const [h, w] = [axisValue(options.outputSize, 0, 1), axisValue(options.outputSize, 1, 1)]
    const [kh, kw] = [axisValue(options.kernelSize, 0, 1), axisValue(options.kernelSize, 1, 1)]
    const convOptions = { stride: options.stride, padding: options.padding, dilation: options.dilation }
    const [, , oh, ow] = convShape('fold', 2, [1, 1, h, w], [1, 1, kh, kw], undefined, convOptions)
    if (x.rank !== 3) fail(foldRank(x.shape))
    acceptDType('fold', 'input', x.dtype, 'float')
    const [n, rows, blocks] = x.shape
    if (rows % (kh * kw) !== 0) fail(foldRows(rows, kh * kw))
    if (blocks !== oh * ow) fail(foldBlocks(blocks, h, w, oh, ow))
    const [sh, sw] = [axisValue(options.stride, 0, 1), axisValue(options.stride, 1, 1)]
    const [ph, pw] = [axisValue(options.padding, 0, 0), axisValue(options.padding, 1, 0)]
    const [dh, dw] = [axisValue(options.dilation, 0, 1), axisValue(options.dilation, 1, 1)]
    const channels = rows / (kh * kw)
    const windows = apply(reshape([n, channels, kh * kw, oh, ow]), x)
    const [hp, wp] = [h + 2 * ph, w + 2 * pw]
    const [spanH, spanW] = [(oh - 1) * sh + 1, (ow - 1) * sw + 1]
    let image: T | undefined
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++) {
        // Kernel offset (i, j) of window (y, x) lands on padded pixel (i·dh + y·sh, j·dw + x·sw).
        const offset = apply(reshape([n, channels, oh, ow]), sliceAlong(windows, 2, i * kw + j, i * kw + j + 1))
        const spread2d = spread(spread(offset, 2, sh), 3, sw)
        const placed = apply(pad([[0, 0], [0, 0], [i * dh, hp - i * dh - spanH], [j * dw, wp - j * dw - spanW]]), spread2d)
        image = image ? (add as unknown as (a: T, b: T) => T)(image, placed) : placed
      }
    return sliceAlong(sliceAlong(image!, 2, ph, ph + h), 3, pw, pw + w) as never
  })
