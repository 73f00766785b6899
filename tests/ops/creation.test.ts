/** zeros / ones / full / arange / linspace / eye / rand / randn: lazy nodes with the right shape and attributes. */
import { describe, expect, it } from 'vitest'
import { zeros, ones, full, arange, linspace, eye, rand, randn, type Tensor } from '../../src/index.ts'
import { messageOf, expectNode } from '../helpers/shapes.ts'

describe('filled tensors', () => {
  it('zeros, ones and full are fill nodes with the value as an attribute', () => {
    const z: Tensor<[2, 3]> = zeros([2, 3])
    expectNode(z, { op: 'fill', inputs: [], shape: [2, 3], attrs: { value: 0 } })
    const o: Tensor<[4], 'int32'> = ones([4], 'int32')
    expectNode(o, { op: 'fill', inputs: [], shape: [4], dtype: 'int32', attrs: { value: 1 } })
    const f: Tensor<[1, 2, 3]> = full([1, 2, 3], 2.5)
    expectNode(f, { op: 'fill', inputs: [], shape: [1, 2, 3], attrs: { value: 2.5 } })
    expect(zeros([]).shape).toEqual([])
    expect(zeros([0, 5]).shape).toEqual([0, 5])
    expect(full([2], 1, 'bool').dtype).toBe('bool')
    // No host data: nothing is computed until it is read.
    expect(z.node.data).toBeUndefined()
  })

  it('rejects negative or fractional dims', () => {
    expect(messageOf(() => full([2, -1], 0))).toBe('full: dims must be non-negative integers, got [2, -1]')
    expect(messageOf(() => full([1.5], 0))).toBe('full: dims must be non-negative integers, got [1.5]')
    // zeros/ones delegate to full, and their message names full (reported as a gap).
    expect(messageOf(() => zeros([-1]))).toMatch(/: dims must be non-negative integers, got \[-1\]$/)
    expect(messageOf(() => ones([-1]))).toMatch(/: dims must be non-negative integers, got \[-1\]$/)
  })
})

describe('arange and linspace', () => {
  it('arange has torch.arange’s length', () => {
    const a: Tensor<[number]> = arange(5)
    expectNode(a, { op: 'arange', inputs: [], shape: [5], attrs: { start: 0, step: 1 } })
    expectNode(arange(2, 10, 3), { op: 'arange', inputs: [], shape: [3], attrs: { start: 2, step: 3 } }) // 2, 5, 8
    expect(arange(0, 1, 0.25).shape).toEqual([4])
    expect(arange(5, 0, -1).shape).toEqual([5])
    expect(arange(-3, 3).shape).toEqual([6])
    expect(arange(3, 3).shape).toEqual([0])
    expect(arange(0, 10, 3).shape).toEqual([4]) // 0, 3, 6, 9
    expect(messageOf(() => arange(0, 5, 0))).toBe('arange: step must not be 0')
  })

  it('linspace: count values with the step between them', () => {
    const l: Tensor<[5]> = linspace(0, 1, 5)
    expectNode(l, { op: 'arange', inputs: [], shape: [5], attrs: { start: 0, step: 0.25 } })
    expectNode(linspace(3, 3, 1), { op: 'arange', inputs: [], shape: [1], attrs: { start: 3, step: 0 } })
    expect(linspace(0, 1, 0).shape).toEqual([0])
    expect(linspace(2, -2, 3).node.params).toMatchObject({ start: 2, step: -2 })
    expect(messageOf(() => linspace(0, 1, -1))).toBe('linspace: dims must be non-negative integers, got [-1]')
    expect(messageOf(() => linspace(0, 1, 2.5))).toBe('linspace: dims must be non-negative integers, got [2.5]')
  })
})

describe('eye', () => {
  it('is n × n', () => {
    const i: Tensor<[3, 3]> = eye(3)
    expectNode(i, { op: 'eye', inputs: [], shape: [3, 3] })
    expect(eye(0).shape).toEqual([0, 0])
    expect(messageOf(() => eye(-2))).toBe('eye: dims must be non-negative integers, got [-2]')
  })
})

describe('rand and randn', () => {
  it('are random nodes with their distribution and seed', () => {
    const u: Tensor<[2, 3]> = rand([2, 3], { seed: 42 })
    expectNode(u, { op: 'random', inputs: [], shape: [2, 3], attrs: { distribution: 'uniform', seed: 42 } })
    const n: Tensor<[4]> = randn([4], { seed: 7 })
    expectNode(n, { op: 'random', inputs: [], shape: [4], attrs: { distribution: 'normal', seed: 7 } })
  })

  it('the same seed gives the same node attributes; unseeded calls take fresh seeds in order', () => {
    expect(randn([3], { seed: 5 }).node.params).toEqual(randn([3], { seed: 5 }).node.params)
    expect(rand([3], { seed: 5 }).node.params).toEqual(rand([3], { seed: 5 }).node.params)
    expect(randn([3], { seed: 5 }).node.params).not.toEqual(rand([3], { seed: 5 }).node.params)
    const seedOf = (t: Tensor<[2]>) => (t.node.op === 'random' ? t.node.params.seed : NaN)
    const [a, b, c] = [seedOf(randn([2])), seedOf(randn([2])), seedOf(rand([2]))]
    expect(Number.isInteger(a)).toBe(true)
    expect(b).toBe(a + 1)
    expect(c).toBe(b + 1)
    // Distinct nodes even with equal attributes.
    expect(randn([3], { seed: 5 }).node.id).not.toBe(randn([3], { seed: 5 }).node.id)
  })

  it('reject bad shapes', () => {
    expect(messageOf(() => rand([2, -3]))).toBe('rand: dims must be non-negative integers, got [2, -3]')
    expect(messageOf(() => randn([0.5]))).toBe('randn: dims must be non-negative integers, got [0.5]')
  })
})
