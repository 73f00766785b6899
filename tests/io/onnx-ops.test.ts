/**
 * Every forward op ONNX can express, exported one small graph at a time:
 * each model passes onnx.checker (full_check) and ONNX Runtime reproduces
 * shapewise's outputs at two batch sizes (and, where a spatial dim is
 * dynamic, two image sizes). Ops that cannot be exported fail with a named
 * error.
 */
import { pipe } from 'fp-ts/lib/function.js'
import { describe, expect, it } from 'vitest'
import {
  abs, adaptiveAvgPool2d, adaptiveAvgPool3d, add, argmax, avgPool1d, avgPool2d, avgPool3d, batchNorm2d, broadcastTo, concat, conv1d, conv2d,
  conv3d, convTranspose1d, convTranspose2d, convTranspose3d, div, dropout, equal, erf, exp, flatten, gelu, geluTanh, globalAvgPool2d, globalMaxPool2d, greater, leakyRelu,
  less, linear, log, logSoftmax, matmul, max, maxPool1d, maxPool2d, maxPool3d, maximum, mean, minimum, mul, neg, oneHot, pad, permute, pow, randn, rand,
  relu, reshape, sigmoid, slice, softmax, sqrt, stopGradient, sub, sum, tanh, transpose, upsample, where, zeros, type Tensor,
} from '../../src/index.ts'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeOnnxModel, exportOnnx, OnnxExportError } from '../../src/io/index.ts'
import { expectValidOnnx, onnxCaseTests, type OnnxCase } from './onnx-helpers.ts'
import { temporaryFolder } from './helpers.ts'

const dir = temporaryFolder('onnx-ops')
type X = Tensor<[number, 4, 8, 8]>
const X = ['N', 4, 8, 8] as const
/** A volume batch [N, C, D, H, W] for the 3-D ops. */
type V = Tensor<[number, 4, 5, 6, 6]>
const V = ['N', 4, 5, 6, 6] as const
const w = <const S extends readonly number[]>(shape: S, seed: number) => randn(shape, { seed })
const positive = (x: X) => add(abs(x), 0.5)

const cases: OnnxCase[] = [
  { name: 'conv2d stride padding dilation groups bias', shapes: [X], fn: (x: X) => conv2d({ weight: w([6, 2, 3, 3], 1), bias: w([6], 2) }, { stride: 2, padding: [1, 2], dilation: 2, groups: 2 })(x) },
  { name: 'conv2d same stride 1 and 2', shapes: [X], fn: (x: X) => pipe(x, conv2d({ weight: w([4, 4, 4, 3], 3) }, { padding: 'same' }), conv2d({ weight: w([2, 4, 3, 3], 4) }, { padding: 'same', stride: 2 })) },
  {
    name: 'conv2d same stride 2 dynamic image size', shapes: [['N', 4, 'H', 'W']], fn: (x: Tensor<[number, 4, number, number]>) => conv2d({ weight: w([3, 4, 3, 3], 5) }, { padding: 'same', stride: 2 })(x),
    options: { traceSizes: { N: [2, 3], H: [9, 12], W: [7, 12] } }, runs: [{ N: 1, H: 9, W: 9 }, { N: 2, H: 12, W: 7 }],
  },
  { name: 'conv1d', shapes: [['N', 3, 20]], fn: (x: Tensor<[number, 3, 20]>) => conv1d({ weight: w([5, 3, 4], 6), bias: w([5], 7) }, { stride: 3, padding: 2, dilation: 2 })(x) },
  { name: 'convTranspose2d output padding groups dilation', shapes: [X], fn: (x: X) => convTranspose2d({ weight: w([4, 3, 3, 3], 8), bias: w([6], 9) }, { stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: [1, 2] })(x) },
  { name: 'convTranspose1d', shapes: [['N', 3, 10]], fn: (x: Tensor<[number, 3, 10]>) => convTranspose1d({ weight: w([3, 2, 5], 10) }, { stride: 3, padding: 2, outputPadding: 2 })(x) },
  { name: 'maxPool2d ceil mode padding dilation', shapes: [['N', 4, 9, 9]], fn: (x: Tensor<[number, 4, 9, 9]>) => maxPool2d({ kernelSize: 3, stride: 2, padding: 1, dilation: [1, 2], ceilMode: true })(x) },
  { name: 'maxPool1d', shapes: [['N', 3, 11]], fn: (x: Tensor<[number, 3, 11]>) => maxPool1d({ kernelSize: 3, stride: 2, ceilMode: true })(x) },
  { name: 'avgPool2d padding include pad', shapes: [X], fn: (x: X) => avgPool2d({ kernelSize: 3, stride: 2, padding: 1 })(x) },
  { name: 'avgPool2d ceil mode exclude pad', shapes: [['N', 4, 9, 9]], fn: (x: Tensor<[number, 4, 9, 9]>) => avgPool2d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true, countIncludePad: false })(x) },
  { name: 'maxPool2d ceil mode, last window dropped', shapes: [['N', 4, 9, 9]], fn: (x: Tensor<[number, 4, 9, 9]>) => maxPool2d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true })(x) },
  { name: 'avgPool2d ceil mode include pad, last window dropped', shapes: [['N', 4, 9, 9]], fn: (x: Tensor<[number, 4, 9, 9]>) => avgPool2d({ kernelSize: [2, 3], stride: 2, padding: 1, ceilMode: true })(x) },
  { name: 'avgPool1d ceil mode', shapes: [['N', 2, 11]], fn: (x: Tensor<[number, 2, 11]>) => avgPool1d({ kernelSize: 3, stride: 2, ceilMode: true })(x) },
  { name: 'adaptive and global pools', shapes: [X], fn: (x: X) => [adaptiveAvgPool2d([2, 4])(x), adaptiveAvgPool2d([1, 1])(x), globalAvgPool2d(x), globalMaxPool2d(x)] },
  // 3-D ops: the same ONNX ops with three spatial axes.
  {
    name: 'conv3d stride padding dilation groups bias, same', shapes: [V],
    fn: (x: V) => [
      conv3d({ weight: w([6, 2, 3, 2, 3], 21), bias: w([6], 22) }, { stride: [1, 2, 2], padding: [1, 0, 2], dilation: [2, 1, 1], groups: 2 })(x),
      conv3d({ weight: w([3, 4, 3, 3, 3], 23) }, { padding: 'same', stride: 2 })(x),
    ],
  },
  { name: 'convTranspose3d output padding groups dilation', shapes: [V], fn: (x: V) => convTranspose3d({ weight: w([4, 3, 3, 3, 2], 24), bias: w([6], 25) }, { stride: 2, padding: 1, outputPadding: [1, 0, 1], groups: 2, dilation: [1, 1, 2] })(x) },
  {
    name: 'maxPool3d and avgPool3d: padding, dilation, ceil mode, countIncludePad', shapes: [V],
    fn: (x: V) => [
      maxPool3d({ kernelSize: 3, stride: 2, padding: 1, dilation: [1, 2, 1], ceilMode: true })(x), maxPool3d({ kernelSize: [1, 2, 2] })(x),
      avgPool3d({ kernelSize: 3, stride: 2, padding: 1 })(x), avgPool3d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true, countIncludePad: false })(x),
    ],
  },
  { name: 'adaptiveAvgPool3d', shapes: [V], fn: (x: V) => [adaptiveAvgPool3d([5, 3, 2])(x), adaptiveAvgPool3d(1)(x)] },
  {
    name: 'upsample nearest and bilinear', shapes: [['N', 2, 5, 6]],
    fn: (x: Tensor<[number, 2, 5, 6]>) => [
      upsample({ scaleFactor: 2 })(x), upsample({ size: [10, 18] })(x),
      upsample({ scaleFactor: [2, 3], mode: 'bilinear' })(x), upsample({ size: [9, 7], mode: 'bilinear', alignCorners: true })(x),
    ],
  },
  {
    name: 'batchNorm2d eval', shapes: [X],
    fn: (x: X) => batchNorm2d({ weight: w([4], 11), bias: w([4], 12), runningMean: w([4], 13), runningVar: add(rand([4], { seed: 14 }), 0.5) }, { eps: 1e-3, training: false })(x),
  },
  { name: 'linear rank 2 and 3, matmul', shapes: [['N', 6], ['N', 3, 6]], fn: (a: Tensor<[number, 6]>, b: Tensor<[number, 3, 6]>) => [linear({ weight: w([5, 6], 15), bias: w([5], 16) })(a), linear({ weight: w([2, 6], 17), bias: w([2], 18) })(b), matmul(b, w([6, 4], 19))] },
  {
    name: 'activations', shapes: [X],
    fn: (x: X) => [relu(x), leakyRelu({ negativeSlope: 0.2 })(x), sigmoid(x), tanh(x), gelu(x), geluTanh(x), exp(x), log(positive(x)), sqrt(positive(x)), abs(x), neg(x), erf(x), stopGradient(x)],
  },
  {
    name: 'arithmetic with broadcasting', shapes: [X, ['N', 1, 8, 8]],
    fn: (x: X, y: Tensor<[number, 1, 8, 8]>) => [add(x, y), sub(x, w([4, 1, 1], 20)), mul(x, 3), div(x, positive(y as never)), maximum(x, y), minimum(x, 0), pow(positive(x), 1.5)],
  },
  { name: 'comparisons and where', shapes: [X], fn: (x: X) => [where(greater(x, 0.2), x, mul(x, 0.1)), where(less(x, -0.5), 1, 0), where(equal(relu(x), 0), x, 2)] },
  {
    name: 'reductions', shapes: [X],
    fn: (x: X) => [sum({ axis: 1, keepDims: true })(x), sum()(x), mean({ axis: [2, 3] })(x), max({ axis: -1 })(x), argmax({ axis: 1 })(x), argmax()(x), argmax({ keepDims: true })(x)],
  },
  { name: 'softmax and logSoftmax', shapes: [X], fn: (x: X) => [softmax({ axis: 1 })(x), logSoftmax()(x)] },
  {
    name: 'layout', shapes: [X],
    fn: (x: X) => [
      flatten(x), reshape([-1, 4, 64])(x), permute([0, 2, 3, 1])(x), transpose(1, 3)(x), concat([x, relu(x)], 1),
      pad([[0, 0], [1, 0], [2, 3], [0, 1]], 0.5)(x), slice({ start: [0, 1, -6], end: [1000, 4, 7], step: [1, 2, 3] })(x),
    ],
  },
  { name: 'broadcastTo and oneHot', shapes: [['N', 1, 4]], fn: (x: Tensor<[number, 1, 4]>) => [broadcastTo(x, [x.shape[0], 3, 4]), oneHot(argmax({ axis: 2 })(x), 5)] },
]

describe('exported ops run in ONNX Runtime like shapewise', () => onnxCaseTests(cases, dir))

describe('options', () => {
  it('names inputs and outputs, and path writes the same bytes to a file', async () => {
    const path = join(dir, 'named.onnx')
    const bytes = await exportOnnx((x: X, y: X) => [add(x, y), relu(x)], [X, X], { inputNames: ['left', 'right'], outputNames: ['sum', 'rectified'], path, opset: 13 })
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes)
    const model = decodeOnnxModel(bytes)
    expect(model.graph.input.map((v) => v.name)).toEqual(['left', 'right'])
    expect(model.graph.output.map((v) => v.name)).toEqual(['sum', 'rectified'])
    expect(model.opset_import).toEqual([{ domain: '', version: 13 }])
    await expectValidOnnx([path])
  })
})

describe('ops and inputs that cannot be exported are named errors', () => {
  const x = X
  const refused = async (fn: (x: X) => unknown, message: RegExp | string, options = {}) => {
    const error = await exportOnnx(fn as never, [x], options).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OnnxExportError)
    expect((error as Error).message).toMatch(message)
  }
  it('dropout in training mode', () => refused((t) => dropout({ rate: 0.5, seed: 1, training: true })(t), /exportOnnx: dropout: dropout in training mode draws a random mask/))
  it('batch norm in training mode', () =>
    refused((t) => batchNorm2d({ weight: w([4], 1), bias: w([4], 2), runningMean: w([4], 3), runningVar: w([4], 4) }, { training: true })(t), /batchNorm2d: training mode normalises with batch statistics/))
  // avgPool2d takes no dilation (as in PyTorch): the layer refuses it while tracing, before any converter runs.
  it('average pooling with dilation', () => refused((t) => (avgPool2d as (o: object) => (x: X) => unknown)({ kernelSize: 2, dilation: 2 })(t), /avgPool2d: unknown option 'dilation'/))
  it('adaptive pooling whose windows vary', () => refused((t) => adaptiveAvgPool2d([3, 3])(t), /adaptiveAvgPool2d: output size 3×3 does not divide input size 8×8/))
  it('adaptive 3-D pooling whose windows vary', async () => {
    const error = await exportOnnx((v: V) => adaptiveAvgPool3d([2, 3, 3])(v), [V]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OnnxExportError)
    expect((error as Error).message).toMatch(/adaptiveAvgPool3d: output size 2×3×3 does not divide input size 5×6×6/)
  })
  it('a tensor made inside the function whose size follows a dynamic dim', () =>
    refused((t) => add(t, zeros([t.shape[0], 4, 8, 8])), /fill: a tensor made inside the function has a shape that depends on the dynamic dims \(\[2, 4, 8, 8\] vs \[3, 4, 8, 8\]\)/))
  it('a graph whose ops change with the batch size', () => refused((t) => (t.shape[0] > 2 ? relu(t) : t), /the traced graph changes with the size of the dynamic dims \(N\)/))
  it('a shape error while tracing', () => refused((t) => conv2d({ weight: w([2, 3, 3, 3], 1) })(t as never), /tracing at N = 2 failed: conv2d: input has 4 channels but weight expects 3/))
  it('bad options', async () => {
    await refused((t) => t, 'opset 12 is not supported; shapewise exports opsets 13 to 17', { opset: 12 })
    await refused((t) => t, '2 input names for 1 inputs', { inputNames: ['a', 'b'] })
    await refused((t) => t, 'traceSizes.N must be two different positive integers, got [2, 2]', { traceSizes: { N: [2, 2] } })
    await refused((t) => t, 'traceSizes.H names no dynamic dim of the input shapes (N)', { traceSizes: { H: [4, 5] } })
  })
})
