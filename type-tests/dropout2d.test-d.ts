/**
 * dropout2d keeps an [N, C, H, W] shape (generic batch included), requires the training flag like
 * dropout, and names itself when the rank is wrong.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import { randn, conv2d, relu, dropout2d, zeros, type Tensor } from '../src/index.ts'
import type { ShapeError } from '../types/index.ts'
import type { Dropout2dShape } from '../src/ops/dropout2d.ts'

const drop = dropout2d({ rate: 0.2, seed: 1, training: true })
expectType<Tensor<[8, 16, 14, 14]>>(pipe(randn([8, 3, 16, 16]), conv2d(randn([16, 3, 3, 3])), relu, drop))
expectType<<N extends number>(x: Tensor<[N, 16, 7, 7]>) => Tensor<[N, 16, 7, 7]>>(<N extends number>(x: Tensor<[N, 16, 7, 7]>) => drop(x))
expectType<Tensor<number[]>>(drop(randn([1, 2, 3, 4]) as Tensor<number[]>))
//// @ts-expect-error
expectError(drop(randn([16, 14, 14])))
//// @ts-expect-error
expectError(drop(zeros([1, 2, 3, 4], 'int32')))
//// @ts-expect-error
expectError(dropout2d({ rate: 0.2, seed: 1 }))
expectType<ShapeError<'dropout2d: expects input [N, C, H, W], got [16, 14, 14]'>>({} as Dropout2dShape<[16, 14, 14]>)
