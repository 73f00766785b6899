/** conv1d / conv2d / convTranspose1d / convTranspose2d as lazy graph nodes. */
import { describe, expect, it } from 'vitest'
import { conv1d, conv2d, convTranspose1d, convTranspose2d, randn, zeros, type Tensor } from '../../src/index.ts'
import { convShape, convTransposeShape } from '../../src/shape/conv.ts'
import { messageOf, unknownShape, expectNode } from '../helpers/shapes.ts'

describe('conv2d', () => {
  it('bare weight: [N, C, H, W] * [Co, C, kh, kw]', () => {
    const x = randn([4, 2, 3, 5], { seed: 1 })
    const w = randn([3, 2, 3, 5], { seed: 2 })
    const layer = conv2d(w, { padding: [1, 2] })
    expect(layer.op).toBe('conv2d')
    const y: Tensor<[4, 3, 3, 5]> = layer(x)
    expectNode(y, { op: 'conv2d', inputs: [x, w], shape: [4, 3, 3, 5], attrs: { padding: [1, 2], rank: 2 } })
  })

  it('weight and bias record: three inputs', () => {
    const x = zeros([2, 4, 7, 7])
    const p = { weight: zeros([6, 2, 3, 3]), bias: zeros([6]) }
    const y: Tensor<[2, 6, 4, 4]> = conv2d(p, { stride: 2, padding: 1, groups: 2 })(x)
    expectNode(y, { op: 'conv2d', inputs: [x, p.weight, p.bias], shape: [2, 6, 4, 4], attrs: { stride: 2, padding: 1, groups: 2, rank: 2 } })
  })

  it("no options, and 'same' / 'valid' padding", () => {
    const x = zeros([1, 3, 8, 8])
    const y: Tensor<[1, 2, 6, 6]> = conv2d(zeros([2, 3, 3, 3]))(x)
    expect(y.shape).toEqual([1, 2, 6, 6])
    expect(y.node.params).toEqual({ rank: 2 })
    const same: Tensor<[1, 2, 8, 8]> = conv2d(zeros([2, 3, 4, 4]), { padding: 'same' })(x)
    expect(same.shape).toEqual([1, 2, 8, 8])
    const same2: Tensor<[1, 2, 4, 4]> = conv2d(zeros([2, 3, 3, 3]), { padding: 'same', stride: 2 })(x)
    expect(same2.shape).toEqual([1, 2, 4, 4])
    const valid: Tensor<[1, 2, 6, 6]> = conv2d(zeros([2, 3, 3, 3]), { padding: 'valid' })(x)
    expect(valid.shape).toEqual([1, 2, 6, 6])
  })

  it('the output is float32 whatever the input dtype', () => {
    expect(conv2d(zeros([1, 1, 1, 1]))(zeros([1, 1, 2, 2])).dtype).toBe('float32')
  })

  it('a known-shape mismatch is a compile error and a run-time ShapeError with the same text', () => {
    const x = zeros([64, 3, 28, 28])
    const w = zeros([6, 1, 5, 5])
    // @ts-expect-error conv2d: input has 3 channels but weight expects 1
    expect(messageOf(() => conv2d(w)(x))).toBe('conv2d: input has 3 channels but weight expects 1')
    // @ts-expect-error conv2d: kernel 5 exceeds padded input 3
    expect(messageOf(() => conv2d(zeros([1, 1, 5, 5]))(zeros([1, 1, 3, 3])))).toBe('conv2d: kernel 5 exceeds padded input 3')
  })

  it('invalid options on known shapes are compile errors too', () => {
    const x = zeros([1, 3, 5, 5])
    const w = zeros([1, 3, 3, 3])
    // @ts-expect-error conv2d: stride must be a positive integer, got 0
    expect(messageOf(() => conv2d(w, { stride: 0 })(x))).toBe('conv2d: stride must be a positive integer, got 0')
    // @ts-expect-error conv2d: padding must be a non-negative integer, got -1
    expect(messageOf(() => conv2d(w, { padding: -1 })(x))).toBe('conv2d: padding must be a non-negative integer, got -1')
    // @ts-expect-error conv2d: dilation must be an integer, got 1.5
    expect(messageOf(() => conv2d(w, { dilation: 1.5 })(x))).toBe('conv2d: dilation must be an integer, got 1.5')
  })

  it('unknown shapes are checked at run time with the twin’s message', () => {
    const cases: [number[], number[], number[] | undefined, Record<string, unknown>][] = [
      [[1, 3, 5, 5], [2, 4, 3, 3], undefined, {}], // channels
      [[1, 4, 5, 5], [5, 2, 3, 3], undefined, { groups: 2 }], // groups
      [[1, 3, 5, 5], [4, 3, 3, 3], [5], {}], // bias length
      [[1, 3, 5, 5], [4, 3, 3, 3], [4, 1], {}], // bias rank
      [[1, 1, 3, 3], [1, 1, 5, 5], undefined, {}], // kernel too large
      [[3, 5, 5], [1, 3, 3, 3], undefined, {}], // layout
      [[1, 3, 5, 5], [1, 3, 3], undefined, {}], // weight rank
      [[1, 3, 5, 5], [1, 3, 3, 3], undefined, { stride: 0 }], // options
      [[1, 3, 5, 5], [1, 3, 3, 3], undefined, { padding: -1 }],
      [[1, 3, 5, 5], [1, 3, 3, 3], undefined, { dilation: 1.5 }],
    ]
    for (const [xs, ws, bs, options] of cases) {
      const expected = messageOf(() => convShape('conv2d', 2, xs, ws, bs, options))
      const weights = bs ? { weight: unknownShape(zeros(ws)), bias: unknownShape(zeros(bs)) } : unknownShape(zeros(ws))
      expect(messageOf(() => conv2d(weights, options)(unknownShape(zeros(xs))))).toBe(expected)
    }
    // And when the shapes fit, the unknown shape is computed at run time.
    const y: Tensor<number[]> = conv2d(unknownShape(zeros([2, 3, 3, 3])), { padding: 1 })(unknownShape(zeros([5, 3, 9, 9])))
    expect(y.shape).toEqual([5, 2, 9, 9])
  })
})

describe('conv1d', () => {
  it('[N, C, L] * [Co, C, k]', () => {
    const x = zeros([2, 3, 10])
    const p = { weight: zeros([4, 3, 3]), bias: zeros([4]) }
    const y: Tensor<[2, 4, 5]> = conv1d(p, { stride: 2, padding: 1 })(x)
    expectNode(y, { op: 'conv1d', inputs: [x, p.weight, p.bias], shape: [2, 4, 5], attrs: { stride: 2, padding: 1, rank: 1 } })
    expect(conv1d(p).op).toBe('conv1d')
  })

  it('errors name conv1d and its layout', () => {
    // @ts-expect-error conv1d: expects input [N, C, L], got [2, 3, 10, 10]
    expect(messageOf(() => conv1d(zeros([4, 3, 3]))(zeros([2, 3, 10, 10])))).toBe('conv1d: expects input [N, C, L], got [2, 3, 10, 10]')
    expect(messageOf(() => conv1d(unknownShape(zeros([4, 3, 3, 3])))(unknownShape(zeros([2, 3, 10]))))).toBe(
      'conv1d: weight must be [Co, Ci/groups, 1 kernel dims], got [4, 3, 3, 3]',
    )
  })
})

describe('convTranspose2d', () => {
  it('weight [Ci, Co/groups, kh, kw]; 32×32 → 64×64 with k3 s2 p1 op1', () => {
    const x = zeros([1, 8, 32, 32])
    const w = zeros([8, 4, 3, 3])
    const y: Tensor<[1, 4, 64, 64]> = convTranspose2d(w, { stride: 2, padding: 1, outputPadding: 1 })(x)
    expectNode(y, { op: 'convTranspose2d', inputs: [x, w], shape: [1, 4, 64, 64], attrs: { stride: 2, padding: 1, outputPadding: 1, rank: 2 } })
    const small: Tensor<[1, 4, 5, 5]> = convTranspose2d(w, { stride: 2, padding: 1 })(zeros([1, 8, 3, 3]))
    expect(small.shape).toEqual([1, 4, 5, 5])
  })

  it('groups multiply the output channels; bias has Co values', () => {
    const x = zeros([1, 4, 5, 5])
    const p = { weight: zeros([4, 3, 3, 3]), bias: zeros([6]) }
    const y: Tensor<[1, 6, 7, 7]> = convTranspose2d(p, { groups: 2 })(x)
    expectNode(y, { op: 'convTranspose2d', inputs: [x, p.weight, p.bias], shape: [1, 6, 7, 7] })
  })

  it('errors, known and unknown shapes', () => {
    // @ts-expect-error convTranspose2d: input has 3 channels but weight expects 4
    expect(messageOf(() => convTranspose2d(zeros([4, 2, 3, 3]))(zeros([1, 3, 5, 5])))).toBe('convTranspose2d: input has 3 channels but weight expects 4')
    const cases: [number[], number[], Record<string, unknown>][] = [
      [[1, 2, 5, 5], [2, 2, 3, 3], { stride: 2, outputPadding: 2 }],
      [[1, 1, 1, 1], [1, 1, 2, 2], { padding: 1 }],
      [[1, 3, 5, 5], [3, 2, 3, 3], { groups: 2 }],
      [[1, 2, 5, 5], [2, 2, 3, 3], { outputPadding: -1 }],
    ]
    for (const [xs, ws, options] of cases) {
      const expected = messageOf(() => convTransposeShape('convTranspose2d', 2, xs, ws, undefined, options))
      expect(messageOf(() => convTranspose2d(unknownShape(zeros(ws)), options)(unknownShape(zeros(xs))))).toBe(expected)
    }
  })
})

describe('convTranspose1d', () => {
  it('[N, Ci, L] → [N, Co, L′]', () => {
    const x = zeros([2, 3, 6])
    const w = zeros([3, 2, 3])
    const y: Tensor<[2, 2, 12]> = convTranspose1d(w, { stride: 2, padding: 1, outputPadding: 1 })(x)
    expectNode(y, { op: 'convTranspose1d', inputs: [x, w], shape: [2, 2, 12], attrs: { rank: 1 } })
    expect(messageOf(() => convTranspose1d(unknownShape(w), { stride: 2, outputPadding: 2 })(unknownShape(x)))).toBe(
      'convTranspose1d: outputPadding 2 must be smaller than stride 2 or dilation 1',
    )
  })
})
