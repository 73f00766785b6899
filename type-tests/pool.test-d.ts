/**
 * Pooling, global/adaptive pooling, upsampling and batchNorm2d shape rules
 * (src/shape/pool.ts), PyTorch semantics: stride defaults to the kernel size,
 * padding ≤ ⌊kernel / 2⌋, ceilMode with PyTorch's last-window rule.
 *
 * `//// @ts-expect-error` above an `expectError(...)`: see type-tests/README.md.
 */
import { expectType, expectError } from 'tsd'
import {
  randn, ones, zeros, maxPool1d, maxPool2d, avgPool1d, avgPool2d, globalAvgPool2d, globalMaxPool2d, batchNorm2d,
  adaptiveAvgPool2d, upsample, dropout,
  type Tensor, type Layer, type DType, type Mode,
} from '../src/index.ts'
import { pipe } from 'fp-ts/lib/function.js'
import type { Shape, ShapeFn, ApplyShape, ShapeError, CheckKeys, MaxPoolSpec } from '../types/index.ts'

/** The message a layer's parameter turns into for an input of shape S ('fits' when the rule holds). */
declare function errorOf<F extends ShapeFn, S extends Shape, D extends DType>(
  layer: Layer<F, DType | 'same'>,
  x: Tensor<S, D>,
): ApplyShape<F, S> extends ShapeError<infer M> ? M : 'fits';

// ------------------------------------------------------------------ maxPool2d / avgPool2d
// MaxPool2d(kernel 3, padding 1, stride (2, 1)) on (1, 2, 4, 4) is (1, 2, 2, 4)
expectType<Tensor<[1, 2, 2, 4]>>(maxPool2d({ kernelSize: 3, padding: 1, stride: [2, 1] })(randn([1, 2, 4, 4])))
{
  const x = randn([64, 6, 28, 28])
  // the stride defaults to the kernel size
  expectType<Tensor<[64, 6, 14, 14]>>(maxPool2d({ kernelSize: 2 })(x))
  expectType<Tensor<[64, 6, 9, 9]>>(maxPool2d({ kernelSize: 3 })(x))
  expectType<Tensor<[64, 6, 14, 9]>>(maxPool2d({ kernelSize: [2, 3] })(x))
  expectType<Tensor<[64, 6, 27, 27]>>(maxPool2d({ kernelSize: 2, stride: 1 })(x))
  expectType<Tensor<[64, 6, 14, 14]>>(avgPool2d({ kernelSize: 2 })(x))
  expectType<Tensor<[64, 6, 28, 28]>>(avgPool2d({ kernelSize: 3, stride: 1, padding: 1 })(x))
  // countIncludePad changes values, not shapes
  expectType<Tensor<[64, 6, 28, 28]>>(avgPool2d({ kernelSize: 3, stride: 1, padding: 1, countIncludePad: false })(x))
  expectType<Tensor<[64, 6, 14, 14]>>(avgPool2d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: true })(x))
  // pools compute in float32: int32 is refused at the argument, cast is the remedy
  //// @ts-expect-error
  expectError(maxPool2d({ kernelSize: 2 })(ones([4, 2, 4, 4], 'int32')))
}
// ResNet's stem pool: 112 → 56 with kernel 3, stride 2, padding 1
expectType<Tensor<[8, 64, 56, 56]>>(maxPool2d({ kernelSize: 3, stride: 2, padding: 1 })(randn([8, 64, 112, 112])))
// large inputs
expectType<Tensor<[1, 1, 5000, 2500]>>(maxPool2d({ kernelSize: [2, 4] })(randn([1, 1, 10000, 10000])))

// ------------------------------------------------------------------ ceilMode (PyTorch, incl. the last-window rule)
{
  const x7 = randn([1, 1, 7, 7])
  expectType<Tensor<[1, 1, 3, 3]>>(maxPool2d({ kernelSize: 2 })(x7))
  expectType<Tensor<[1, 1, 4, 4]>>(maxPool2d({ kernelSize: 2, ceilMode: true })(x7))
  expectType<Tensor<[1, 1, 3, 3]>>(maxPool2d({ kernelSize: 2, ceilMode: false })(x7))
  expectType<Tensor<[1, 1, 4, 4]>>(avgPool2d({ kernelSize: 2, ceilMode: true })(x7))
  // no remainder: ceil changes nothing
  expectType<Tensor<[1, 1, 4, 4]>>(maxPool2d({ kernelSize: 2, ceilMode: true })(randn([1, 1, 8, 8])))
  // 6, kernel 3, stride 2: floor 2, ceil 3
  expectType<Tensor<[1, 1, 2, 2]>>(maxPool2d({ kernelSize: 3, stride: 2 })(randn([1, 1, 6, 6])))
  expectType<Tensor<[1, 1, 3, 3]>>(maxPool2d({ kernelSize: 3, stride: 2, ceilMode: true })(randn([1, 1, 6, 6])))
  // the last window would start in the right padding only: PyTorch drops it.
  // 5, kernel 2, stride 2, padding 1: ⌈(7 − 2) / 2⌉ + 1 = 4, but (4 − 1)·2 = 6 ≥ 5 + 1, so 3
  expectType<Tensor<[1, 1, 3, 3]>>(maxPool2d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true })(randn([1, 1, 5, 5])))
  expectType<Tensor<[1, 1, 3, 3]>>(maxPool2d({ kernelSize: 2, stride: 2, padding: 1 })(randn([1, 1, 5, 5])))
  // 6, kernel 3, stride 2, padding 1: ⌈5 / 2⌉ + 1 = 4, (4 − 1)·2 = 6 < 6 + 1: kept
  expectType<Tensor<[1, 1, 4, 4]>>(maxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true })(randn([1, 1, 6, 6])))
  // 112, kernel 3, stride 2, padding 1, ceil: ⌈111 / 2⌉ + 1 = 57, (57 − 1)·2 = 112 ≥ 113? no: 57
  expectType<Tensor<[1, 1, 57, 57]>>(maxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true })(randn([1, 1, 112, 112])))
  expectType<Tensor<[1, 1, 56, 56]>>(maxPool2d({ kernelSize: 3, stride: 2, padding: 1 })(randn([1, 1, 112, 112])))
  // 1-D too
  expectType<Tensor<[1, 1, 4]>>(maxPool1d({ kernelSize: 2, ceilMode: true })(randn([1, 1, 7])))
  expectType<Tensor<[1, 1, 3]>>(avgPool1d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true })(randn([1, 1, 5])))
}

// ------------------------------------------------------------------ dilation (maxPool)
{
  const x = randn([1, 1, 8, 8])
  // effective kernel 2·(3 − 1) + 1 = 5, stride defaults to the kernel size 3
  expectType<Tensor<[1, 1, 2, 2]>>(maxPool2d({ kernelSize: 3, dilation: 2 })(x))
  expectType<Tensor<[1, 1, 4, 4]>>(maxPool2d({ kernelSize: 3, dilation: 2, stride: 1 })(x))
  expectType<Tensor<[1, 1, 6, 6]>>(maxPool2d({ kernelSize: 3, dilation: 2, stride: 1, padding: 1 })(x))
  expectType<Tensor<[1, 1, 4, 6]>>(maxPool2d({ kernelSize: 3, dilation: [2, 1], stride: 1 })(x))
  expectType<Tensor<[1, 1, 6]>>(maxPool1d({ kernelSize: 2, dilation: 3, stride: 1 })(randn([1, 1, 9])))
}

// ------------------------------------------------------------------ 1-D pools
{
  const x = randn([2, 4, 10])
  expectType<Tensor<[2, 4, 5]>>(maxPool1d({ kernelSize: 2 })(x))
  expectType<Tensor<[2, 4, 3]>>(maxPool1d({ kernelSize: 3 })(x))
  expectType<Tensor<[2, 4, 5]>>(avgPool1d({ kernelSize: 3, stride: 2, padding: 1 })(x))
  expectType<Tensor<[2, 4, 10]>>(avgPool1d({ kernelSize: 3, stride: 1, padding: 1, countIncludePad: false })(x))
  expectType<Tensor<[2, 4, 5]>>(maxPool1d({ kernelSize: [2] })(x))
}

// ------------------------------------------------------------------ global pools: [N, C, H, W] → [N, C]
expectType<Tensor<[8, 2048]>>(globalAvgPool2d(randn([8, 2048, 7, 7])))
expectType<Tensor<[8, 512]>>(globalMaxPool2d(randn([8, 512, 3, 5])))
expectType<Tensor<[1, 1]>>(globalAvgPool2d(randn([1, 1, 1, 1])))

// ------------------------------------------------------------------ adaptiveAvgPool2d, upsample
// Every valid configuration of these two currently comes out as `never` (the parameter type is never, so
// no call compiles): see known-bugs.test-d.ts.pending for the expected shapes. Their errors work:
{
  const x = randn([2, 3, 8, 8])
  expectType<'adaptiveAvgPool2d: expects input [N, C, H, W], got [2, 3, 8]'>(errorOf(adaptiveAvgPool2d(7), randn([2, 3, 8])))
  //// @ts-expect-error
  expectError(adaptiveAvgPool2d(7)(randn([2, 3, 8])))
  expectType<'adaptiveAvgPool2d: outputSize must be a positive integer, got 0'>(errorOf(adaptiveAvgPool2d(0), x))
  //// @ts-expect-error
  expectError(adaptiveAvgPool2d(0)(x))
  expectType<'adaptiveAvgPool2d: outputSize must be a positive integer, got 0'>(errorOf(adaptiveAvgPool2d([2, 0]), x))
  //// @ts-expect-error
  expectError(adaptiveAvgPool2d([2, 0])(x))
  expectType<'adaptiveAvgPool2d: outputSize must be an integer, got 1.5'>(errorOf(adaptiveAvgPool2d(1.5), x))
  //// @ts-expect-error
  expectError(adaptiveAvgPool2d(1.5)(x))
  expectType<'upsample: expects input [N, C, H, W], got [2, 3, 8]'>(errorOf(upsample({ scaleFactor: 2 }), randn([2, 3, 8])))
  //// @ts-expect-error
  expectError(upsample({ scaleFactor: 2 })(randn([2, 3, 8])))
  expectType<'upsample: scaleFactor must be a positive integer, got 0'>(errorOf(upsample({ scaleFactor: 0 }), x))
  //// @ts-expect-error
  expectError(upsample({ scaleFactor: 0 })(x))
  expectType<'upsample: size must be a positive integer, got 0'>(errorOf(upsample({ size: [0, 4] }), x))
  //// @ts-expect-error
  expectError(upsample({ size: [0, 4], mode: 'bilinear' })(x))
  expectType<'upsample: scaleFactor must be an integer, got 1.5'>(errorOf(upsample({ scaleFactor: 1.5 }), x))
  //// @ts-expect-error
  expectError(upsample({ scaleFactor: 1.5 })(x))
  // upsample needs a scale factor or a size, and knows two modes (checked where the layer is applied)
  expectType<'upsample: needs scaleFactor or size'>(errorOf(upsample({ mode: 'nearest' }), x))
  //// @ts-expect-error
  expectError(upsample({ mode: 'nearest' })(x))
  expectType<"upsample: mode must be 'nearest' or 'bilinear', got 'bicubic'">(errorOf(upsample({ scaleFactor: 2, mode: 'bicubic' }), x))
  //// @ts-expect-error
  expectError(upsample({ scaleFactor: 2, mode: 'bicubic' })(x))
  // an unknown key is refused where the options are written
  //// @ts-expect-error
  expectError(upsample({ scale: 2 }))
}

// ------------------------------------------------------------------ batchNorm2d keeps the shape
{
  const bn = (c: 64) => ({ weight: ones([c]), bias: zeros([c]), runningMean: zeros([c]), runningVar: ones([c]) })
  const x = randn([8, 64, 56, 56])
  expectType<Tensor<[8, 64, 56, 56]>>(batchNorm2d(bn(64), { training: false })(x))
  expectType<Tensor<[8, 64, 56, 56]>>(batchNorm2d(bn(64), { training: true, eps: 1e-3, momentum: 0.01 })(x))
  const p3 = { weight: ones([3]), bias: zeros([3]), runningMean: zeros([3]), runningVar: ones([3]) }
  expectType<Tensor<[2, 3, 5, 7]>>(batchNorm2d(p3, { training: false })(randn([2, 3, 5, 7])))
}

// ================================================================== invalid configurations

// padding larger than half the kernel
{
  const p = maxPool2d({ kernelSize: 2, padding: 2 })
  const x = randn([1, 1, 8, 8])
  expectType<'maxPool2d: padding 2 exceeds half the kernel 2; pad the input first (pad), then pool with padding 0'>(errorOf(p, x))
  //// @ts-expect-error
  expectError(p(x))
  const a = avgPool2d({ kernelSize: 3, padding: [1, 2] })
  expectType<'avgPool2d: padding 2 exceeds half the kernel 3; pad the input first (pad), then pool with padding 0'>(errorOf(a, x))
  //// @ts-expect-error
  expectError(a(x))
  const a1 = avgPool1d({ kernelSize: 3, padding: 2 })
  expectType<'avgPool1d: padding 2 exceeds half the kernel 3; pad the input first (pad), then pool with padding 0'>(errorOf(a1, randn([1, 1, 8])))
  //// @ts-expect-error
  expectError(a1(randn([1, 1, 8])))
  const m1 = maxPool1d({ kernelSize: 1, padding: 1 })
  expectType<'maxPool1d: padding 1 exceeds half the kernel 1; pad the input first (pad), then pool with padding 0'>(errorOf(m1, randn([1, 1, 8])))
  //// @ts-expect-error
  expectError(m1(randn([1, 1, 8])))
  // exactly half is allowed
  expectType<Tensor<[1, 1, 5, 5]>>(maxPool2d({ kernelSize: 2, padding: 1 })(x))
}

// kernel larger than the padded input
{
  const p = maxPool2d({ kernelSize: 5 })
  const x = randn([1, 1, 3, 3])
  expectType<'maxPool2d: kernel 5 exceeds padded input 3'>(errorOf(p, x))
  //// @ts-expect-error
  expectError(p(x))
  // padding 2 makes the padded input 3 + 4 = 7 ≥ 5
  expectType<Tensor<[1, 1, 1, 1]>>(maxPool2d({ kernelSize: 5, padding: 2 })(x))
  const d = maxPool2d({ kernelSize: 3, dilation: 3 })
  expectType<'maxPool2d: kernel 7 exceeds padded input 6'>(errorOf(d, randn([1, 1, 6, 6])))
  //// @ts-expect-error
  expectError(d(randn([1, 1, 6, 6])))
  const a1 = avgPool1d({ kernelSize: 4 })
  expectType<'avgPool1d: kernel 4 exceeds padded input 3'>(errorOf(a1, randn([2, 4, 3])))
  //// @ts-expect-error
  expectError(a1(randn([2, 4, 3])))
}

// wrong rank
{
  const p = maxPool2d({ kernelSize: 2 })
  expectType<'maxPool2d: expects input [N, C, H, W], got [6, 28, 28]'>(errorOf(p, randn([6, 28, 28])))
  //// @ts-expect-error
  expectError(p(randn([6, 28, 28])))
  //// @ts-expect-error
  expectError(avgPool2d({ kernelSize: 2 })(randn([1, 1, 1, 6, 28])))
  const p1 = maxPool1d({ kernelSize: 2 })
  expectType<'maxPool1d: expects input [N, C, L], got [1, 1, 8, 8]'>(errorOf(p1, randn([1, 1, 8, 8])))
  //// @ts-expect-error
  expectError(p1(randn([1, 1, 8, 8])))
  //// @ts-expect-error
  expectError(avgPool1d({ kernelSize: 2 })(randn([8])))
  expectType<'globalAvgPool2d: expects input [N, C, H, W], got [8, 2048]'>(errorOf(globalAvgPool2d, randn([8, 2048])))
  //// @ts-expect-error
  expectError(globalAvgPool2d(randn([8, 2048])))
  //// @ts-expect-error
  expectError(globalMaxPool2d(randn([8, 2048, 7])))
  const p3 = { weight: ones([3]), bias: zeros([3]), runningMean: zeros([3]), runningVar: ones([3]) }
  expectType<'batchNorm2d: expects input [N, C, H, W], got [2, 3]'>(errorOf(batchNorm2d(p3, { training: false }), randn([2, 3])))
  //// @ts-expect-error
  expectError(batchNorm2d(p3, { training: false })(randn([2, 3])))
}

// stride 0 and other invalid option values: not rejected yet, see known-bugs.test-d.ts.pending.
// A missing kernelSize is refused where the options are written; values of the wrong kind where the layer is applied,
// with the run-time twin's texts:
expectType<ShapeError<'maxPool2d: kernelSize is required'>>({} as CheckKeys<'maxPool2d', { stride: 2 }, MaxPoolSpec, 'kernelSize'>)
//// @ts-expect-error
expectError(maxPool2d({ stride: 2 }))
expectType<"maxPool2d: kernelSize must be a number or [number, number], got '2'">(errorOf(maxPool2d({ kernelSize: '2' }), randn([1, 1, 4, 4])))
//// @ts-expect-error
expectError(maxPool2d({ kernelSize: '2' })(randn([1, 1, 4, 4])))
expectType<'maxPool2d: ceilMode must be true or false, got 1'>(errorOf(maxPool2d({ kernelSize: 2, ceilMode: 1 }), randn([1, 1, 4, 4])))
//// @ts-expect-error
expectError(maxPool2d({ kernelSize: 2, ceilMode: 1 })(randn([1, 1, 4, 4])))

// channel mismatch in batchNorm
{
  const p4 = { weight: ones([4]), bias: zeros([4]), runningMean: zeros([4]), runningVar: ones([4]) }
  const x = randn([2, 3, 8, 8])
  expectType<'batchNorm2d: input has 3 channels but parameters have 4'>(errorOf(batchNorm2d(p4, { training: false }), x))
  //// @ts-expect-error
  expectError(batchNorm2d(p4, { training: false })(x))
  const p2d = { weight: ones([3, 1]), bias: zeros([3, 1]), runningMean: zeros([3, 1]), runningVar: ones([3, 1]) }
  expectType<'batchNorm2d: parameters must be [C], got [3, 1]'>(errorOf(batchNorm2d(p2d, { training: false }), x))
  //// @ts-expect-error
  expectError(batchNorm2d(p2d, { training: false })(x))
  // the four parameters must agree with each other
  //// @ts-expect-error
  expectError(batchNorm2d({ weight: ones([3]), bias: zeros([4]), runningMean: zeros([3]), runningVar: ones([3]) }, { training: false }))
}

// ------------------------------------------------------------ one training flag
{
  const bn = (c: 64) => ({ weight: ones([c]), bias: zeros([c]), runningMean: zeros([c]), runningVar: ones([c]) })
  const mode: Mode = { training: true }
  const x = randn([8, 64, 56, 56])
  expectType<Tensor<[8, 64, 56, 56]>>(pipe(x, batchNorm2d(bn(64), mode), dropout({ rate: 0.1, seed: 0, ...mode })))
  // Neither layer has a default mode: leaving it out is an error.
  //// @ts-expect-error
  expectError(batchNorm2d(bn(64)))
  //// @ts-expect-error
  expectError(dropout({ rate: 0.1, seed: 0 }))
}
