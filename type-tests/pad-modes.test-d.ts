/**
 * pad with a mode: the shape is constant padding's (generic dims included); each mode's width
 * limit and negative sides are refused with the run-time twin's message.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import { randn, conv2d, pad, type Tensor } from '../src/index.ts'
import type { ShapeError } from '../types/index.ts'
import type { PadModeShape } from '../src/ops/pad.ts'

// a "reflect-padded" 3×3 convolution, as CycleGAN's and pix2pix's generators write it
const reflectConv = <N extends number>(x: Tensor<[N, 3, 32, 32]>) => pipe(x, pad([[0, 0], [0, 0], [1, 1], [1, 1]], { mode: 'reflect' }), conv2d(randn([8, 3, 3, 3])))
expectType<<N extends number>(x: Tensor<[N, 3, 32, 32]>) => Tensor<[N, 8, 32, 32]>>(reflectConv)
expectType<Tensor<[1, 2, 7, 10]>>(pad([[0, 0], [0, 0], [2, 1], [3, 3]], { mode: 'replicate' })(randn([1, 2, 4, 4])))
expectType<Tensor<[1, 12]>>(pad([[0, 0], [4, 4]], { mode: 'circular' })(randn([1, 4])))
expectType<Tensor<[1, 20]>>(pad([[0, 0], [9, 9]], { mode: 'replicate' })(randn([1, 2])))
expectType<Tensor<[number, 6]>>(pad([[0, 0], [1, 1]], { mode: 'reflect' })(randn([2, 4]) as Tensor<[number, 4]>))
expectType<Tensor<[number, number]>>(pad([[0, 0], [9, 9]], { mode: 'reflect' })(randn([2, 4]) as Tensor<[number, number]>))
expectType<Tensor<[3, 6]>>(pad([[1, 1], [2, 2]], { mode: 'constant', value: 1 })(randn([1, 2])))

//// @ts-expect-error
expectError(pad([[0, 0], [4, 0]], { mode: 'reflect' })(randn([1, 4])))
//// @ts-expect-error
expectError(pad([[0, 5]], { mode: 'circular' })(randn([4])))
//// @ts-expect-error
expectError(pad([[-1, 0]], { mode: 'replicate' })(randn([4])))
expectType<ShapeError<'pad: reflect padding [4, 0] on dim 1 of size 4: each side must be less than the size'>>({} as PadModeShape<[1, 4], [[0, 0], [4, 0]], 'reflect'>)
expectType<ShapeError<'pad: circular padding [0, 5] on dim 0 of size 4: each side must be at most the size'>>({} as PadModeShape<[4], [[0, 5]], 'circular'>)
expectType<ShapeError<'pad: replicate padding [-1, 0] on dim 0 must not be negative'>>({} as PadModeShape<[4], [[-1, 0]], 'replicate'>)
// constant padding may crop (a negative side), as before (the negative sum gives `number`, as the constant rule does)
expectType<[4, number]>({} as PadModeShape<[4, 4], [[0, 0], [4, -3]], 'constant'>)
expectType<Tensor<[4, number]>>(pad([[0, 0], [4, -3]], { mode: 'constant' })(randn([4, 4])))
