/**
 * localResponseNorm keeps an [N, C, H, W] shape and names the op when the rank is wrong.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import { randn, conv2d, localResponseNorm, type Tensor } from '../src/index.ts'
import type { ShapeError } from '../types/index.ts'

const lrn = localResponseNorm({ size: 5, k: 2 })
expectType<Tensor<[1, 96, 55, 55]>>(pipe(randn([1, 3, 227, 227]), conv2d(randn([96, 3, 11, 11]), { stride: 4 }), lrn))
expectType<Tensor<[number, 8, 4, 4]>>(lrn(randn([2, 8, 4, 4]) as Tensor<[number, 8, 4, 4]>))
expectType<ShapeError<'localResponseNorm: expects input [N, C, H, W], got [96, 55, 55]'>>(null as unknown as import('../src/ops/local-response-norm.ts').LocalResponseNormShape<[96, 55, 55]>)
//// @ts-expect-error
expectError(lrn(randn([96, 55, 55])))
