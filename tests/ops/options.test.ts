/**
 * Options are validated where an op is built, with the texts the types give
 * (type-tests/options.test-d.ts; the rules are pinned against each other in
 * tests/shape/rules.test.ts): JavaScript callers and values that arrive at
 * run time get the same errors as the compiler gives typed code.
 */
import { describe, expect, it } from 'vitest'
import { conv2d, convTranspose2d, fromArray, maxPool2d, avgPool2d, upsample, zeros, adaptiveAvgPool2d, sum, mean, argmax } from '../../src/index.ts'
import { messageOf } from '../helpers/shapes.ts'

type Untyped = (...args: unknown[]) => unknown
const untyped = (f: unknown) => f as Untyped
const w = zeros([4, 3, 3, 3])

describe('option spelling at run time, where the op is built', () => {
  it('an unknown key, next to valid keys too, is an error (it used to be dropped: stride stayed 1)', () => {
    expect(messageOf(() => untyped(conv2d)(w, { stide: 2, padding: 1 }))).toBe(
      "conv2d: unknown option 'stide' (known: stride, padding, dilation, groups)",
    )
    expect(messageOf(() => untyped(convTranspose2d)(w, { output_padding: 1 }))).toBe(
      "convTranspose2d: unknown option 'output_padding' (known: stride, padding, outputPadding, dilation, groups)",
    )
    expect(messageOf(() => untyped(upsample)({ scale: 2 }))).toBe("upsample: unknown option 'scale' (known: scaleFactor, size, mode, alignCorners)")
    // a reduction's keepDims misspelled used to be ignored (the dims were dropped)
    expect(messageOf(() => untyped(sum)({ axis: 1, keepdims: true }))).toBe("sum: unknown option 'keepdims' (known: axis, keepDims)")
    expect(messageOf(() => untyped(argmax)({ axes: 1 }))).toBe("argmax: unknown option 'axes' (known: axis, keepDims)")
    expect(messageOf(() => untyped(mean)({ axis: '1' }))).toBe("mean: axis must be a number or an array of numbers, got '1'")
  })

  it("maxPool2d({}) without kernelSize, and options that are not an object", () => {
    expect(messageOf(() => untyped(maxPool2d)({}))).toBe('maxPool2d: kernelSize is required')
    expect(messageOf(() => untyped(avgPool2d)(2))).toBe('avgPool2d: options must be an object, got 2')
  })

  it("padding 'SAME' (it used to build shape [1, 4, NaN, NaN]), a string stride, extra tuple entries", () => {
    expect(messageOf(() => untyped(conv2d)(w, { padding: 'SAME' }))).toBe(
      "conv2d: padding must be a number, [number, number], 'same' or 'valid', got 'SAME'",
    )
    expect(messageOf(() => untyped(conv2d)(w, { stride: '2' }))).toBe("conv2d: stride must be a number or [number, number], got '2'")
    expect(messageOf(() => untyped(conv2d)(w, { stride: [1, 2, 3] }))).toBe(
      'conv2d: stride has 3 values for 2 spatial axes; give one (used on every axis) or 2',
    )
    expect(messageOf(() => untyped(maxPool2d)({ kernelSize: [2, 2, 2] }))).toBe(
      'maxPool2d: kernelSize has 3 values for 2 spatial axes; give one (used on every axis) or 2',
    )
    expect(messageOf(() => (untyped(adaptiveAvgPool2d)([2, 2, 2]) as Untyped)(zeros([1, 3, 8, 8])))).toBe(
      'adaptiveAvgPool2d: outputSize has 3 values for 2 spatial axes; give one (used on every axis) or 2',
    )
    // values are still the shape rules' business, with their own texts
    // @ts-expect-error conv2d: stride must be a positive integer, got 0
    expect(messageOf(() => conv2d(w, { stride: 0 })(zeros([1, 3, 8, 8])))).toBe('conv2d: stride must be a positive integer, got 0')
  })

  it('stride [2] on a 2-D op means 2 on both axes, as in PyTorch (it used to mean (2, 1)): the same values as stride 2', async () => {
    const x = fromArray(Array.from({ length: 64 }, (_, i) => Math.sin(i)), [1, 1, 8, 8])
    const k = fromArray(Array.from({ length: 9 }, (_, i) => i - 4), [1, 1, 3, 3])
    const tuple = conv2d(k, { stride: [2] })(x)
    const scalar = conv2d(k, { stride: 2 })(x)
    expect(tuple.shape).toEqual([1, 1, 3, 3])
    expect(Array.from(await tuple.data())).toEqual(Array.from(await scalar.data()))
    const pooled = maxPool2d({ kernelSize: [2] })(x)
    expect(pooled.shape).toEqual([1, 1, 4, 4])
    expect(Array.from(await pooled.data())).toEqual(Array.from(await maxPool2d({ kernelSize: 2 })(x).data()))
  })
})
