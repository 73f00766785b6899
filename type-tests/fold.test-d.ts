/**
 * fold (col2im): [N, C·kh·kw, L] → [N, C, H, W], L checked against the convolution's sizes on
 * outputSize; each refused input with its message.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import { rand, fold, unfold, type Tensor } from '../src/index.ts'
import type { ShapeError } from '../types/index.ts'
import type { FoldShape } from '../src/ops/fold.ts'

// the lesson's columns (1, 75, 9) back to the (1, 3, 7, 7) image
expectType<Tensor<[1, 3, 7, 7]>>(fold({ outputSize: [7, 7], kernelSize: 5 })(rand([1, 75, 9])))
expectType<Tensor<[10, 3, 7, 7]>>(pipe(rand([10, 3, 7, 7]), unfold({ kernelSize: 5 }), fold({ outputSize: [7, 7], kernelSize: 5 })))
expectType<Tensor<[2, 2, 6, 5]>>(fold({ outputSize: [6, 5], kernelSize: [2, 3], stride: 2, padding: 1 })(rand([2, 12, 12])))
expectType<<N extends number>(x: Tensor<[N, 12, 16]>) => Tensor<[N, 3, 8, 8]>>(<N extends number>(x: Tensor<[N, 12, 16]>) => fold({ outputSize: 8, kernelSize: 2, stride: 2 })(x))

//// @ts-expect-error
expectError(fold({ outputSize: [8, 8], kernelSize: 5 })(rand([1, 75, 9])))
//// @ts-expect-error
expectError(fold({ outputSize: [7, 7], kernelSize: 4 })(rand([1, 75, 16])))
//// @ts-expect-error
expectError(fold({ outputSize: [7, 7], kernelSize: 5 })(rand([75, 9])))
expectType<ShapeError<'fold: input has 9 blocks but outputSize 8×8 gives 4×4 = 16'>>({} as FoldShape<[1, 75, 9], { outputSize: [8, 8]; kernelSize: 5 }>)
expectType<ShapeError<'fold: input has 75 rows, not divisible by kh·kw = 16'>>({} as FoldShape<[1, 75, 16], { outputSize: [7, 7]; kernelSize: 4 }>)
expectType<ShapeError<'fold: expects input [N, C·kh·kw, L], got [75, 9]'>>({} as FoldShape<[75, 9], { outputSize: [7, 7]; kernelSize: 5 }>)
