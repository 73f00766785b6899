/**
 * unfold (im2col): every sliding k×k window of an [N, C, H, W] input as a
 * column, [N, C·kh·kw, L] with L = out_h·out_w windows (PyTorch's
 * `F.unfold`). A convolution is then one matrix product with the filters
 * flattened to [Co, C·kh·kw]. Composed from public ops (pad, one strided
 * slice per kernel offset, concat, reshape), so its gradient comes from
 * their rules; output sizes follow the convolution's rule.
 */
import type { Shape, Input, ShapeFn, ShapeError, Mul, ConvShape, Spatial } from '../../types/index.ts'
import { layer, type Layer } from '../layer.ts'
import { convShape } from '../shape/conv.ts'
import { axisValue } from '../shape/errors.ts'
import type { AnyTensor } from '../tree.ts'
import { concat, pad, reshape, slice } from './layout.ts'

export interface UnfoldOptions {
  readonly kernelSize: Spatial
  readonly stride?: Spatial
  readonly padding?: Spatial
  readonly dilation?: Spatial
}

type Pair<K> = K extends readonly [infer A extends number, infer B extends number] ? [A, B] : K extends number ? [K, K] : [number, number]
type ConvPart<O> = Omit<O, 'kernelSize'>

/** [N, C·kh·kw, oh·ow], or the convolution rule's error under the name `unfold`. */
export type UnfoldShape<X extends Shape, O extends UnfoldOptions> =
  X extends readonly [number, infer C extends number, ...Shape]
    ? ConvShape<'unfold', 2, X, [1, C, ...Pair<O['kernelSize']>], undefined, ConvPart<O>> extends infer R
      ? R extends ShapeError<string>
        ? R
        : R extends readonly [infer N extends number, number, infer OH extends number, infer OW extends number]
          ? [N, Mul<C, Mul<Pair<O['kernelSize']>[0], Pair<O['kernelSize']>[1]>>, Mul<OH, OW>]
          : R
      : never
    : ConvShape<'unfold', 2, X, [1, 1, ...Pair<O['kernelSize']>], undefined, ConvPart<O>>

export interface UnfoldFn<O extends UnfoldOptions> extends ShapeFn {
  readonly op: 'unfold'
  readonly output: UnfoldShape<Input<this>, O>
}

type T = AnyTensor
const apply = <F>(f: F, x: T) => (f as unknown as (t: T) => T)(x)

/**
 * The sliding windows of an image batch as columns (im2col).
 *
 * @example
 * import { rand, unfold } from 'shapewise'
 * // 75 = 3·5·5 values per window, 9 windows.
 * unfold({ kernelSize: 5 })(rand([10, 3, 7, 7])).shape // → [10, 75, 9]
 */
export const unfold = <const O extends UnfoldOptions>(options: O): Layer<UnfoldFn<O>> =>
  layer<UnfoldFn<O>>('unfold', (input) => {
    const x = input as T
    const [kh, kw] = [axisValue(options.kernelSize, 0, 1), axisValue(options.kernelSize, 1, 1)]
    const convOptions = { stride: options.stride, padding: options.padding, dilation: options.dilation }
    const [n, , oh, ow] = convShape('unfold', 2, x.shape, [1, x.shape[1] ?? 1, kh, kw], undefined, convOptions)
    const [sh, sw] = [axisValue(options.stride, 0, 1), axisValue(options.stride, 1, 1)]
    const [ph, pw] = [axisValue(options.padding, 0, 0), axisValue(options.padding, 1, 0)]
    const [dh, dw] = [axisValue(options.dilation, 0, 1), axisValue(options.dilation, 1, 1)]
    const channels = x.shape[1]
    const padded = apply(pad([[0, 0], [0, 0], [ph, ph], [pw, pw]]), x)
    // Kernel offset (i, j) meets input pixel (i·dh + y·sh, j·dw + x·sw) in window (y, x).
    const offsets: T[] = []
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++) {
        // N and C are left unbounded (holes), so an exported graph keeps the batch dynamic.
        const window = apply(slice({ start: [, , i * dh, j * dw], end: [, , i * dh + sh * (oh - 1) + 1, j * dw + sw * (ow - 1) + 1], step: [1, 1, sh, sw] } as never), padded)
        offsets.push(apply(reshape([n, channels, 1, oh * ow]), window))
      }
    const stacked = offsets.length === 1 ? offsets[0] : (concat as unknown as (ts: T[], axis: number) => T)(offsets, 2) // [N, C, kh·kw, L]
    return apply(reshape([n, channels * kh * kw, oh * ow]), stacked) as never
  })
