/**
 * pixelShuffle / pixelUnshuffle / channelShuffle: output shapes (generic batch and unknown dims
 * included) and each refused input with its message.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import { randn, conv2d, pixelShuffle, pixelUnshuffle, channelShuffle, type Tensor } from '../src/index.ts'
import type { ShapeError } from '../types/index.ts'
import type { PixelShuffleShape, PixelUnshuffleShape, ChannelShuffleShape } from '../src/ops/shuffle.ts'

// ESPCN's head: conv to C·r² channels, then shuffle to an r-times larger image
expectType<Tensor<[1, 1, 96, 96]>>(pipe(randn([1, 64, 32, 32]), conv2d(randn([9, 64, 3, 3]), { padding: 1 }), pixelShuffle(3)))
expectType<Tensor<[2, 2, 12, 9]>>(pixelShuffle(3)(randn([2, 18, 4, 3])))
expectType<Tensor<[2, 18, 4, 3]>>(pixelUnshuffle(3)(randn([2, 2, 12, 9])))
expectType<Tensor<[2, 18, 4, 3]>>(channelShuffle(6)(randn([2, 18, 4, 3])))
expectType<<N extends number>(x: Tensor<[N, 8, 5, 5]>) => Tensor<[N, 2, 10, 10]>>(<N extends number>(x: Tensor<[N, 8, 5, 5]>) => pixelShuffle(2)(x))
expectType<Tensor<[number, 2, number, 10]>>(pixelShuffle(2)(randn([1, 8, 3, 5]) as Tensor<[number, 8, number, 5]>))
expectType<Tensor<[number, number, 3, number]>>(pixelUnshuffle(2)(randn([1, 8, 6, 6]) as Tensor<[number, number, 6, number]>))

//// @ts-expect-error
expectError(pixelShuffle(2)(randn([1, 6, 3, 3])))
//// @ts-expect-error
expectError(pixelUnshuffle(2)(randn([1, 2, 5, 6])))
//// @ts-expect-error
expectError(channelShuffle(4)(randn([1, 6, 3, 3])))
//// @ts-expect-error
expectError(channelShuffle(2)(randn([6, 3, 3])))
expectType<ShapeError<'pixelShuffle: input [1, 6, 3, 3] has 6 channels, not divisible by upscaleFactor² = 4'>>({} as PixelShuffleShape<[1, 6, 3, 3], 2>)
expectType<ShapeError<'pixelUnshuffle: input [1, 2, 5, 6] has height 5 and width 6, not both divisible by downscaleFactor = 2'>>({} as PixelUnshuffleShape<[1, 2, 5, 6], 2>)
expectType<ShapeError<'channelShuffle: input [1, 6, 3, 3] has 6 channels, not divisible by groups = 4'>>({} as ChannelShuffleShape<[1, 6, 3, 3], 4>)
expectType<ShapeError<'pixelShuffle: expects input [N, C, H, W], got [4, 3, 3]'>>({} as PixelShuffleShape<[4, 3, 3], 2>)
expectType<<N extends number>(x: Tensor<[N, 8, 5, 5]>) => Tensor<[N, 8, 5, 5]>>(<N extends number>(x: Tensor<[N, 8, 5, 5]>) => channelShuffle(4)(x))
expectType<<N extends number>(x: Tensor<[N, 8, 6, 6]>) => Tensor<[N, 32, 3, 3]>>(<N extends number>(x: Tensor<[N, 8, 6, 6]>) => pixelUnshuffle(2)(x))
