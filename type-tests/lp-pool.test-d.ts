/**
 * lpPool1d / lpPool2d: the average pool's output sizes (generic batch included) and errors under
 * their own names; padding wider than half the kernel says to pad first.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { randn, lpPool1d, lpPool2d, zeros, type Tensor } from '../src/index.ts'
import type { ShapeError } from '../types/index.ts'
import type { LpPoolShape } from '../src/ops/lp-pool.ts'

expectType<Tensor<[1, 8, 8, 8]>>(lpPool2d({ normType: 2, kernelSize: 3, stride: 2, padding: 1 })(randn([1, 8, 16, 16])))
expectType<Tensor<[2, 3, 3, 2]>>(lpPool2d({ normType: 3, kernelSize: [2, 3], stride: [2, 3] })(randn([2, 3, 7, 7])))
expectType<Tensor<[1, 1, 3, 3]>>(lpPool2d({ normType: 2, kernelSize: 2, ceilMode: true })(randn([1, 1, 5, 5])))
expectType<Tensor<[2, 3, 4]>>(lpPool1d({ normType: 2, kernelSize: 3, stride: 2 })(randn([2, 3, 9])))
expectType<<N extends number>(x: Tensor<[N, 4, 8, 8]>) => Tensor<[N, 4, 4, 4]>>(<N extends number>(x: Tensor<[N, 4, 8, 8]>) => lpPool2d({ normType: 2, kernelSize: 2 })(x))

//// @ts-expect-error
expectError(lpPool2d({ normType: 2, kernelSize: 3, padding: 2 })(randn([1, 1, 8, 8])))
//// @ts-expect-error
expectError(lpPool1d({ normType: 2, kernelSize: 5 })(randn([1, 1, 4])))
//// @ts-expect-error
expectError(lpPool2d({ normType: 2, kernelSize: 2 })(randn([1, 8, 8])))
//// @ts-expect-error
expectError(lpPool2d({ normType: 2, kernelSize: 2 })(zeros([1, 1, 8, 8], 'int32')))
expectType<ShapeError<'lpPool2d: padding 2 exceeds half the kernel 3; pad the input first (pad), then pool with padding 0'>>(
  {} as LpPoolShape<'lpPool2d', 2, [1, 1, 8, 8], { normType: 2; kernelSize: 3; padding: 2 }>,
)
expectType<ShapeError<'lpPool1d: padding 2 exceeds half the kernel 3; pad the input first (pad), then pool with padding 0'>>(
  {} as LpPoolShape<'lpPool1d', 1, [1, 1, 8], { normType: 2; kernelSize: 3; padding: 2 }>,
)
//// @ts-expect-error
expectError(lpPool1d({ normType: 2, kernelSize: 3, padding: 2 })(randn([1, 1, 8])))
expectType<ShapeError<'lpPool1d: kernel 5 exceeds padded input 4'>>({} as LpPoolShape<'lpPool1d', 1, [1, 1, 4], { normType: 2; kernelSize: 5 }>)
