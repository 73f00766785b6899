/**
 * The run-time twins of the 3-D rules (conv3d, convTranspose3d, maxPool3d, avgPool3d,
 * adaptiveAvgPool3d: the rank-generic rules of src/shape at rank 3), each example pinned at the
 * type level too: `typed<R>(…)` only compiles when the type-level rule R gives exactly that shape
 * or message, so `tsc` fails when a 3-D rule and its twin drift apart. The layers throw the same
 * texts for shapes known only at run time.
 */
import { describe, expect, it } from 'vitest'
import type { ShapeError as TypeShapeError, ConvShape, ConvTransposeShape, PoolShape, AdaptivePoolShape } from '../../types/index.ts'
import { convShape, convTransposeShape } from '../../src/shape/conv.ts'
import { poolShape, adaptivePoolShape } from '../../src/shape/pool.ts'
import { ShapeError } from '../../src/shape/errors.ts'
import { conv3d, convTranspose3d, maxPool3d, avgPool3d, adaptiveAvgPool3d, fromArray, type Tensor } from '../../src/index.ts'
import { messageOf } from '../helpers/shapes.ts'

type Pinned<R> = R extends TypeShapeError<infer M> ? M : R extends readonly number[] ? R : never
const typed = <R>(value: Pinned<R>): Pinned<R> => value

describe('3-D output sizes, as the compiler computes them', () => {
  it('conv3d kernel 3, padding 1, stride 2 on 16×32×32 → 8×16×16 (the lesson\'s rule on every axis)', () => {
    expect(convShape('conv3d', 3, [2, 3, 16, 32, 32], [8, 3, 3, 3, 3], [8], { padding: 1, stride: 2 })).toEqual(
      typed<ConvShape<'conv3d', 3, [2, 3, 16, 32, 32], [8, 3, 3, 3, 3], [8], { padding: 1; stride: 2 }>>([2, 8, 8, 16, 16]),
    )
  })

  it('conv3d per-axis options, dilation, same and groups', () => {
    expect(convShape('conv3d', 3, [2, 3, 16, 32, 32], [8, 3, 5, 2, 7], undefined, { padding: [1, 0, 2], stride: [3, 1, 4] })).toEqual(
      typed<ConvShape<'conv3d', 3, [2, 3, 16, 32, 32], [8, 3, 5, 2, 7], undefined, { padding: [1, 0, 2]; stride: [3, 1, 4] }>>([2, 8, 5, 31, 8]),
    )
    expect(convShape('conv3d', 3, [2, 3, 16, 32, 32], [8, 3, 3, 3, 3], undefined, { dilation: 2 })).toEqual(
      typed<ConvShape<'conv3d', 3, [2, 3, 16, 32, 32], [8, 3, 3, 3, 3], undefined, { dilation: 2 }>>([2, 8, 12, 28, 28]),
    )
    expect(convShape('conv3d', 3, [1, 3, 7, 9, 11], [4, 3, 3, 3, 3], undefined, { padding: 'same', stride: [2, 3, 4] })).toEqual(
      typed<ConvShape<'conv3d', 3, [1, 3, 7, 9, 11], [4, 3, 3, 3, 3], undefined, { padding: 'same'; stride: [2, 3, 4] }>>([1, 4, 4, 3, 3]),
    )
    expect(convShape('conv3d', 3, [1, 4, 6, 6, 6], [6, 2, 3, 3, 3], [6], { groups: 2 })).toEqual(
      typed<ConvShape<'conv3d', 3, [1, 4, 6, 6, 6], [6, 2, 3, 3, 3], [6], { groups: 2 }>>([1, 6, 4, 4, 4]),
    )
  })

  it('convTranspose3d: (in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1 per axis', () => {
    expect(convTransposeShape('convTranspose3d', 3, [1, 16, 4, 4, 4], [16, 8, 4, 4, 4], undefined, { stride: 2, padding: 1 })).toEqual(
      typed<ConvTransposeShape<'convTranspose3d', 3, [1, 16, 4, 4, 4], [16, 8, 4, 4, 4], undefined, { stride: 2; padding: 1 }>>([1, 8, 8, 8, 8]),
    )
    const options = { stride: [2, 1, 3], padding: [1, 0, 1], outputPadding: [1, 0, 2], dilation: [1, 1, 2] } as const
    expect(convTransposeShape('convTranspose3d', 3, [1, 2, 3, 4, 5], [2, 4, 3, 3, 3], undefined, options)).toEqual(
      typed<ConvTransposeShape<'convTranspose3d', 3, [1, 2, 3, 4, 5], [2, 4, 3, 3, 3], undefined, typeof options>>([1, 4, 6, 6, 17]),
    )
  })

  it('maxPool3d / avgPool3d: stride defaults to the kernel, ceilMode with the last-window rule', () => {
    expect(poolShape('maxPool3d', 3, [2, 64, 16, 112, 112], { kernelSize: [1, 2, 2] })).toEqual(
      typed<PoolShape<'maxPool3d', 3, [2, 64, 16, 112, 112], { kernelSize: [1, 2, 2] }>>([2, 64, 16, 56, 56]),
    )
    expect(poolShape('avgPool3d', 3, [1, 1, 7, 7, 7], { kernelSize: [2, 3, 2], ceilMode: true })).toEqual(
      typed<PoolShape<'avgPool3d', 3, [1, 1, 7, 7, 7], { kernelSize: [2, 3, 2]; ceilMode: true }>>([1, 1, 4, 3, 4]),
    )
    expect(poolShape('maxPool3d', 3, [1, 1, 5, 5, 5], { kernelSize: 2, stride: 2, padding: 1, ceilMode: true })).toEqual(
      typed<PoolShape<'maxPool3d', 3, [1, 1, 5, 5, 5], { kernelSize: 2; stride: 2; padding: 1; ceilMode: true }>>([1, 1, 3, 3, 3]),
    )
  })

  it('adaptiveAvgPool3d: the output size, one number on every axis', () => {
    expect(adaptivePoolShape('adaptiveAvgPool3d', 3, [2, 512, 4, 7, 7], 1)).toEqual(
      typed<AdaptivePoolShape<'adaptiveAvgPool3d', 3, [2, 512, 4, 7, 7], 1>>([2, 512, 1, 1, 1]),
    )
    expect(adaptivePoolShape('adaptiveAvgPool3d', 3, [2, 512, 4, 7, 7], [2, 3, 4])).toEqual(
      typed<AdaptivePoolShape<'adaptiveAvgPool3d', 3, [2, 512, 4, 7, 7], [2, 3, 4]>>([2, 512, 2, 3, 4]),
    )
  })
})

describe('3-D refusals: the same text from the type-level rule and its twin', () => {
  it('channels, groups, bias', () => {
    expect(messageOf(() => convShape('conv3d', 3, [2, 3, 16, 32, 32], [8, 2, 3, 3, 3], undefined, { groups: 2 }))).toBe(
      typed<ConvShape<'conv3d', 3, [2, 3, 16, 32, 32], [8, 2, 3, 3, 3], undefined, { groups: 2 }>>(
        'conv3d: input has 3 channels but weight expects 4 (groups 2 × 2 channels per group)',
      ),
    )
    expect(messageOf(() => convTransposeShape('convTranspose3d', 3, [1, 6, 4, 4, 4], [6, 2, 3, 3, 3], undefined, { groups: 4 }))).toBe(
      typed<ConvTransposeShape<'convTranspose3d', 3, [1, 6, 4, 4, 4], [6, 2, 3, 3, 3], undefined, { groups: 4 }>>(
        'convTranspose3d: 6 input channels are not divisible by groups 4',
      ),
    )
    expect(messageOf(() => convShape('conv3d', 3, [2, 3, 16, 32, 32], [8, 3, 3, 3, 3], [4], {}))).toBe(
      typed<ConvShape<'conv3d', 3, [2, 3, 16, 32, 32], [8, 3, 3, 3, 3], [4], {}>>('conv3d: bias has 4 values but weight has 8 output channels'),
    )
  })

  it('ranks of input and weight, kernel past the padded input, option values', () => {
    expect(messageOf(() => convShape('conv3d', 3, [1, 3, 32, 32], [8, 3, 3, 3, 3], undefined, {}))).toBe(
      typed<ConvShape<'conv3d', 3, [1, 3, 32, 32], [8, 3, 3, 3, 3], undefined, {}>>('conv3d: expects input [N, C, D, H, W], got [1, 3, 32, 32]'),
    )
    expect(messageOf(() => convShape('conv3d', 3, [2, 3, 16, 32, 32], [8, 3, 3, 3], undefined, {}))).toBe(
      typed<ConvShape<'conv3d', 3, [2, 3, 16, 32, 32], [8, 3, 3, 3], undefined, {}>>('conv3d: weight must be [Co, Ci/groups, 3 kernel dims], got [8, 3, 3, 3]'),
    )
    expect(messageOf(() => poolShape('maxPool3d', 3, [2, 3, 4, 32, 32], { kernelSize: [5, 2, 2] }))).toBe(
      typed<PoolShape<'maxPool3d', 3, [2, 3, 4, 32, 32], { kernelSize: [5, 2, 2] }>>('maxPool3d: kernel 5 exceeds padded input 4'),
    )
    expect(messageOf(() => convShape('conv3d', 3, [2, 3, 16, 32, 32], [8, 3, 3, 3, 3], undefined, { stride: [1, 2] }))).toBe(
      typed<ConvShape<'conv3d', 3, [2, 3, 16, 32, 32], [8, 3, 3, 3, 3], undefined, { stride: [1, 2] }>>(
        'conv3d: stride has 2 values for 3 spatial axes; give one (used on every axis) or 3',
      ),
    )
    expect(messageOf(() => poolShape('avgPool3d', 3, [2, 3, 16, 32, 32], { kernelSize: [3, 2, 3], padding: [1, 2, 1] }))).toBe(
      typed<PoolShape<'avgPool3d', 3, [2, 3, 16, 32, 32], { kernelSize: [3, 2, 3]; padding: [1, 2, 1] }>>('avgPool3d: padding 2 exceeds half the kernel 2'),
    )
    expect(messageOf(() => adaptivePoolShape('adaptiveAvgPool3d', 3, [2, 3, 16, 32, 32], [2, 2]))).toBe(
      typed<AdaptivePoolShape<'adaptiveAvgPool3d', 3, [2, 3, 16, 32, 32], [2, 2]>>(
        'adaptiveAvgPool3d: outputSize has 2 values for 3 spatial axes; give one (used on every axis) or 3',
      ),
    )
  })

  it('the layers throw them as ShapeError for shapes known only at run time, before any kernel exists', () => {
    const volume = (shape: number[]) => fromArray(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape) as Tensor<number[]>
    const clip = volume([2, 3, 16, 32, 32])
    const image = volume([1, 3, 32, 32])
    const layers = conv3d as unknown as (w: Tensor<number[]>, o?: object) => (x: Tensor<number[]>) => Tensor<number[]>
    expect(() => layers(volume([8, 1, 3, 3, 3]))(clip)).toThrow(new ShapeError('conv3d: input has 3 channels but weight expects 1'))
    const transposed = convTranspose3d as unknown as typeof layers
    expect(() => transposed(volume([3, 8, 3, 3, 3]), { stride: 2, outputPadding: [0, 2, 0] })(clip)).toThrow(
      new ShapeError('convTranspose3d: outputPadding 2 must be smaller than stride 2 or dilation 1'),
    )
    const pool = (f: unknown, o: unknown) => (f as (o: unknown) => (x: Tensor<number[]>) => Tensor<number[]>)(o)
    expect(() => pool(maxPool3d, { kernelSize: 2 })(image)).toThrow(new ShapeError('maxPool3d: expects input [N, C, D, H, W], got [1, 3, 32, 32]'))
    expect(() => pool(avgPool3d, { kernelSize: 3, padding: 2 })(clip)).toThrow(new ShapeError('avgPool3d: padding 2 exceeds half the kernel 3'))
    expect(() => pool(avgPool3d, { kernelSize: 2, dilation: 2 })).toThrow(
      new ShapeError("avgPool3d: unknown option 'dilation' (known: kernelSize, stride, padding, ceilMode, countIncludePad)"),
    )
    expect(() => pool(adaptiveAvgPool3d, 0)(clip)).toThrow(new ShapeError('adaptiveAvgPool3d: outputSize must be a positive integer, got 0'))
    expect(pool(adaptiveAvgPool3d, [2, 3, 4])(clip).shape).toEqual([2, 3, 2, 3, 4])
  })
})
