/**
 * pixelShuffle, pixelUnshuffle and channelShuffle (PyTorch's F.pixel_shuffle,
 * F.pixel_unshuffle, F.channel_shuffle): rearrangements of an [N, C, H, W]
 * tensor, each a reshape, a permute and a reshape of public ops, so their
 * gradients are those ops' and the compiler fuses them into index maps.
 * Each message is written once, as a template type and its run-time twin.
 */
import type { Shape, Input, ShapeFn, ShapeError, ShapeText, IsTuple, UnknownShape, Mul, Div, MayDivide } from '../../types/index.ts'
import { layer, type Layer } from '../layer.ts'
import { fail, shapeText } from '../shape/errors.ts'
import type { AnyTensor } from '../tree.ts'
import { permute, reshape } from './layout.ts'

type T = AnyTensor
const untyped = <F>(f: F) => f as unknown as (x: T) => T

// ---------------------------------------------------------------- messages

/** `op: expects input [N, C, H, W], got [..]`. */
export type ExpectsImage<Op extends string, X extends Shape> = `${Op}: expects input [N, C, H, W], got ${ShapeText<X>}`
const expectsImage = (op: string, x: Shape) => `${op}: expects input [N, C, H, W], got ${shapeText(x)}`

/** `op: input [..] has C channels, not divisible by name = by`. */
export type ChannelsNotDivisible<Op extends string, X extends Shape, C extends number, Name extends string, By extends number> =
  `${Op}: input ${ShapeText<X>} has ${C} channels, not divisible by ${Name} = ${By}`
const channelsNotDivisible = (op: string, x: Shape, name: string, by: number) => `${op}: input ${shapeText(x)} has ${x[1]} channels, not divisible by ${name} = ${by}`

/** `pixelUnshuffle: input [..] has height H and width W, not both divisible by downscaleFactor = R`. */
export type SizeNotDivisible<X extends Shape, H extends number, W extends number, R extends number> =
  `pixelUnshuffle: input ${ShapeText<X>} has height ${H} and width ${W}, not both divisible by downscaleFactor = ${R}`
const sizeNotDivisible = (x: Shape, r: number) => `pixelUnshuffle: input ${shapeText(x)} has height ${x[2]} and width ${x[3]}, not both divisible by downscaleFactor = ${r}`

const checkFactor = (op: string, name: string, value: number) => {
  if (!(Number.isInteger(value) && value >= 1)) fail(`${op}: ${name} must be a positive integer, got ${value}`)
}

// ---------------------------------------------------------------- shape rules

/** [N, C·r², H, W] → [N, C, H·r, W·r]. */
export type PixelShuffleShape<X extends Shape, R extends number> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [infer N extends number, infer C extends number, infer H extends number, infer W extends number]
    ? MayDivide<C, Mul<R, R>> extends true
      ? [N, Div<C, Mul<R, R>>, Mul<H, R>, Mul<W, R>]
      : ShapeError<ChannelsNotDivisible<'pixelShuffle', X, C, 'upscaleFactor²', Mul<R, R>>>
    : ShapeError<ExpectsImage<'pixelShuffle', X>>

/** [N, C, H·r, W·r] → [N, C·r², H, W]. */
export type PixelUnshuffleShape<X extends Shape, R extends number> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [infer N extends number, infer C extends number, infer H extends number, infer W extends number]
    ? [MayDivide<H, R>, MayDivide<W, R>] extends [true, true]
      ? [N, Mul<C, Mul<R, R>>, Div<H, R>, Div<W, R>]
      : ShapeError<SizeNotDivisible<X, H, W, R>>
    : ShapeError<ExpectsImage<'pixelUnshuffle', X>>

/** Same shape, for [N, C, H, W] with C divisible by the groups. */
export type ChannelShuffleShape<X extends Shape, G extends number> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [unknown, infer C extends number, unknown, unknown]
    ? MayDivide<C, G> extends true ? X : ShapeError<ChannelsNotDivisible<'channelShuffle', X, C, 'groups', G>>
    : ShapeError<ExpectsImage<'channelShuffle', X>>

export interface PixelShuffleFn<R extends number> extends ShapeFn {
  readonly op: 'pixelShuffle'
  readonly output: PixelShuffleShape<Input<this>, R>
}
export interface PixelUnshuffleFn<R extends number> extends ShapeFn {
  readonly op: 'pixelUnshuffle'
  readonly output: PixelUnshuffleShape<Input<this>, R>
}
export interface ChannelShuffleFn<G extends number> extends ShapeFn {
  readonly op: 'channelShuffle'
  readonly output: ChannelShuffleShape<Input<this>, G>
}

// ---------------------------------------------------------------- layers

/**
 * A layer that reshapes an [N, C, H, W] input to `split`, permutes it by `order` and reshapes it
 * to `to` (the one move behind all three ops); `plan` gives the three from the input's shape and
 * the factor, after checking that the factor divides what it must.
 */
const rearrangement = <F extends ShapeFn>(
  op: F['op'], factorName: string, factor: number,
  plan: (x: readonly number[], factor: number) => readonly [split: number[], order: number[], to: number[]],
): Layer<F> => {
  checkFactor(op, factorName, factor)
  return layer<F>(op, (input) => {
    const x = input as T
    if (x.rank !== 4) fail(expectsImage(op, x.shape))
    const [split, order, to] = plan(x.shape, factor)
    return untyped(reshape(to))(untyped(permute(order))(untyped(reshape(split))(x))) as never
  })
}

/**
 * Sub-pixel upsampling (ESPCN): each group of r² channels becomes an r×r block of pixels,
 * channel c·r² + i·r + j going to pixel (h·r + i, w·r + j) of channel c.
 *
 * @example
 * import { randn, pixelShuffle } from 'shapewise'
 * const y = pixelShuffle(3)(randn([1, 18, 4, 4])) // Tensor<[1, 2, 12, 12]>
 */
export const pixelShuffle = <const R extends number>(upscaleFactor: R): Layer<PixelShuffleFn<R>> =>
  rearrangement<PixelShuffleFn<R>>('pixelShuffle', 'upscaleFactor', upscaleFactor, (x, r) => {
    const [n, c, h, w] = x
    if (c % (r * r) !== 0) fail(channelsNotDivisible('pixelShuffle', x, 'upscaleFactor²', r * r))
    return [[n, c / (r * r), r, r, h, w], [0, 1, 4, 2, 5, 3], [n, c / (r * r), h * r, w * r]]
  })

/**
 * The inverse of pixelShuffle: each r×r block of pixels becomes r² channels.
 *
 * @example
 * import { randn, pixelUnshuffle } from 'shapewise'
 * const y = pixelUnshuffle(2)(randn([1, 3, 8, 6])) // Tensor<[1, 12, 4, 3]>
 */
export const pixelUnshuffle = <const R extends number>(downscaleFactor: R): Layer<PixelUnshuffleFn<R>> =>
  rearrangement<PixelUnshuffleFn<R>>('pixelUnshuffle', 'downscaleFactor', downscaleFactor, (x, r) => {
    const [n, c, h, w] = x
    if (h % r !== 0 || w % r !== 0) fail(sizeNotDivisible(x, r))
    return [[n, c, h / r, r, w / r, r], [0, 1, 3, 5, 2, 4], [n, c * r * r, h / r, w / r]]
  })

/**
 * ShuffleNet's channel shuffle: the channels, as `groups` rows of C/groups, are read column by
 * column, so the next grouped convolution sees channels of every group.
 *
 * @example
 * import { arange, reshape, channelShuffle } from 'shapewise'
 * const y = channelShuffle(2)(reshape([1, 6, 1, 1])(arange(6))) // Tensor<[1, 6, 1, 1]>: channels 0 3 1 4 2 5
 */
export const channelShuffle = <const G extends number>(groups: G): Layer<ChannelShuffleFn<G>> =>
  rearrangement<ChannelShuffleFn<G>>('channelShuffle', 'groups', groups, (x, g) => {
    const [n, c, h, w] = x
    if (c % g !== 0) fail(channelsNotDivisible('channelShuffle', x, 'groups', g))
    return [[n, g, c / g, h, w], [0, 2, 1, 3, 4], [...x]]
  })
