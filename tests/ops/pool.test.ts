/** Pooling, adaptive/global pooling, upsample and batchNorm2d as lazy graph nodes. */
import { describe, expect, it } from 'vitest'
import {
  maxPool1d, maxPool2d, avgPool1d, avgPool2d, lpPool1d, lpPool2d, adaptiveAvgPool2d, globalAvgPool2d, globalMaxPool2d, upsample, batchNorm2d, dropout, zeros, ones, type Tensor, type Mode,
} from '../../src/index.ts'
import { poolShape } from '../../src/shape/pool.ts'
import { messageOf, dtypeMessageOf, unknownShape, expectNode } from '../helpers/shapes.ts'

describe('maxPool2d / avgPool2d', () => {
  it('MaxPool2d(k3, p1, s(2, 1)) on (1, 2, 4, 4) → (1, 2, 2, 4)', () => {
    const x = zeros([1, 2, 4, 4])
    const layer = maxPool2d({ kernelSize: 3, padding: 1, stride: [2, 1] })
    expect(layer.op).toBe('maxPool2d')
    const y: Tensor<[1, 2, 2, 4]> = layer(x)
    expectNode(y, { op: 'maxPool2d', inputs: [x], shape: [1, 2, 2, 4], attrs: { kernelSize: 3, padding: 1, stride: [2, 1], rank: 2 } })
  })

  it('stride defaults to the kernel; ceilMode adds the partial window', () => {
    const x = zeros([2, 3, 7, 7])
    const a: Tensor<[2, 3, 3, 3]> = maxPool2d({ kernelSize: 2 })(x)
    expect(a.shape).toEqual([2, 3, 3, 3])
    const b: Tensor<[2, 3, 4, 4]> = avgPool2d({ kernelSize: 2, ceilMode: true })(x)
    expectNode(b, { op: 'avgPool2d', inputs: [x], shape: [2, 3, 4, 4], attrs: { ceilMode: true } })
    const dropped: Tensor<[1, 2, 3, 3]> = avgPool2d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true, countIncludePad: false })(zeros([1, 2, 5, 5]))
    expect(dropped.shape).toEqual([1, 2, 3, 3])
  })

  it('takes float32 only: int32 is a DTypeError naming the op and both dtypes', () => {
    // @ts-expect-error maxPool2d: expects float32 input, got int32
    expect(dtypeMessageOf(() => maxPool2d({ kernelSize: 2 })(zeros([1, 1, 4, 4], 'int32')))).toBe(
      "maxPool2d: expects float32 input, got int32; convert it with cast('float32')",
    )
  })

  it('errors: known shapes at compile time and run time, unknown shapes at run time', () => {
    // @ts-expect-error maxPool2d: kernel 5 exceeds padded input 3
    expect(messageOf(() => maxPool2d({ kernelSize: 5 })(zeros([1, 1, 3, 3])))).toBe('maxPool2d: kernel 5 exceeds padded input 3')
    // @ts-expect-error maxPool2d: padding 2 exceeds half the kernel 3
    expect(messageOf(() => maxPool2d({ kernelSize: 3, padding: 2 })(zeros([1, 1, 8, 8])))).toBe('maxPool2d: padding 2 exceeds half the kernel 3; pad the input first (pad), then pool with padding 0')
    // @ts-expect-error maxPool2d: kernelSize must be a positive integer, got 0
    expect(messageOf(() => maxPool2d({ kernelSize: 0 })(zeros([1, 1, 8, 8])))).toBe('maxPool2d: kernelSize must be a positive integer, got 0')
    const cases: [number[], { kernelSize: number | number[]; stride?: number | number[]; padding?: number; dilation?: number; ceilMode?: boolean }][] = [
      [[1, 1, 3, 3], { kernelSize: 5 }],
      [[1, 1, 8, 8], { kernelSize: 3, padding: 2 }],
      [[1, 1, 8, 8], { kernelSize: 0 }],
      [[1, 1, 8, 8], { kernelSize: 2, stride: [1, 0] }],
      [[1, 8, 8], { kernelSize: 2 }],
      [[1, 1, 4, 4], { kernelSize: 3, dilation: 2 }],
    ]
    for (const [xs, options] of cases) {
      const expected = messageOf(() => poolShape('maxPool2d', 2, xs, options))
      expect(messageOf(() => maxPool2d(options)(unknownShape(zeros(xs))))).toBe(expected)
    }
    const y: Tensor<number[]> = avgPool2d({ kernelSize: 3, stride: 2, padding: 1 })(unknownShape(zeros([2, 8, 20, 20])))
    expect(y.shape).toEqual([2, 8, 10, 10])
  })
})

describe('maxPool1d / avgPool1d', () => {
  it('[N, C, L] → [N, C, L′]', () => {
    const x = zeros([2, 3, 9])
    const m: Tensor<[2, 3, 4]> = maxPool1d({ kernelSize: 3, stride: 2, ceilMode: true })(x)
    expectNode(m, { op: 'maxPool1d', inputs: [x], shape: [2, 3, 4], attrs: { rank: 1 } })
    const a: Tensor<[2, 3, 5]> = avgPool1d({ kernelSize: 3, stride: 2, padding: 1 })(x)
    expectNode(a, { op: 'avgPool1d', inputs: [x], shape: [2, 3, 5], attrs: { rank: 1 } })
    expect(messageOf(() => avgPool1d({ kernelSize: 2 })(unknownShape(zeros([2, 3]))))).toBe('avgPool1d: expects input [N, C, L], got [2, 3]')
  })
})

describe('padding wider than half the kernel (allowed by ONNX, not by PyTorch)', () => {
  // The compile-time side of every case is pinned in type-tests/pool.test-d.ts and lp-pool.test-d.ts.
  it('stays an error in every pool, for known and unknown shapes, and says to pad first', () => {
    type AnyPool = (x: Tensor<number[]>) => unknown
    const line = zeros([1, 1, 8])
    const image = zeros([1, 1, 8, 8])
    const cases: [string, AnyPool, Tensor<number[]>, string][] = [
      ['maxPool1d', maxPool1d({ kernelSize: 3, padding: 2 }) as AnyPool, line, 'padding 2 exceeds half the kernel 3'],
      ['avgPool1d', avgPool1d({ kernelSize: 3, padding: 2 }) as AnyPool, line, 'padding 2 exceeds half the kernel 3'],
      ['lpPool1d', lpPool1d({ normType: 2, kernelSize: 3, padding: 2 }) as AnyPool, line, 'padding 2 exceeds half the kernel 3'],
      ['maxPool2d', maxPool2d({ kernelSize: 3, padding: [0, 2] }) as AnyPool, image, 'padding 2 exceeds half the kernel 3'],
      ['avgPool2d', avgPool2d({ kernelSize: [3, 2], padding: [1, 2] }) as AnyPool, image, 'padding 2 exceeds half the kernel 2'],
      ['lpPool2d', lpPool2d({ normType: 2, kernelSize: 3, padding: 2 }) as AnyPool, image, 'padding 2 exceeds half the kernel 3'],
    ]
    for (const [op, pool, x, what] of cases) {
      const expected = `${op}: ${what}; pad the input first (pad), then pool with padding 0`
      expect(messageOf(() => pool(x))).toBe(expected)
      expect(messageOf(() => pool(unknownShape(x)))).toBe(expected)
    }
  })
})

describe('adaptive and global pooling', () => {
  it('adaptiveAvgPool2d: any H × W to the output size', () => {
    const known = zeros([2, 3, 7, 7])
    const typed: Tensor<[2, 3, 3, 2]> = adaptiveAvgPool2d([3, 2])(known)
    expectNode(typed, { op: 'adaptiveAvgPool2d', inputs: [known], shape: [2, 3, 3, 2] })
    const x = unknownShape(zeros([2, 3, 7, 7]))
    const y = adaptiveAvgPool2d([3, 2])(x)
    expectNode(y, { op: 'adaptiveAvgPool2d', inputs: [x], shape: [2, 3, 3, 2], attrs: { outputSize: [3, 2] } })
    expect(adaptiveAvgPool2d(1)(x).shape).toEqual([2, 3, 1, 1])
    expect(messageOf(() => adaptiveAvgPool2d(0)(x))).toBe('adaptiveAvgPool2d: outputSize must be a positive integer, got 0')
    expect(messageOf(() => adaptiveAvgPool2d(2)(unknownShape(zeros([2, 3, 7]))))).toBe('adaptiveAvgPool2d: expects input [N, C, H, W], got [2, 3, 7]')
  })

  it('globalAvgPool2d / globalMaxPool2d: [N, C, H, W] → [N, C]', () => {
    const x = zeros([2, 3, 4, 5])
    const a: Tensor<[2, 3]> = globalAvgPool2d(x)
    expectNode(a, { op: 'globalAvgPool2d', inputs: [x], shape: [2, 3] })
    const m: Tensor<[2, 3]> = globalMaxPool2d(x)
    expectNode(m, { op: 'globalMaxPool2d', inputs: [x], shape: [2, 3] })
    expect(globalAvgPool2d.op).toBe('globalAvgPool2d')
    // @ts-expect-error globalMaxPool2d: expects input [N, C, H, W], got [2, 3]
    expect(messageOf(() => globalMaxPool2d(zeros([2, 3])))).toBe('globalMaxPool2d: expects input [N, C, H, W], got [2, 3]')
    expect(messageOf(() => globalAvgPool2d(unknownShape(zeros([2, 3, 4]))))).toBe('globalAvgPool2d: expects input [N, C, H, W], got [2, 3, 4]')
  })
})

describe('upsample', () => {
  it('by a scale factor or to a size; mode defaults to nearest', () => {
    const known = zeros([2, 3, 3, 4])
    const a: Tensor<[2, 3, 6, 8]> = upsample({ scaleFactor: 2 })(known)
    expectNode(a, { op: 'upsample', inputs: [known], shape: [2, 3, 6, 8] })
    const b: Tensor<[2, 3, 5, 7]> = upsample({ size: [5, 7], mode: 'bilinear' })(known)
    expect(b.shape).toEqual([2, 3, 5, 7])
    // @ts-expect-error upsample: scaleFactor must be an integer, got 1.5
    expect(messageOf(() => upsample({ scaleFactor: 1.5 })(known))).toBe('upsample: scaleFactor must be an integer, got 1.5')
    const x = unknownShape(zeros([2, 3, 3, 4]))
    const y = upsample({ scaleFactor: 2 })(x)
    expectNode(y, { op: 'upsample', inputs: [x], shape: [2, 3, 6, 8], attrs: { mode: 'nearest', scaleFactor: 2 } })
    expect(upsample({ scaleFactor: [2, 3], mode: 'bilinear' })(x).node.params).toMatchObject({ mode: 'bilinear' })
    expect(upsample({ scaleFactor: [2, 3] })(x).shape).toEqual([2, 3, 6, 12])
    expect(upsample({ size: [5, 7], mode: 'bilinear', alignCorners: true })(x).shape).toEqual([2, 3, 5, 7])
  })

  it('errors', () => {
    const x = unknownShape(zeros([2, 3, 3, 4]))
    expect(messageOf(() => upsample({} as never)(x))).toBe('upsample: needs scaleFactor or size')
    expect(messageOf(() => upsample({ scaleFactor: 1.5 })(x))).toBe('upsample: scaleFactor must be an integer, got 1.5')
    expect(messageOf(() => upsample({ size: 0 })(x))).toBe('upsample: size must be a positive integer, got 0')
    expect(messageOf(() => upsample({ scaleFactor: 2 })(unknownShape(zeros([3, 4]))))).toBe('upsample: expects input [N, C, H, W], got [3, 4]')
  })
})

describe('batchNorm2d', () => {
  const params = <const C extends number>(c: C) => ({ weight: zeros([c]), bias: zeros([c]), runningMean: zeros([c]), runningVar: ones([c]) })

  it('keeps the shape; five inputs; default attributes', () => {
    const x = zeros([2, 3, 4, 5])
    const p = params(3)
    const y: Tensor<[2, 3, 4, 5]> = batchNorm2d(p, { training: false })(x)
    expectNode(y, {
      op: 'batchNorm2d', inputs: [x, p.weight, p.bias, p.runningMean, p.runningVar], shape: [2, 3, 4, 5],
      attrs: { training: false, eps: 1e-5, momentum: 0.1 },
    })
    expect(batchNorm2d(p, { training: true, momentum: 0.5 })(x).node.params).toMatchObject({ training: true, eps: 1e-5, momentum: 0.5 })
  })

  it('one training flag, no default: batch norm and dropout refuse options that do not say the mode', () => {
    const p = params(3)
    const message = (op: string) => `${op}: options.training must be true (training step) or false (evaluation), got undefined; dropout and batch norm follow the same flag`
    // @ts-expect-error the mode is required
    expect(messageOf(() => batchNorm2d(p))).toBe(message('batchNorm2d'))
    // @ts-expect-error the mode is required
    expect(messageOf(() => batchNorm2d(p, { eps: 1e-3 }))).toBe(message('batchNorm2d'))
    // @ts-expect-error the mode is required
    expect(messageOf(() => dropout({ rate: 0.5, seed: 1 }))).toBe(message('dropout'))
    // The same Mode value drives both.
    for (const mode of [{ training: true }, { training: false }] satisfies Mode[]) {
      const x = zeros([2, 3, 4, 5])
      expect(batchNorm2d(p, mode)(x).node.params).toEqual({ ...mode, eps: 1e-5, momentum: 0.1 })
      // A fit step context (mode and dropout seed) drives it too; the seed is not an attribute of batch norm.
      const context = { ...mode, seed: zeros([], 'int32') }
      expect(batchNorm2d(p, context)(x).node.params).toEqual({ ...mode, eps: 1e-5, momentum: 0.1 })
      expect(dropout({ rate: 0.5, seed: 1, ...mode })(x) === x).toBe(!mode.training)
    }
  })

  it('channel and layout errors', () => {
    // @ts-expect-error batchNorm2d: input has 3 channels but parameters have 4
    expect(messageOf(() => batchNorm2d(params(4), { training: false })(zeros([2, 3, 4, 5])))).toBe('batchNorm2d: input has 3 channels but parameters have 4')
    expect(messageOf(() => batchNorm2d(params(4), { training: false })(unknownShape(zeros([2, 3, 4, 5]))))).toBe('batchNorm2d: input has 3 channels but parameters have 4')
    expect(messageOf(() => batchNorm2d(params(3), { training: false })(unknownShape(zeros([2, 3, 4]))))).toBe('batchNorm2d: expects input [N, C, H, W], got [2, 3, 4]')
    const bad = { ...params(3), runningVar: unknownShape(zeros([3, 1])) }
    expect(messageOf(() => batchNorm2d(bad, { training: false })(unknownShape(zeros([2, 3, 4, 5]))))).toBe('batchNorm2d: parameters must be [C], got [3, 1]')
  })
})
