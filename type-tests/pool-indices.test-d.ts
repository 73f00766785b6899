/**
 * maxPool1d/2d/3d with `returnIndices: true` ([values, int32 indices] of the pooled shape) and
 * maxUnpool1d/2d/3d (output sizes computed by the compiler, outputSize checked against them,
 * indices of the input's shape and int32), generic batch included.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { randn, zeros, maxPool1d, maxPool2d, maxPool3d, maxUnpool1d, maxUnpool2d, maxUnpool3d, type Tensor, type Layer, type PoolFn, type PoolWithIndices } from '../src/index.ts'
import type { ShapeError, MaxUnpoolShape, IndicesDType } from '../types/index.ts'
import { errorOf } from './error-of.ts'

// ------------------------------------------------------------------ maxPool returnIndices
expectType<[values: Tensor<[2, 3, 4, 4]>, indices: Tensor<[2, 3, 4, 4], 'int32'>]>(
  maxPool2d({ kernelSize: 3, stride: 2, padding: 1, returnIndices: true })(randn([2, 3, 7, 7])),
)
expectType<[values: Tensor<[1, 2, 5]>, indices: Tensor<[1, 2, 5], 'int32'>]>(maxPool1d({ kernelSize: 3, stride: 2, ceilMode: true, returnIndices: true })(randn([1, 2, 10])))
expectType<[values: Tensor<[1, 2, 2, 3, 4]>, indices: Tensor<[1, 2, 2, 3, 4], 'int32'>]>(maxPool3d({ kernelSize: 2, returnIndices: true })(randn([1, 2, 4, 6, 8])))
// Without it (or with false) the pool is the plain layer; a boolean known only at run time gives either.
expectType<Layer<PoolFn<'maxPool2d', 2, { readonly kernelSize: 2; readonly returnIndices: false }>>>(maxPool2d({ kernelSize: 2, returnIndices: false }))
declare const wanted: boolean
expectType<Layer<PoolFn<'maxPool2d', 2, { readonly kernelSize: 2; readonly returnIndices: boolean }>> | PoolWithIndices<PoolFn<'maxPool2d', 2, { readonly kernelSize: 2; readonly returnIndices: boolean }>>>(
  maxPool2d({ kernelSize: 2, returnIndices: wanted }),
)
// A generic batch flows through both.
expectType<<N extends number>(x: Tensor<[N, 4, 8, 8]>) => [values: Tensor<[N, 4, 4, 4]>, indices: Tensor<[N, 4, 4, 4], 'int32'>]>(
  <N extends number>(x: Tensor<[N, 4, 8, 8]>) => maxPool2d({ kernelSize: 2, returnIndices: true })(x),
)
// The pool's own errors stay where the pool is applied.
//// @ts-expect-error
expectError(maxPool2d({ kernelSize: 3, padding: 2, returnIndices: true })(randn([1, 1, 8, 8])))
//// @ts-expect-error
expectError(maxPool2d({ kernelSize: 2, returnIndices: 'yes' })(randn([1, 1, 8, 8])))

// ------------------------------------------------------------------ maxUnpool
{
  const [values, indices] = maxPool2d({ kernelSize: 2, returnIndices: true })(randn([2, 3, 5, 5]))
  // (2 − 1)·2 + 2 = 4 by default; outputSize 5 restores the odd size.
  expectType<Tensor<[2, 3, 4, 4]>>(maxUnpool2d(indices, { kernelSize: 2 })(values))
  expectType<Tensor<[2, 3, 5, 5]>>(maxUnpool2d(indices, { kernelSize: 2, outputSize: [5, 5] })(values))
  expectType<Tensor<[2, 3, 5, 4]>>(maxUnpool2d(indices, { kernelSize: 2, outputSize: [5, 4] })(values))
  // The pooled input's whole shape, as PyTorch's output_size=x.size().
  expectType<Tensor<[2, 3, 5, 5]>>(maxUnpool2d(indices, { kernelSize: 2, outputSize: [2, 3, 5, 5] })(values))
  expectType<'maxUnpool2d: outputSize 7 on spatial axis 1 must be greater than 2 and less than 6'>(errorOf(maxUnpool2d(indices, { kernelSize: 2, outputSize: [2, 3, 5, 7] }), values))
  expectType<'maxUnpool2d: outputSize 6 on spatial axis 0 must be greater than 2 and less than 6'>(errorOf(maxUnpool2d(indices, { kernelSize: 2, outputSize: 6 }), values))
  expectType<'maxUnpool2d: outputSize 2 on spatial axis 1 must be greater than 2 and less than 6'>(errorOf(maxUnpool2d(indices, { kernelSize: 2, outputSize: [4, 2] }), values))
  //// @ts-expect-error
  expectError(maxUnpool2d(indices, { kernelSize: 2, outputSize: 6 })(values))
  // Indices of another pool: their shape differs from the values'.
  const [, other] = maxPool2d({ kernelSize: 2, returnIndices: true })(randn([2, 3, 8, 8]))
  expectType<'maxUnpool2d: indices are [2, 3, 4, 4] but the input is [2, 3, 2, 2]; pass the indices maxPool returned with these values'>(
    errorOf(maxUnpool2d(other, { kernelSize: 2 }), values),
  )
  //// @ts-expect-error
  expectError(maxUnpool2d(other, { kernelSize: 2 })(values))
  // Float indices are refused at the argument.
  //// @ts-expect-error
  expectError(maxUnpool2d(values, { kernelSize: 2 }))
  expectType<ShapeError<"maxUnpool2d: indices must be int32 (as maxPool's returnIndices gives them), got float32">>({} as IndicesDType<'maxUnpool2d', 'float32'>)
  expectType<true>({} as IndicesDType<'maxUnpool2d', 'int32'>)
  //// @ts-expect-error
  expectError(maxUnpool2d(indices, { kernelSize: 2, dilation: 2 }))
  //// @ts-expect-error
  expectError(maxUnpool2d(indices, { stride: 2 }))
}
// Stride and padding as the pool's: 7 → 4 → 7.
expectType<Tensor<[1, 2, 7, 7]>>(maxUnpool2d(zeros([1, 2, 4, 4], 'int32'), { kernelSize: 3, stride: 2, padding: 1 })(randn([1, 2, 4, 4])))
expectType<Tensor<[1, 2, 10]>>(maxUnpool1d(zeros([1, 2, 5], 'int32'), { kernelSize: 3, stride: 2, padding: 1, outputSize: 10 })(randn([1, 2, 5])))
expectType<Tensor<[1, 1, 5, 6, 5]>>(maxUnpool3d(zeros([1, 1, 3, 3, 3], 'int32'), { kernelSize: 3, stride: 2, padding: 1, outputSize: [5, 6, 5] })(randn([1, 1, 3, 3, 3])))
expectType<ShapeError<'maxUnpool1d: output size -1 is not positive'>>({} as MaxUnpoolShape<'maxUnpool1d', 1, [1, 1, 1], [1, 1, 1], { kernelSize: 1; padding: 1 }>)
expectType<ShapeError<'maxUnpool3d: expects input [N, C, D, H, W], got [1, 1, 3, 3]'>>({} as MaxUnpoolShape<'maxUnpool3d', 3, [1, 1, 3, 3], [1, 1, 3, 3], { kernelSize: 2 }>)
// A generic batch, and unknown dims (checked at run time instead).
expectType<<N extends number>(v: Tensor<[N, 4, 4, 4]>, i: Tensor<[N, 4, 4, 4], 'int32'>) => Tensor<[N, 4, 8, 8]>>(
  <N extends number>(v: Tensor<[N, 4, 4, 4]>, i: Tensor<[N, 4, 4, 4], 'int32'>) => maxUnpool2d(i, { kernelSize: 2 })(v),
)
expectType<Tensor<[number, 4, number, 8]>>(maxUnpool2d(zeros([2, 4, 4, 4], 'int32'), { kernelSize: 2 })(randn([2, 4, 4, 4]) as unknown as Tensor<[number, 4, number, 4]>))
