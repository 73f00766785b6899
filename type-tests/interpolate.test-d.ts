/**
 * interpolate: output sizes computed by the compiler (size, integer and decimal scale factors, a
 * generic batch), `number` where a decimal scale's floor is not certain, and every refused
 * configuration with its message. `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { randn, zeros, interpolate, pipe, conv2d, relu, type Tensor } from '../src/index.ts'
import type { ShapeError, InterpolateShape } from '../types/index.ts'
import { errorOf } from './error-of.ts'

const line = randn([2, 3, 5])
const image = randn([1, 2, 5, 6])
const volume = randn([1, 2, 3, 4, 5])

// sizes and integer scale factors, every rank
expectType<Tensor<[2, 3, 10]>>(interpolate({ scaleFactor: 2 })(line))
expectType<Tensor<[2, 3, 7]>>(interpolate({ size: 7, mode: 'linear' })(line))
expectType<Tensor<[1, 2, 10, 18]>>(interpolate({ scaleFactor: [2, 3], mode: 'bilinear', alignCorners: true })(image))
expectType<Tensor<[1, 2, 7, 4]>>(interpolate({ size: [7, 4], mode: 'bicubic' })(image))
expectType<Tensor<[1, 2, 6, 8, 10]>>(interpolate({ scaleFactor: 2, mode: 'trilinear' })(volume))
expectType<Tensor<[1, 2, 4, 3, 7]>>(interpolate({ size: [4, 3, 7], mode: 'nearest-exact' })(volume))
// decimal scale factors: ⌊in · scale⌋ (5 · 1.5 = 7.5, 6 · 2.3 = 13.8, 5 · 0.6 = 3)
expectType<Tensor<[2, 3, 7]>>(interpolate({ scaleFactor: 1.5, mode: 'linear' })(line))
expectType<Tensor<[1, 2, 7, 13]>>(interpolate({ scaleFactor: [1.5, 2.3], mode: 'bicubic' })(image))
expectType<Tensor<[1, 2, 4, 3, 6]>>(interpolate({ scaleFactor: [1.5, 0.8, 1.3], recomputeScaleFactor: true })(volume))
// 6 · 0.5 = 3 exactly (0.5 is exact in binary); 10 · 0.7 is whole, but 0.7's double may land below 7: number
expectType<Tensor<[1, 2, 2, 3]>>(interpolate({ scaleFactor: 0.5 })(image))
expectType<Tensor<[1, 1, 7]>>(interpolate({ scaleFactor: 0.75 })(randn([1, 1, 10])))
expectType<Tensor<[1, 1, number]>>(interpolate({ scaleFactor: 0.7 })(randn([1, 1, 10])))
expectType<[1, 1, number]>({} as InterpolateShape<[1, 1, 100], { scaleFactor: 0.29 }>)
// more than 6 decimals, or a scale only known at run time: number
expectType<Tensor<[1, 1, number]>>(interpolate({ scaleFactor: 1.1234567 })(randn([1, 1, 10])))
expectType<Tensor<[1, 2, number, number]>>(interpolate({ scaleFactor: 1.5 as number })(image))
// a generic batch passes through
expectType<<N extends number>(x: Tensor<[N, 3, 8, 8]>) => Tensor<[N, 3, 12, 12]>>(
  <N extends number>(x: Tensor<[N, 3, 8, 8]>) => interpolate({ scaleFactor: 1.5, mode: 'bilinear' })(x),
)

// a decoder step in shapewise's pipe, generic batch: the next layer sees the computed size
const weight = randn([4, 8, 3, 3])
expectType<<N extends number>(x: Tensor<[N, 8, 7, 7]>) => Tensor<[N, 4, 14, 14]>>(
  <N extends number>(x: Tensor<[N, 8, 7, 7]>) => pipe(x, interpolate({ scaleFactor: 2, mode: 'bilinear' }), conv2d({ weight }, { padding: 1 }), relu),
)

// every refusal, with its message
expectType<"interpolate: mode 'bilinear' expects input [N, C, H, W], got [2, 3, 5]">(errorOf(interpolate({ scaleFactor: 2, mode: 'bilinear' }), line))
//// @ts-expect-error
expectError(interpolate({ scaleFactor: 2, mode: 'bilinear' })(line))
expectType<"interpolate: mode 'trilinear' expects input [N, C, D, H, W], got [1, 2, 5, 6]">(errorOf(interpolate({ scaleFactor: 2, mode: 'trilinear' }), image))
expectType<"interpolate: mode 'linear' expects input [N, C, L], got [1, 2, 5, 6]">(errorOf(interpolate({ size: 3, mode: 'linear' }), image))
expectType<"interpolate: mode 'bicubic' expects input [N, C, H, W], got [1, 2, 3, 4, 5]">(errorOf(interpolate({ size: 3, mode: 'bicubic' }), volume))
expectType<"interpolate: mode 'nearest' expects input [N, C, L], [N, C, H, W] or [N, C, D, H, W], got [2, 3]">(errorOf(interpolate({ size: 3 }), randn([2, 3])))
expectType<"interpolate: alignCorners applies to the modes linear, bilinear, trilinear and bicubic, not 'nearest'">(
  errorOf(interpolate({ scaleFactor: 2, alignCorners: false }), image),
)
expectType<"interpolate: alignCorners applies to the modes linear, bilinear, trilinear and bicubic, not 'nearest-exact'">(
  errorOf(interpolate({ scaleFactor: 2, mode: 'nearest-exact', alignCorners: true }), image),
)
//// @ts-expect-error
expectError(interpolate({ scaleFactor: 2, alignCorners: true })(image))
expectType<'interpolate: give size or scaleFactor, not both'>(errorOf(interpolate({ size: 4, scaleFactor: 2 }), image))
//// @ts-expect-error
expectError(interpolate({ size: 4, scaleFactor: 2 })(image))
expectType<'interpolate: needs size or scaleFactor'>(errorOf(interpolate({ mode: 'bilinear' }), image))
//// @ts-expect-error
expectError(interpolate({ mode: 'bilinear' })(image))
expectType<'interpolate: recomputeScaleFactor applies to a scaleFactor, not to a size'>(errorOf(interpolate({ size: 4, recomputeScaleFactor: true }), image))
expectType<'interpolate: scaleFactor must be a positive number, got 0'>(errorOf(interpolate({ scaleFactor: [2, 0] }), image))
expectType<'interpolate: scaleFactor must be a positive number, got -1.5'>(errorOf(interpolate({ scaleFactor: -1.5 }), image))
expectType<'interpolate: size must be a positive integer, got 0'>(errorOf(interpolate({ size: [0, 4] }), image))
expectType<'interpolate: size must be an integer, got 2.5'>(errorOf(interpolate({ size: 2.5 }), image))
expectType<'interpolate: scaleFactor 0.1 leaves no element of an axis of 5 (⌊5 × 0.1⌋ = 0)'>(errorOf(interpolate({ scaleFactor: 0.1 }), line))
expectType<'interpolate: scaleFactor has 3 values for 2 spatial axes; give one (used on every axis) or 2'>(errorOf(interpolate({ scaleFactor: [2, 2, 2] }), image))
expectType<ShapeError<"interpolate: mode must be 'nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear' or 'bicubic', got 'cubic'">>(
  {} as InterpolateShape<[1, 2, 5, 6], { scaleFactor: 2; mode: 'cubic' }>,
)
// keys are checked where the options are written
//// @ts-expect-error
expectError(interpolate({ scale: 2 }))
// float32 only
//// @ts-expect-error
expectError(interpolate({ scaleFactor: 2 })(zeros([1, 1, 4, 4], 'int32')))
