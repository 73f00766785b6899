/**
 * Unknown dims (`number`) flow through every op family: unknown in, unknown
 * out, known dims stay known and are still checked. A tensor of unknown rank
 * (`Tensor<number[]>`) gives unknown outputs without errors, and
 * `assertShape` narrows it to a typed tensor.
 *
 * `//// @ts-expect-error` above an `expectError(...)`: see type-tests/README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import {
  randn, ones, zeros, assertShape, conv1d, conv2d, convTranspose2d, maxPool2d, avgPool2d, maxPool1d, globalAvgPool2d,
  globalMaxPool2d, batchNorm2d, linear, matmul, flatten, flattenFrom, reshape, permute, transpose, concat, pad, slice,
  where, add, mul, relu, sigmoid, dropout, sum, mean, max, softmax, logSoftmax, sequential,
  type Tensor,
} from '../src/index.ts'

declare const x: Tensor<[number, 1, 28, 28]>
declare const u: Tensor<number[]>
const bn = (c: 6) => ({ weight: ones([c]), bias: zeros([c]), runningMean: zeros([c]), runningVar: ones([c]) })

// ================================================================== an unknown batch dim flows through every op family
// conv
expectType<Tensor<[number, 6, 24, 24]>>(conv2d(randn([6, 1, 5, 5]))(x))
expectType<Tensor<[number, 6, 28, 28]>>(conv2d({ weight: randn([6, 1, 5, 5]), bias: randn([6]) }, { padding: 2 })(x))
expectType<Tensor<[number, 6, 14, 14]>>(conv2d(randn([6, 1, 3, 3]), { padding: 'same', stride: 2 })(x))
expectType<Tensor<[number, 6, 56, 56]>>(convTranspose2d(randn([1, 6, 3, 3]), { stride: 2, padding: 1, outputPadding: 1 })(x))
expectType<Tensor<[number, 8, 8]>>(conv1d(randn([8, 4, 3]))(randn([2, 4, 10]) as Tensor<[number, 4, 10]>))
// pool, normalisation
expectType<Tensor<[number, 1, 14, 14]>>(maxPool2d({ kernelSize: 2 })(x))
expectType<Tensor<[number, 1, 10, 10]>>(avgPool2d({ kernelSize: 3, stride: 3, padding: 1, ceilMode: true })(x))
expectType<Tensor<[number, 1]>>(globalAvgPool2d(x))
expectType<Tensor<[number, 1]>>(globalMaxPool2d(x))
expectType<Tensor<[number, 6, 24, 24]>>(pipe(x, conv2d(randn([6, 1, 5, 5])), batchNorm2d(bn(6), { training: false })))
// dense and layout
expectType<Tensor<[number, 784]>>(flatten(x))
expectType<Tensor<[number]>>(flattenFrom(0)(x))
expectType<Tensor<[number, 1, 784]>>(flattenFrom(2)(x))
expectType<Tensor<[number, 10]>>(pipe(x, flatten, linear(randn([10, 784]))))
expectType<Tensor<[number, 28, 10]>>(matmul(randn([28, 10]))(x as unknown as Tensor<[number, 28, 28]>))
expectType<Tensor<[number, 4]>>(matmul(randn([3, 4]) as Tensor<[3, 4]>)(randn([5, 3]) as Tensor<[number, 3]>))
expectType<Tensor<[number, 28, 28, 1]>>(permute([0, 2, 3, 1])(x))
expectType<Tensor<[1, number, 28, 28]>>(transpose(0, 1)(x))
expectType<Tensor<[number, 1, 28, 28]>>(concat([x, x], 0))
expectType<Tensor<[number, 2, 28, 28]>>(concat([x, x], 1))
expectType<Tensor<[number, 1, 30, 30]>>(pad([[0, 0], [0, 0], [1, 1], [1, 1]])(x))
expectType<Tensor<[number, 1, 14, 28]>>(slice({ start: [0, 0, 0], end: [2, 1, 14] })(x))
// elementwise: unknown broadcast against known and unknown
expectType<Tensor<[number, 1, 28, 28]>>(add(x, x))
expectType<Tensor<[number, 1, 28, 28]>>(pipe(x, mul(2), relu, sigmoid, dropout({ rate: 0.1, seed: 0, training: true })))
expectType<Tensor<[number, 1, 28, 28]>>(add(x, randn([1, 28, 28])))
expectType<Tensor<[number, 3, 28, 28]>>(pipe(x, add(randn([3, 1, 1]))))
expectType<Tensor<[number, 1, 28, 28]>>(where(ones([28, 1], 'bool'), x, zeros([1])))
// reductions, softmax
expectType<Tensor<[1, 28, 28]>>(sum({ axis: 0 })(x))
expectType<Tensor<[number, 28, 28]>>(mean({ axis: 1 })(x))
expectType<Tensor<[number, 1, 28, 1]>>(max({ axis: -1, keepDims: true })(x))
expectType<Tensor<[number, 1, 28, 28]>>(softmax({ axis: 1 })(x))
expectType<Tensor<[number, 1, 28, 28]>>(logSoftmax()(x))

// unknown spatial and channel dims
declare const hw: Tensor<[2, 1, number, number]>
expectType<Tensor<[2, 6, number, number]>>(conv2d(randn([6, 1, 5, 5]))(hw))
expectType<Tensor<[2, 1, number, number]>>(maxPool2d({ kernelSize: 2 })(hw))
expectType<Tensor<[2, 6, number, number]>>(conv2d(randn([6, 1, 3, 3]), { padding: 'same', stride: 2 })(hw))
expectType<Tensor<[2, number]>>(flatten(hw))
expectType<Tensor<[2, 1]>>(globalAvgPool2d(hw))
declare const ch: Tensor<[2, number, 28, 28]>
// an unknown channel count may match the weight: checked at run time
expectType<Tensor<[2, 6, 24, 24]>>(conv2d(randn([6, 1, 5, 5]))(ch))
expectType<Tensor<[2, number, 28, 28]>>(batchNorm2d(bn(6), { training: false })(ch))
declare const feats: Tensor<[7, number]>
expectType<Tensor<[7, 10]>>(linear(randn([10, 784]))(feats))
// weights of unknown size
declare const wk: Tensor<[6, 1, number, number]>
expectType<Tensor<[number, 6, number, number]>>(conv2d(wk)(x))
expectType<Tensor<[number, 6, number, number]>>(conv2d(wk, { padding: 2, stride: 2 })(x))
expectType<Tensor<[number, 6, 28, 28]>>(conv2d(wk, { padding: 'same' })(x))
declare const wl: Tensor<[10, number]>
expectType<Tensor<[number, 10]>>(linear(wl)(flatten(x)))
declare const wco: Tensor<[number, 1, 5, 5]>
expectType<Tensor<[number, number, 24, 24]>>(conv2d(wco)(x))
// where an unknown dim meets a known one, the known one wins (a mismatch is a run-time error)
declare const b3: Tensor<[number, 3]>
expectType<Tensor<[2, 3]>>(add(b3, randn([2, 3])))
expectType<Tensor<[2, 6]>>(concat([b3, randn([2, 3])], 1))
expectType<Tensor<[number, 3]>>(add(b3, randn([1, 3])))
// sizes computed from unknowns stay unknown
expectType<Tensor<[number, 6]>>(concat([b3, b3], 1))
expectType<Tensor<[number, 3]>>(concat([b3, b3], 0))

// ================================================================== known parts are still checked
//// @ts-expect-error
expectError(conv2d(randn([6, 3, 5, 5]))(x))
//// @ts-expect-error
expectError(conv2d(randn([6, 1, 5, 5]))(randn([1, 1, 3, 3]) as Tensor<[number, 1, 3, 3]>))
//// @ts-expect-error
expectError(conv2d(randn([6, 1, 5, 5]))(x as unknown as Tensor<[number, 28, 28]>))
//// @ts-expect-error
expectError(pipe(x, flatten, linear(randn([10, 320]))))
//// @ts-expect-error
expectError(maxPool2d({ kernelSize: 29 })(x))
//// @ts-expect-error
expectError(add(x, randn([27, 28])))
//// @ts-expect-error
expectError(concat([x, randn([2, 2, 28, 28])], 0))
//// @ts-expect-error
expectError(sum({ axis: 4 })(x))
//// @ts-expect-error
expectError(transpose(0, 4)(x))
//// @ts-expect-error
expectError(permute([0, 1, 2])(x))
//// @ts-expect-error
expectError(batchNorm2d(bn(6), { training: false })(x))
//// @ts-expect-error
expectError(globalAvgPool2d(feats))

// ================================================================== fully unknown shapes: unknown out, no errors
expectType<Tensor<number[]>>(conv2d(randn([6, 1, 5, 5]))(u))
expectType<Tensor<number[]>>(convTranspose2d(randn([1, 6, 3, 3]))(u))
expectType<Tensor<number[]>>(maxPool2d({ kernelSize: 2 })(u))
expectType<Tensor<number[]>>(maxPool1d({ kernelSize: 2 })(u))
expectType<Tensor<number[]>>(globalAvgPool2d(u))
expectType<Tensor<number[]>>(batchNorm2d(bn(6), { training: false })(u))
expectType<Tensor<number[]>>(flatten(u))
expectType<Tensor<number[]>>(flattenFrom(2)(u))
expectType<Tensor<number[]>>(linear(randn([10, 784]))(u))
expectType<Tensor<number[]>>(matmul(u, randn([3, 4])))
expectType<Tensor<number[]>>(matmul(randn([3, 4]), u))
expectType<Tensor<number[]>>(permute([1, 0])(u))
expectType<Tensor<number[]>>(transpose(0, 1)(u))
expectType<Tensor<number[]>>(concat([u, u], 0))
expectType<Tensor<number[]>>(concat([u, randn([2, 3])], 1))
expectType<Tensor<number[]>>(add(u, randn([2, 3])))
expectType<Tensor<number[]>>(add(randn([2, 3]), u))
expectType<Tensor<number[]>>(pipe(u, add(1), relu))
expectType<Tensor<number[]>>(where(ones([2], 'bool'), u, u))
expectType<Tensor<number[]>>(sum({ axis: 3 })(u))
expectType<Tensor<number[]>>(softmax({ axis: 5 })(u))
expectType<Tensor<number[]>>(pad([[1, 1]])(u))
expectType<Tensor<number[]>>(slice({ start: [0], end: [1] })(u))
expectType<Tensor<number[]>>(
  pipe(u, conv2d(randn([6, 1, 5, 5])), relu, maxPool2d({ kernelSize: 2 }), flatten, linear(randn([10, 864])), softmax()),
)
expectType<Tensor<number[]>>(sequential(conv2d(randn([6, 1, 5, 5])), relu, flatten)(u))

// ================================================================== assertShape narrows (a run-time check)
expectType<Tensor<[2, number]>>(assertShape(u, [2, -1]))
expectType<Tensor<[number, 1, 28, 28]>>(assertShape(u, [-1, 1, 28, 28]))
expectType<Tensor<[64, 1, 28, 28]>>(assertShape(u, [64, 1, 28, 28]))
expectType<Tensor<[64, 1, 28, 28]>>(assertShape(x, [64, 1, 28, 28]))
expectType<Tensor<[]>>(assertShape(u, []))
expectType<Tensor<[3, 4], 'int32'>>(assertShape(zeros([12], 'int32') as Tensor<number[], 'int32'>, [3, 4]))
// and the narrowed tensor is checked from there on
{
  const img = assertShape(u, [-1, 1, 28, 28])
  expectType<Tensor<[number, 10]>>(
    pipe(img, conv2d(randn([6, 1, 5, 5]), { padding: 2 }), relu, maxPool2d({ kernelSize: 2 }), flatten, linear(randn([10, 1176]))),
  )
  //// @ts-expect-error
  expectError(conv2d(randn([6, 3, 5, 5]))(img))
  //// @ts-expect-error
  expectError(linear(randn([10, 5]))(assertShape(u, [2, 4])))
}
// the shape to assert is a shape
//// @ts-expect-error
expectError(assertShape(u, ['2', -1]))
//// @ts-expect-error
expectError(assertShape(u))
