/**
 * Example-based tests of the run-time shape twins: the worked examples from
 * the seed material, and the exact message of every error class.
 *
 * Each example is also pinned at the type level: `typed<R>(…)` only compiles
 * when the type-level rule R gives exactly that shape or that message, so
 * `tsc` fails when a type rule and its run-time twin drift apart.
 */
import { describe, expect, it } from 'vitest'
import type {
  ShapeError as TypeShapeError, ConvShape, ConvTransposeShape, PoolShape, Reshape, Broadcast, Flatten, Permute, Transpose, Concat,
  Reduce, Matmul, Linear, UpsampleShape, BatchNormShape, AdaptivePoolShape, GlobalPoolShape, ShapeOfNested, Where,
  CheckKeys, ConvSpec, ConvTransposeSpec, MaxPoolSpec, AvgPoolSpec,
} from '../../types/index.ts'
import { checkKeys, checkOptions } from '../../src/shape/options.ts'
import { convSpec, convTransposeSpec } from '../../src/shape/conv.ts'
import { maxPoolSpec, avgPoolSpec } from '../../src/shape/pool.ts'
import { convShape, convTransposeShape, convAxis, convTransposeAxis, convPadding } from '../../src/shape/conv.ts'
import { poolShape, poolAxis, upsampleShape, batchNormShape, adaptivePoolShape, globalPoolShape } from '../../src/shape/pool.ts'
import {
  broadcastShapes, reshapeShape, flattenShape, permuteShape, transposeShape, concatShape, reduceShape, matmulShape, linearShape,
  padShape, sliceShape, shapeOfNested, normalizeAxis,
} from '../../src/shape/layout.ts'
import { ShapeError, shapeText, layoutText } from '../../src/shape/errors.ts'
import { messageOf } from '../helpers/shapes.ts'

/** The type-level rule's result, pinned: a shape tuple, or the message of its ShapeError. */
type Pinned<R> = R extends TypeShapeError<infer M> ? M : R extends readonly number[] ? R : never
const typed = <R>(value: Pinned<R>): Pinned<R> => value


describe('seed examples (worked examples with known answers)', () => {
  it('corr2d: 3×3 input, 2×2 kernel → 2×2', () => {
    expect(convShape('conv2d', 2, [1, 1, 3, 3], [1, 1, 2, 2], undefined, {})).toEqual(typed<ConvShape<'conv2d', 2, [1, 1, 3, 3], [1, 1, 2, 2], undefined, {}>>([1, 1, 2, 2]))
  })

  it('(4, 2, 3, 5) through Conv2d(2 → 3, k = (3, 5), p = (1, 2)) → (4, 3, 3, 5)', () => {
    expect(convShape('conv2d', 2, [4, 2, 3, 5], [3, 2, 3, 5], [3], { padding: [1, 2] })).toEqual(
      typed<ConvShape<'conv2d', 2, [4, 2, 3, 5], [3, 2, 3, 5], [3], { padding: [1, 2] }>>([4, 3, 3, 5]),
    )
  })

  it('8×8: k3 p1 → 8×8; k(5, 3) p(2, 1) → 8×8; k3 p1 s2 → 4×4; k(3, 5) p(0, 1) s(3, 4) → 2×2', () => {
    const x = [1, 1, 8, 8]
    expect(convShape('conv2d', 2, x, [1, 1, 3, 3], undefined, { padding: 1 })).toEqual(
      typed<ConvShape<'conv2d', 2, [1, 1, 8, 8], [1, 1, 3, 3], undefined, { padding: 1 }>>([1, 1, 8, 8]),
    )
    expect(convShape('conv2d', 2, x, [1, 1, 5, 3], undefined, { padding: [2, 1] })).toEqual(
      typed<ConvShape<'conv2d', 2, [1, 1, 8, 8], [1, 1, 5, 3], undefined, { padding: [2, 1] }>>([1, 1, 8, 8]),
    )
    expect(convShape('conv2d', 2, x, [1, 1, 3, 3], undefined, { padding: 1, stride: 2 })).toEqual(
      typed<ConvShape<'conv2d', 2, [1, 1, 8, 8], [1, 1, 3, 3], undefined, { padding: 1; stride: 2 }>>([1, 1, 4, 4]),
    )
    expect(convShape('conv2d', 2, x, [1, 1, 3, 5], undefined, { padding: [0, 1], stride: [3, 4] })).toEqual(
      typed<ConvShape<'conv2d', 2, [1, 1, 8, 8], [1, 1, 3, 5], undefined, { padding: [0, 1]; stride: [3, 4] }>>([1, 1, 2, 2]),
    )
  })

  it('MaxPool2d(k3, p1, s(2, 1)) on (1, 2, 4, 4) → (1, 2, 2, 4)', () => {
    expect(poolShape('maxPool2d', 2, [1, 2, 4, 4], { kernelSize: 3, padding: 1, stride: [2, 1] })).toEqual(
      typed<PoolShape<'maxPool2d', 2, [1, 2, 4, 4], { kernelSize: 3; padding: 1; stride: [2, 1] }>>([1, 2, 2, 4]),
    )
  })

  it('ConvTranspose2d(k3, s2, p1, op1): 32×32 → 64×64; 3×3 → 5×5 (op 0) or 6×6 (op 1)', () => {
    const w = [8, 4, 3, 3]
    expect(convTransposeShape('convTranspose2d', 2, [1, 8, 32, 32], w, undefined, { stride: 2, padding: 1, outputPadding: 1 })).toEqual(
      typed<ConvTransposeShape<'convTranspose2d', 2, [1, 8, 32, 32], [8, 4, 3, 3], undefined, { stride: 2; padding: 1; outputPadding: 1 }>>([1, 4, 64, 64]),
    )
    expect(convTransposeShape('convTranspose2d', 2, [1, 8, 3, 3], w, undefined, { stride: 2, padding: 1 })).toEqual(
      typed<ConvTransposeShape<'convTranspose2d', 2, [1, 8, 3, 3], [8, 4, 3, 3], undefined, { stride: 2; padding: 1 }>>([1, 4, 5, 5]),
    )
    expect(convTransposeShape('convTranspose2d', 2, [1, 8, 3, 3], w, undefined, { stride: 2, padding: 1, outputPadding: 1 })).toEqual(
      typed<ConvTransposeShape<'convTranspose2d', 2, [1, 8, 3, 3], [8, 4, 3, 3], undefined, { stride: 2; padding: 1; outputPadding: 1 }>>([1, 4, 6, 6]),
    )
  })

  it('LeNet-5 shapes: 28 → conv5 p2 → 28 → pool2 → 14 → conv5 → 10 → pool2 → 5', () => {
    const c1 = convShape('conv2d', 2, [64, 1, 28, 28], [6, 1, 5, 5], [6], { padding: 2 })
    expect(c1).toEqual([64, 6, 28, 28])
    const p1 = poolShape('maxPool2d', 2, c1, { kernelSize: 2 })
    expect(p1).toEqual([64, 6, 14, 14])
    const c2 = convShape('conv2d', 2, p1, [16, 6, 5, 5], [16], {})
    expect(c2).toEqual([64, 16, 10, 10])
    const p2 = poolShape('maxPool2d', 2, c2, { kernelSize: 2 })
    expect(flattenShape(p2)).toEqual([64, 400])
    expect(linearShape([64, 400], [120, 400], [120])).toEqual([64, 120])
  })
})

describe("'same' and 'valid' padding", () => {
  it("'same' at stride 1 keeps the size, with the extra pad on the right for even kernels", () => {
    expect(convShape('conv2d', 2, [1, 1, 6, 7], [1, 1, 2, 4], undefined, { padding: 'same' })).toEqual(
      typed<ConvShape<'conv2d', 2, [1, 1, 6, 7], [1, 1, 2, 4], undefined, { padding: 'same' }>>([1, 1, 6, 7]),
    )
    expect(convPadding(6, 2, 1, 'same', 1)).toEqual([0, 1])
    expect(convPadding(7, 4, 1, 'same', 1)).toEqual([1, 2])
    expect(convPadding(7, 3, 1, 'same', 2)).toEqual([2, 2])
  })

  it("'same' at stride > 1 is SAME_UPPER: ⌈in / stride⌉", () => {
    expect(convShape('conv2d', 2, [1, 1, 7, 8], [1, 1, 3, 3], undefined, { padding: 'same', stride: 2 })).toEqual(
      typed<ConvShape<'conv2d', 2, [1, 1, 7, 8], [1, 1, 3, 3], undefined, { padding: 'same'; stride: 2 }>>([1, 1, 4, 4]),
    )
    expect(convShape('conv1d', 1, [1, 1, 10], [1, 1, 4], undefined, { padding: 'same', stride: 3 })).toEqual(
      typed<ConvShape<'conv1d', 1, [1, 1, 10], [1, 1, 4], undefined, { padding: 'same'; stride: 3 }>>([1, 1, 4]),
    )
    expect(convPadding(8, 3, 2, 'same', 1)).toEqual([0, 1])
    expect(convPadding(10, 4, 3, 'same', 1)).toEqual([1, 2])
  })

  it("'valid' is padding 0", () => {
    expect(convShape('conv2d', 2, [1, 1, 7, 7], [1, 1, 3, 3], undefined, { padding: 'valid' })).toEqual(
      typed<ConvShape<'conv2d', 2, [1, 1, 7, 7], [1, 1, 3, 3], undefined, { padding: 'valid' }>>([1, 1, 5, 5]),
    )
    expect(messageOf(() => convShape('conv2d', 2, [1, 1, 2, 7], [1, 1, 3, 3], undefined, { padding: 'valid' }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 1, 2, 7], [1, 1, 3, 3], undefined, { padding: 'valid' }>>('conv2d: kernel 3 exceeds padded input 2'),
    )
  })
})

describe('conv error messages', () => {
  it('channels mismatch', () => {
    expect(messageOf(() => convShape('conv2d', 2, [1, 3, 5, 5], [2, 4, 3, 3], undefined, {}))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 3, 5, 5], [2, 4, 3, 3], undefined, {}>>('conv2d: input has 3 channels but weight expects 4'),
    )
    // With groups the weight expects Ci/groups · groups channels, and the message names groups.
    expect(messageOf(() => convShape('conv2d', 2, [1, 3, 5, 5], [4, 2, 3, 3], undefined, { groups: 2 }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 3, 5, 5], [4, 2, 3, 3], undefined, { groups: 2 }>>(
        'conv2d: input has 3 channels but weight expects 4 (groups 2 × 2 channels per group)',
      ),
    )
    // the case: groups 3 on 64 channels with a weight of 21 channels per group
    expect(messageOf(() => convShape('conv2d', 2, [1, 64, 8, 8], [63, 21, 3, 3], undefined, { groups: 3 }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 64, 8, 8], [63, 21, 3, 3], undefined, { groups: 3 }>>(
        'conv2d: input has 64 channels but weight expects 63 (groups 3 × 21 channels per group)',
      ),
    )
    expect(messageOf(() => convTransposeShape('convTranspose2d', 2, [1, 3, 5, 5], [4, 2, 3, 3], undefined, {}))).toBe(
      typed<ConvTransposeShape<'convTranspose2d', 2, [1, 3, 5, 5], [4, 2, 3, 3], undefined, {}>>('convTranspose2d: input has 3 channels but weight expects 4'),
    )
  })

  it('groups divisibility', () => {
    expect(messageOf(() => convShape('conv2d', 2, [1, 4, 5, 5], [5, 2, 3, 3], undefined, { groups: 2 }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 4, 5, 5], [5, 2, 3, 3], undefined, { groups: 2 }>>('conv2d: 5 output channels are not divisible by groups 2'),
    )
    expect(messageOf(() => convTransposeShape('convTranspose1d', 1, [1, 3, 5], [3, 2, 3], undefined, { groups: 2 }))).toBe(
      typed<ConvTransposeShape<'convTranspose1d', 1, [1, 3, 5], [3, 2, 3], undefined, { groups: 2 }>>('convTranspose1d: 3 input channels are not divisible by groups 2'),
    )
    // Depthwise (groups = channels) is fine.
    expect(convShape('conv2d', 2, [1, 4, 5, 5], [8, 1, 3, 3], undefined, { groups: 4 })).toEqual([1, 8, 3, 3])
    expect(convTransposeShape('convTranspose2d', 2, [1, 4, 5, 5], [4, 1, 3, 3], [4], { groups: 4 })).toEqual([1, 4, 7, 7])
  })

  it('bias length and rank', () => {
    expect(messageOf(() => convShape('conv2d', 2, [1, 3, 5, 5], [4, 3, 3, 3], [5], {}))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 3, 5, 5], [4, 3, 3, 3], [5], {}>>('conv2d: bias has 5 values but weight has 4 output channels'),
    )
    expect(messageOf(() => convShape('conv2d', 2, [1, 3, 5, 5], [4, 3, 3, 3], [4, 1], {}))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 3, 5, 5], [4, 3, 3, 3], [4, 1], {}>>('conv2d: bias must be [4], got [4, 1]'),
    )
    // Transposed: the bias has Co = (Co/groups) · groups values.
    expect(messageOf(() => convTransposeShape('convTranspose2d', 2, [1, 4, 5, 5], [4, 3, 3, 3], [3], { groups: 2 }))).toBe(
      typed<ConvTransposeShape<'convTranspose2d', 2, [1, 4, 5, 5], [4, 3, 3, 3], [3], { groups: 2 }>>('convTranspose2d: bias has 3 values but weight has 6 output channels'),
    )
  })

  it('input and weight layout', () => {
    expect(messageOf(() => convShape('conv2d', 2, [3, 5, 5], [4, 3, 3, 3], undefined, {}))).toBe(
      typed<ConvShape<'conv2d', 2, [3, 5, 5], [4, 3, 3, 3], undefined, {}>>('conv2d: expects input [N, C, H, W], got [3, 5, 5]'),
    )
    expect(messageOf(() => convShape('conv1d', 1, [1, 3], [4, 3, 3], undefined, {}))).toBe(
      typed<ConvShape<'conv1d', 1, [1, 3], [4, 3, 3], undefined, {}>>('conv1d: expects input [N, C, L], got [1, 3]'),
    )
    expect(messageOf(() => convShape('conv2d', 2, [1, 3, 5, 5], [4, 3, 3], undefined, {}))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 3, 5, 5], [4, 3, 3], undefined, {}>>('conv2d: weight must be [Co, Ci/groups, 2 kernel dims], got [4, 3, 3]'),
    )
    expect(messageOf(() => convTransposeShape('convTranspose1d', 1, [1, 3, 5], [3, 2, 3, 3], undefined, {}))).toBe(
      typed<ConvTransposeShape<'convTranspose1d', 1, [1, 3, 5], [3, 2, 3, 3], undefined, {}>>('convTranspose1d: weight must be [Ci, Co/groups, 1 kernel dims], got [3, 2, 3, 3]'),
    )
    expect(layoutText(3)).toBe('[N, C, D, H, W]')
    expect(layoutText(4)).toBe('[N, C, …4 spatial dims]')
  })

  it('kernel larger than the padded input', () => {
    expect(messageOf(() => convShape('conv2d', 2, [1, 1, 3, 3], [1, 1, 5, 5], undefined, {}))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 1, 3, 3], [1, 1, 5, 5], undefined, {}>>('conv2d: kernel 5 exceeds padded input 3'),
    )
    // Dilation enlarges the kernel: 2·(3 − 1) + 1 = 5.
    expect(messageOf(() => convShape('conv2d', 2, [1, 1, 9, 3], [1, 1, 3, 3], undefined, { dilation: 2 }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 1, 9, 3], [1, 1, 3, 3], undefined, { dilation: 2 }>>('conv2d: kernel 5 exceeds padded input 3'),
    )
    expect(convShape('conv2d', 2, [1, 1, 3, 3], [1, 1, 5, 5], undefined, { padding: 1 })).toEqual([1, 1, 1, 1])
    expect(messageOf(() => convAxis('conv1d', 2, 4, 1, 0, 1))).toBe('conv1d: kernel 4 exceeds padded input 2')
  })

  it('options validation: stride, dilation, groups positive; padding non-negative; all integers', () => {
    const x = [1, 2, 5, 5]
    const w = [2, 2, 3, 3]
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { stride: 0 }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 2, 5, 5], [2, 2, 3, 3], undefined, { stride: 0 }>>('conv2d: stride must be a positive integer, got 0'),
    )
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { stride: [1, 0] }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 2, 5, 5], [2, 2, 3, 3], undefined, { stride: [1, 0] }>>('conv2d: stride must be a positive integer, got 0'),
    )
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { padding: -1 }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 2, 5, 5], [2, 2, 3, 3], undefined, { padding: -1 }>>('conv2d: padding must be a non-negative integer, got -1'),
    )
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { stride: 1.5 }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 2, 5, 5], [2, 2, 3, 3], undefined, { stride: 1.5 }>>('conv2d: stride must be an integer, got 1.5'),
    )
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { padding: [0, 0.5] }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 2, 5, 5], [2, 2, 3, 3], undefined, { padding: [0, 0.5] }>>('conv2d: padding must be an integer, got 0.5'),
    )
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { dilation: 0 }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 2, 5, 5], [2, 2, 3, 3], undefined, { dilation: 0 }>>('conv2d: dilation must be a positive integer, got 0'),
    )
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { groups: 0 }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 2, 5, 5], [2, 2, 3, 3], undefined, { groups: 0 }>>('conv2d: groups must be a positive integer, got 0'),
    )
    // The first offending option in the order stride, dilation, groups, padding.
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { padding: -1, groups: 0 }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 2, 5, 5], [2, 2, 3, 3], undefined, { padding: -1; groups: 0 }>>('conv2d: groups must be a positive integer, got 0'),
    )
    // Options are checked before shapes.
    expect(messageOf(() => convShape('conv2d', 2, [3], w, undefined, { stride: 0 }))).toBe(
      typed<ConvShape<'conv2d', 2, [3], [2, 2, 3, 3], undefined, { stride: 0 }>>('conv2d: stride must be a positive integer, got 0'),
    )
    expect(messageOf(() => convTransposeShape('convTranspose2d', 2, x, w, undefined, { outputPadding: -1 }))).toBe(
      typed<ConvTransposeShape<'convTranspose2d', 2, [1, 2, 5, 5], [2, 2, 3, 3], undefined, { outputPadding: -1 }>>(
        'convTranspose2d: outputPadding must be a non-negative integer, got -1',
      ),
    )
    expect(messageOf(() => checkOptions('op', { padding: Number.NaN }, [], ['padding']))).toBe('op: padding must be an integer, got NaN')
  })

  it('outputPadding must be smaller than the stride or the dilation', () => {
    expect(messageOf(() => convTransposeShape('convTranspose2d', 2, [1, 2, 5, 5], [2, 2, 3, 3], undefined, { stride: 2, outputPadding: 2 }))).toBe(
      typed<ConvTransposeShape<'convTranspose2d', 2, [1, 2, 5, 5], [2, 2, 3, 3], undefined, { stride: 2; outputPadding: 2 }>>(
        'convTranspose2d: outputPadding 2 must be smaller than stride 2 or dilation 1',
      ),
    )
    // Smaller than the dilation is enough (PyTorch's rule).
    expect(convTransposeShape('convTranspose2d', 2, [1, 2, 4, 4], [2, 3, 3, 3], undefined, { padding: 1, outputPadding: 1, dilation: 2 })).toEqual(
      typed<ConvTransposeShape<'convTranspose2d', 2, [1, 2, 4, 4], [2, 3, 3, 3], undefined, { padding: 1; outputPadding: 1; dilation: 2 }>>([1, 3, 7, 7]),
    )
    expect(messageOf(() => convTransposeAxis('convTranspose1d', 4, 3, 1, 0, 1, 1))).toBe('convTranspose1d: outputPadding 1 must be smaller than stride 1 or dilation 1')
  })

  it('transposed output size must be positive', () => {
    expect(messageOf(() => convTransposeShape('convTranspose1d', 1, [1, 1, 1], [1, 1, 2], undefined, { padding: 1 }))).toBe(
      typed<ConvTransposeShape<'convTranspose1d', 1, [1, 1, 1], [1, 1, 2], undefined, { padding: 1 }>>('convTranspose1d: output size 0 is not positive'),
    )
    expect(messageOf(() => convTransposeShape('convTranspose1d', 1, [1, 1, 1], [1, 1, 1], undefined, { padding: 1 }))).toBe(
      typed<ConvTransposeShape<'convTranspose1d', 1, [1, 1, 1], [1, 1, 1], undefined, { padding: 1 }>>('convTranspose1d: output size -1 is not positive'),
    )
  })
})

describe('pooling error messages', () => {
  it('padding may be at most half the kernel', () => {
    expect(messageOf(() => poolShape('maxPool2d', 2, [1, 1, 8, 8], { kernelSize: 3, padding: 2 }))).toBe(
      typed<PoolShape<'maxPool2d', 2, [1, 1, 8, 8], { kernelSize: 3; padding: 2 }>>('maxPool2d: padding 2 exceeds half the kernel 3'),
    )
    expect(poolShape('avgPool2d', 2, [1, 1, 8, 8], { kernelSize: 2, padding: 1 })).toEqual([1, 1, 5, 5])
    expect(messageOf(() => poolAxis('avgPool1d', 8, 1, 1, 1, 1, false))).toBe('avgPool1d: padding 1 exceeds half the kernel 1')
  })

  it('kernel larger than the padded input', () => {
    expect(messageOf(() => poolShape('maxPool2d', 2, [1, 1, 3, 3], { kernelSize: 5 }))).toBe(
      typed<PoolShape<'maxPool2d', 2, [1, 1, 3, 3], { kernelSize: 5 }>>('maxPool2d: kernel 5 exceeds padded input 3'),
    )
    expect(messageOf(() => poolShape('maxPool1d', 1, [1, 1, 4], { kernelSize: 3, dilation: 2 }))).toBe(
      typed<PoolShape<'maxPool1d', 1, [1, 1, 4], { kernelSize: 3; dilation: 2 }>>('maxPool1d: kernel 5 exceeds padded input 4'),
    )
  })

  it('options validation and layout', () => {
    expect(messageOf(() => poolShape('maxPool2d', 2, [1, 1, 4, 4], { kernelSize: 0 }))).toBe(
      typed<PoolShape<'maxPool2d', 2, [1, 1, 4, 4], { kernelSize: 0 }>>('maxPool2d: kernelSize must be a positive integer, got 0'),
    )
    expect(messageOf(() => poolShape('avgPool2d', 2, [1, 1, 4, 4], { kernelSize: 2, stride: [1, 0] }))).toBe(
      typed<PoolShape<'avgPool2d', 2, [1, 1, 4, 4], { kernelSize: 2; stride: [1, 0] }>>('avgPool2d: stride must be a positive integer, got 0'),
    )
    expect(messageOf(() => poolShape('avgPool1d', 1, [1, 1, 4], { kernelSize: 2, padding: -1 }))).toBe(
      typed<PoolShape<'avgPool1d', 1, [1, 1, 4], { kernelSize: 2; padding: -1 }>>('avgPool1d: padding must be a non-negative integer, got -1'),
    )
    expect(messageOf(() => poolShape('maxPool2d', 2, [1, 4, 4], { kernelSize: 2 }))).toBe(
      typed<PoolShape<'maxPool2d', 2, [1, 4, 4], { kernelSize: 2 }>>('maxPool2d: expects input [N, C, H, W], got [1, 4, 4]'),
    )
  })

  it('ceilMode: one more window when the stride does not divide, unless it would start in the right padding', () => {
    expect(poolShape('maxPool2d', 2, [1, 1, 7, 7], { kernelSize: 2, stride: 2, ceilMode: true })).toEqual(
      typed<PoolShape<'maxPool2d', 2, [1, 1, 7, 7], { kernelSize: 2; stride: 2; ceilMode: true }>>([1, 1, 4, 4]),
    )
    expect(poolShape('maxPool2d', 2, [1, 1, 7, 7], { kernelSize: 2, stride: 2 })).toEqual([1, 1, 3, 3])
    // 5 + 2·1 padded, k2 s2: ⌈5/2⌉ + 1 = 4 windows, but the 4th would start at 6 = in + pad: dropped.
    expect(poolShape('maxPool2d', 2, [1, 2, 5, 5], { kernelSize: 2, stride: 2, padding: 1, ceilMode: true })).toEqual(
      typed<PoolShape<'maxPool2d', 2, [1, 2, 5, 5], { kernelSize: 2; stride: 2; padding: 1; ceilMode: true }>>([1, 2, 3, 3]),
    )
    expect(poolShape('maxPool1d', 1, [1, 2, 7], { kernelSize: 2, stride: 3, padding: 1, ceilMode: true })).toEqual([1, 2, 3])
  })
})

describe('other image ops', () => {
  it('upsample, batchNorm2d, adaptive and global pooling', () => {
    expect(upsampleShape([1, 2, 3, 4], { scaleFactor: [2, 3] })).toEqual(typed<UpsampleShape<[1, 2, 3, 4], { scaleFactor: [2, 3] }>>([1, 2, 6, 12]))
    expect(upsampleShape([1, 2, 3, 4], { size: [5, 7] })).toEqual(typed<UpsampleShape<[1, 2, 3, 4], { size: [5, 7] }>>([1, 2, 5, 7]))
    expect(messageOf(() => upsampleShape([1, 2, 3, 4], {}))).toBe(typed<UpsampleShape<[1, 2, 3, 4], {}>>('upsample: needs scaleFactor or size'))
    expect(messageOf(() => upsampleShape([2, 3, 4], { scaleFactor: 2 }))).toBe(
      typed<UpsampleShape<[2, 3, 4], { scaleFactor: 2 }>>('upsample: expects input [N, C, H, W], got [2, 3, 4]'),
    )
    expect(messageOf(() => upsampleShape([1, 2, 3, 4], { scaleFactor: 1.5 }))).toBe(
      typed<UpsampleShape<[1, 2, 3, 4], { scaleFactor: 1.5 }>>('upsample: scaleFactor must be an integer, got 1.5'),
    )
    expect(messageOf(() => upsampleShape([1, 2, 3, 4], { size: 0 }))).toBe(
      typed<UpsampleShape<[1, 2, 3, 4], { size: 0 }>>('upsample: size must be a positive integer, got 0'),
    )
    expect(batchNormShape([2, 3, 4, 5], [3])).toEqual(typed<BatchNormShape<[2, 3, 4, 5], [3]>>([2, 3, 4, 5]))
    expect(messageOf(() => batchNormShape([2, 3, 4, 5], [4]))).toBe(
      typed<BatchNormShape<[2, 3, 4, 5], [4]>>('batchNorm2d: input has 3 channels but parameters have 4'),
    )
    expect(messageOf(() => batchNormShape([2, 3, 4, 5], [3, 1]))).toBe(typed<BatchNormShape<[2, 3, 4, 5], [3, 1]>>('batchNorm2d: parameters must be [C], got [3, 1]'))
    expect(messageOf(() => batchNormShape([2, 3], [3]))).toBe(typed<BatchNormShape<[2, 3], [3]>>('batchNorm2d: expects input [N, C, H, W], got [2, 3]'))
    expect(adaptivePoolShape('adaptiveAvgPool2d', 2, [2, 3, 7, 7], [3, 2])).toEqual(typed<AdaptivePoolShape<'adaptiveAvgPool2d', 2, [2, 3, 7, 7], [3, 2]>>([2, 3, 3, 2]))
    expect(adaptivePoolShape('adaptiveAvgPool2d', 2, [2, 3, 7, 7], 1)).toEqual(typed<AdaptivePoolShape<'adaptiveAvgPool2d', 2, [2, 3, 7, 7], 1>>([2, 3, 1, 1]))
    expect(messageOf(() => adaptivePoolShape('adaptiveAvgPool2d', 2, [2, 3, 7, 7], 0))).toBe(
      typed<AdaptivePoolShape<'adaptiveAvgPool2d', 2, [2, 3, 7, 7], 0>>('adaptiveAvgPool2d: outputSize must be a positive integer, got 0'),
    )
    expect(globalPoolShape('globalAvgPool2d', [2, 3, 7, 7])).toEqual(typed<GlobalPoolShape<'globalAvgPool2d', [2, 3, 7, 7]>>([2, 3]))
    expect(messageOf(() => globalPoolShape('globalMaxPool2d', [2, 3]))).toBe(
      typed<GlobalPoolShape<'globalMaxPool2d', [2, 3]>>('globalMaxPool2d: expects input [N, C, H, W], got [2, 3]'),
    )
  })
})

describe('layout error messages', () => {
  it('reshape', () => {
    expect(messageOf(() => reshapeShape([5, 6], [4, -1]))).toBe(typed<Reshape<[5, 6], [4, -1]>>('reshape: 30 elements cannot become [4, -1]'))
    expect(messageOf(() => reshapeShape([5, 6], [4, 8]))).toBe(typed<Reshape<[5, 6], [4, 8]>>('reshape: 30 elements cannot become [4, 8]'))
    expect(messageOf(() => reshapeShape([5, 6], [-1, -1]))).toBe(typed<Reshape<[5, 6], [-1, -1]>>('reshape: at most one -1 is allowed, got [-1, -1]'))
    // A known 0 dim leaves the -1 undetermined.
    expect(messageOf(() => reshapeShape([0, 3], [0, -1]))).toBe(typed<Reshape<[0, 3], [0, -1]>>('reshape: 0 elements cannot become [0, -1]'))
    expect(reshapeShape([2, 3, 4], [4, -1])).toEqual(typed<Reshape<[2, 3, 4], [4, -1]>>([4, 6]))
    expect(reshapeShape([1], [])).toEqual(typed<Reshape<[1], []>>([]))
    expect(reshapeShape([], [1, 1])).toEqual(typed<Reshape<[], [1, 1]>>([1, 1]))
  })

  it('broadcast failures name the op and both shapes', () => {
    expect(messageOf(() => broadcastShapes('add', [2, 3], [4]))).toBe(typed<Broadcast<'add', [2, 3], [4]>>('add: shapes [2, 3] and [4] cannot be broadcast'))
    expect(messageOf(() => broadcastShapes('mul', [2, 1, 3], [4, 2]))).toBe(typed<Broadcast<'mul', [2, 1, 3], [4, 2]>>('mul: shapes [2, 1, 3] and [4, 2] cannot be broadcast'))
    expect(broadcastShapes('add', [2, 1, 4], [3, 1])).toEqual(typed<Broadcast<'add', [2, 1, 4], [3, 1]>>([2, 3, 4]))
    expect(broadcastShapes('add', [], [2, 3])).toEqual(typed<Broadcast<'add', [], [2, 3]>>([2, 3]))
    expect(broadcastShapes('add', [1], [0])).toEqual(typed<Broadcast<'add', [1], [0]>>([0]))
    expect(messageOf(() => broadcastShapes('where', [3], [2]))).toBe(typed<Where<[3], [2], [1]>>('where: shapes [3] and [2] cannot be broadcast'))
  })

  it('axis out of range', () => {
    expect(messageOf(() => flattenShape([2, 3, 4], -4))).toBe(typed<Flatten<[2, 3, 4], -4>>('flatten: axis -4 is out of range for rank 3'))
    expect(messageOf(() => flattenShape([2, 3, 4], 3))).toBe(typed<Flatten<[2, 3, 4], 3>>('flatten: axis 3 is out of range for rank 3'))
    expect(messageOf(() => reduceShape('sum', [2, 3], 2, false))).toBe(typed<Reduce<'sum', [2, 3], 2, false>>('sum: axis 2 is out of range for rank 2'))
    expect(messageOf(() => reduceShape('mean', [2, 3], [0, -3], true))).toBe(typed<Reduce<'mean', [2, 3], [0, -3], true>>('mean: axis -3 is out of range for rank 2'))
    expect(messageOf(() => transposeShape([2, 3], 0, 2))).toBe(typed<Transpose<[2, 3], 0, 2>>('transpose: axis 2 is out of range for rank 2'))
    expect(messageOf(() => normalizeAxis('softmax', -1, 0))).toBe('softmax: axis -1 is out of range for rank 0')
    expect(flattenShape([2, 3, 4, 5], -2)).toEqual(typed<Flatten<[2, 3, 4, 5], -2>>([2, 3, 20]))
    expect(reduceShape('sum', [2, 3, 4], [-1, 0], true)).toEqual(typed<Reduce<'sum', [2, 3, 4], [-1, 0], true>>([1, 3, 1]))
    expect(reduceShape('max', [2, 3, 4], [0, 2], false)).toEqual(typed<Reduce<'max', [2, 3, 4], [0, 2], false>>([3]))
    expect(reduceShape('sum', [2, 3, 4], 1, true)).toEqual(typed<Reduce<'sum', [2, 3, 4], 1, true>>([2, 1, 4]))
    expect(reduceShape('sum', [2, 3, 4], undefined, false)).toEqual(typed<Reduce<'sum', [2, 3, 4], undefined, false>>([]))
  })

  it('permutation', () => {
    expect(messageOf(() => permuteShape([2, 3], [0, 0]))).toBe(typed<Permute<[2, 3], [0, 0]>>('permute: [0, 0] is not a permutation of the 2 dims of [2, 3]'))
    expect(messageOf(() => permuteShape([2, 3], [0]))).toBe(typed<Permute<[2, 3], [0]>>('permute: [0] is not a permutation of the 2 dims of [2, 3]'))
    expect(messageOf(() => permuteShape([2, 3], [1, 2]))).toBe(typed<Permute<[2, 3], [1, 2]>>('permute: [1, 2] is not a permutation of the 2 dims of [2, 3]'))
    expect(permuteShape([2, 3, 4], [2, 0, 1])).toEqual(typed<Permute<[2, 3, 4], [2, 0, 1]>>([4, 2, 3]))
  })

  it('concat', () => {
    expect(messageOf(() => concatShape([[2, 3], [2, 4]], 0))).toBe(typed<Concat<[[2, 3], [2, 4]], 0>>('concat: shapes [2, 3] and [2, 4] differ outside axis 0'))
    expect(messageOf(() => concatShape([[2, 3], [2, 3, 1]], 0))).toBe(typed<Concat<[[2, 3], [2, 3, 1]], 0>>('concat: shapes [2, 3] and [2, 3, 1] have different ranks'))
    // The message shows the shape accumulated so far, and the normalized axis.
    expect(messageOf(() => concatShape([[2, 3], [2, 1], [3, 1]], -1))).toBe(
      typed<Concat<[[2, 3], [2, 1], [3, 1]], -1>>('concat: shapes [2, 4] and [3, 1] differ outside axis 1'),
    )
    expect(messageOf(() => concatShape([[2, 3]], 2))).toBe(typed<Concat<[[2, 3]], 2>>('concat: axis 2 is out of range for rank 2'))
    expect(messageOf(() => concatShape([], 0))).toBe(typed<Concat<[], 0>>('concat: needs at least one tensor'))
    expect(concatShape([[2, 3], [2, 4]], 1)).toEqual(typed<Concat<[[2, 3], [2, 4]], 1>>([2, 7]))
  })

  it('linear', () => {
    expect(messageOf(() => linearShape([2, 5], [3, 4]))).toBe(typed<Linear<[2, 5], [3, 4]>>('linear: input has 5 features but weight expects 4'))
    expect(messageOf(() => linearShape([2, 5], [5]))).toBe(typed<Linear<[2, 5], [5]>>('linear: weight must be [out, in], got [5]'))
    expect(messageOf(() => linearShape([2, 5], [3, 5], [4]))).toBe(typed<Linear<[2, 5], [3, 5], [4]>>('linear: bias has 4 features but weight has 3 outputs'))
    expect(messageOf(() => linearShape([], [3, 5]))).toBe(typed<Linear<[], [3, 5]>>('linear: input must have rank ≥ 1, got a scalar'))
    expect(linearShape([2, 7, 5], [3, 5], [3])).toEqual(typed<Linear<[2, 7, 5], [3, 5], [3]>>([2, 7, 3]))
  })

  it('matmul', () => {
    expect(messageOf(() => matmulShape([2, 3], [4, 5]))).toBe(typed<Matmul<[2, 3], [4, 5]>>('matmul: inner dims differ: [2, 3] has 3 but [4, 5] has 4'))
    expect(messageOf(() => matmulShape([3], [4]))).toBe(typed<Matmul<[3], [4]>>('matmul: inner dims differ: [3] has 3 but [4] has 4'))
    // 1-D operands are named as given, at both levels.
    expect(messageOf(() => matmulShape([3], [4, 5]))).toBe(typed<Matmul<[3], [4, 5]>>('matmul: inner dims differ: [3] has 3 but [4, 5] has 4'))
    expect(messageOf(() => matmulShape([2, 3], [4]))).toBe(typed<Matmul<[2, 3], [4]>>('matmul: inner dims differ: [2, 3] has 3 but [4] has 4'))
    expect(messageOf(() => matmulShape([2, 3, 4], [3, 4, 5]))).toBe(typed<Matmul<[2, 3, 4], [3, 4, 5]>>('matmul: shapes [2] and [3] cannot be broadcast'))
    expect(messageOf(() => matmulShape([], [3]))).toBe(typed<Matmul<[], [3]>>('matmul: operands must have rank ≥ 1, got [] and [3]'))
    expect(messageOf(() => matmulShape([2, 3], []))).toBe(typed<Matmul<[2, 3], []>>('matmul: operands must have rank ≥ 1, got [2, 3] and []'))
    expect(matmulShape([2, 1, 3, 4], [5, 4, 2])).toEqual(typed<Matmul<[2, 1, 3, 4], [5, 4, 2]>>([2, 5, 3, 2]))
    expect(matmulShape([4], [2, 4, 3])).toEqual(typed<Matmul<[4], [2, 4, 3]>>([2, 3]))
    expect(matmulShape([4], [4])).toEqual(typed<Matmul<[4], [4]>>([]))
  })

  it('pad and slice (run-time only rules)', () => {
    expect(padShape([2, 3], [[1, 2]])).toEqual([5, 3])
    expect(messageOf(() => padShape([2, 3], [[0, 0], [0, 0], [1, 1]]))).toBe('pad: 3 padding pairs for a tensor of rank 2')
    expect(messageOf(() => padShape([2, 3], [[-2, -1]]))).toBe('pad: dim 0 of size 2 cannot shrink by 3')
    expect(padShape([4], [[-1, -1]])).toEqual([2])
    expect(sliceShape([5, 6], { start: [-3, 1], end: [-1, 6] })).toEqual([2, 5])
    expect(sliceShape([5, 6], { start: [0, -6], end: [100, -2], step: [2, 1] })).toEqual([3, 4])
    expect(sliceShape([5, 6], { start: [4], end: [2] })).toEqual([0, 6])
    expect(messageOf(() => sliceShape([5, 6], { start: [0], end: [5], step: [0] }))).toBe('slice: step must be a positive integer, got 0')
    expect(messageOf(() => sliceShape([5], { start: [0, 0], end: [5] }))).toBe('slice: more bounds than the 1 dims of [5]')
  })

  it('nested literals', () => {
    expect(shapeOfNested([[1, 2, 3], [4, 5, 6]])).toEqual(typed<ShapeOfNested<[[1, 2, 3], [4, 5, 6]]>>([2, 3]))
    expect(shapeOfNested(7)).toEqual(typed<ShapeOfNested<7>>([]))
    expect(shapeOfNested([])).toEqual([0])
    expect(messageOf(() => shapeOfNested([[1, 2], [3]]))).toBe(typed<ShapeOfNested<[[1, 2], [3]]>>('tensor: rows have different lengths'))
    expect(messageOf(() => shapeOfNested([1, [2]]))).toBe(typed<ShapeOfNested<[1, [2]]>>('tensor: rows have different lengths'))
    expect(messageOf(() => shapeOfNested([[[1, 2]], [[3]]]))).toBe(typed<ShapeOfNested<[[[1, 2]], [[3]]]>>('tensor: rows have different lengths'))
    expect(shapeText([])).toBe('[]')
    expect(shapeText([4, -1])).toBe('[4, -1]')
  })
})

describe('option spelling (src/shape/options.ts: the type-level checks and their twins)', () => {
  const x = [1, 3, 8, 8]
  const w = [4, 3, 3, 3]

  it('unknown keys, a typo next to valid keys too, name the key and list the known ones', () => {
    expect(messageOf(() => checkKeys('conv2d', { stide: 2, padding: 1 }, convSpec, []))).toBe(
      typed<CheckKeys<'conv2d', { stide: 2; padding: 1 }, ConvSpec, never>>(
        "conv2d: unknown option 'stide' (known: stride, padding, dilation, groups)",
      ),
    )
    expect(messageOf(() => checkKeys('convTranspose2d', { output_padding: 1 }, convTransposeSpec, []))).toBe(
      typed<CheckKeys<'convTranspose2d', { output_padding: 1 }, ConvTransposeSpec, never>>(
        "convTranspose2d: unknown option 'output_padding' (known: stride, padding, outputPadding, dilation, groups)",
      ),
    )
    expect(messageOf(() => checkKeys('avgPool2d', { kernelSize: 2, dilation: 2 }, avgPoolSpec, ['kernelSize']))).toBe(
      typed<CheckKeys<'avgPool2d', { kernelSize: 2; dilation: 2 }, AvgPoolSpec, 'kernelSize'>>(
        "avgPool2d: unknown option 'dilation' (known: kernelSize, stride, padding, ceilMode, countIncludePad)",
      ),
    )
  })

  it('a required key that is missing: maxPool2d({})', () => {
    expect(messageOf(() => checkKeys('maxPool2d', {}, maxPoolSpec, ['kernelSize']))).toBe(
      typed<CheckKeys<'maxPool2d', {}, MaxPoolSpec, 'kernelSize'>>('maxPool2d: kernelSize is required'),
    )
  })

  it("values of the wrong kind: padding 'SAME', a string stride, a tuple groups, a string in a tuple, a number flag", () => {
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { padding: 'SAME' as never }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 3, 8, 8], [4, 3, 3, 3], undefined, { padding: 'SAME' }>>(
        "conv2d: padding must be a number, [number, number], 'same' or 'valid', got 'SAME'",
      ),
    )
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { stride: '2' as never }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 3, 8, 8], [4, 3, 3, 3], undefined, { stride: '2' }>>("conv2d: stride must be a number or [number, number], got '2'"),
    )
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { stride: ['2', 2] as never }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 3, 8, 8], [4, 3, 3, 3], undefined, { stride: ['2', 2] }>>(
        "conv2d: stride must be a number or [number, number], got ['2', 2]",
      ),
    )
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { groups: [1, 1] as never }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 3, 8, 8], [4, 3, 3, 3], undefined, { groups: [1, 1] }>>('conv2d: groups must be a number, got [1, 1]'),
    )
    expect(messageOf(() => convTransposeShape('convTranspose1d', 1, [1, 3, 8], [3, 2, 3], undefined, { padding: 'same' as never }))).toBe(
      typed<ConvTransposeShape<'convTranspose1d', 1, [1, 3, 8], [3, 2, 3], undefined, { padding: 'same' }>>(
        "convTranspose1d: padding must be a number or [number], got 'same'",
      ),
    )
    expect(messageOf(() => poolShape('maxPool2d', 2, x, { kernelSize: 2, ceilMode: 1 as never }))).toBe(
      typed<PoolShape<'maxPool2d', 2, [1, 3, 8, 8], { kernelSize: 2; ceilMode: 1 }>>('maxPool2d: ceilMode must be true or false, got 1'),
    )
    expect(messageOf(() => upsampleShape(x, { scaleFactor: 2, mode: 'bicubic' as never }))).toBe(
      typed<UpsampleShape<[1, 3, 8, 8], { scaleFactor: 2; mode: 'bicubic' }>>("upsample: mode must be 'nearest' or 'bilinear', got 'bicubic'"),
    )
  })

  it('a one-element tuple means that value on every axis (PyTorch); any other wrong length is named', () => {
    expect(convShape('conv2d', 2, x, w, undefined, { stride: [2] })).toEqual(
      typed<ConvShape<'conv2d', 2, [1, 3, 8, 8], [4, 3, 3, 3], undefined, { stride: [2] }>>([1, 4, 3, 3]),
    )
    expect(convShape('conv2d', 2, x, w, undefined, { stride: [2] })).toEqual(convShape('conv2d', 2, x, w, undefined, { stride: 2 }))
    expect(poolShape('maxPool2d', 2, x, { kernelSize: [2] })).toEqual(typed<PoolShape<'maxPool2d', 2, [1, 3, 8, 8], { kernelSize: [2] }>>([1, 3, 4, 4]))
    expect(adaptivePoolShape('adaptiveAvgPool2d', 2, x, [3])).toEqual(typed<AdaptivePoolShape<'adaptiveAvgPool2d', 2, [1, 3, 8, 8], [3]>>([1, 3, 3, 3]))
    expect(messageOf(() => convShape('conv2d', 2, x, w, undefined, { stride: [1, 2, 3] }))).toBe(
      typed<ConvShape<'conv2d', 2, [1, 3, 8, 8], [4, 3, 3, 3], undefined, { stride: [1, 2, 3] }>>(
        'conv2d: stride has 3 values for 2 spatial axes; give one (used on every axis) or 2',
      ),
    )
    expect(messageOf(() => convShape('conv1d', 1, [1, 3, 8], [4, 3, 3], undefined, { padding: [1, 1] }))).toBe(
      typed<ConvShape<'conv1d', 1, [1, 3, 8], [4, 3, 3], undefined, { padding: [1, 1] }>>(
        'conv1d: padding has 2 values for 1 spatial axis; give one (used on every axis) or 1',
      ),
    )
    expect(messageOf(() => poolShape('avgPool2d', 2, x, { kernelSize: [2, 2, 2] }))).toBe(
      typed<PoolShape<'avgPool2d', 2, [1, 3, 8, 8], { kernelSize: [2, 2, 2] }>>(
        'avgPool2d: kernelSize has 3 values for 2 spatial axes; give one (used on every axis) or 2',
      ),
    )
  })

  it('a union of literals (padding: 0 | 1) is a type-level rule only: a run-time value is always one value', () => {
    type Refused = ConvShape<'conv2d', 2, [1, 3, 8, 8], [4, 3, 3, 3], undefined, { padding: 0 | 1 }>
    expect(typed<Refused>('conv2d: padding is a union of values; pass one literal (or a plain number) so the output has one shape')).toContain('union')
  })
})
