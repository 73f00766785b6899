/** linear and matmul (both call forms) as lazy graph nodes. */
import { describe, expect, it } from 'vitest'
import { linear, matmul, zeros, type Tensor } from '../../src/index.ts'
import { matmulShape } from '../../src/shape/layout.ts'
import { messageOf, unknownShape, expectNode } from '../helpers/shapes.ts'

describe('linear', () => {
  it('x [..., in] · weightᵀ + bias → [..., out]', () => {
    const x = zeros([64, 400])
    const p = { weight: zeros([120, 400]), bias: zeros([120]) }
    const layer = linear(p)
    expect(layer.op).toBe('linear')
    const y: Tensor<[64, 120]> = layer(x)
    expectNode(y, { op: 'linear', inputs: [x, p.weight, p.bias], shape: [64, 120] })
    const w = zeros([4, 5])
    const x3 = zeros([2, 3, 5])
    const z: Tensor<[2, 3, 4]> = linear(w)(x3)
    expectNode(z, { op: 'linear', inputs: [x3, w], shape: [2, 3, 4] })
    const v: Tensor<[4]> = linear(w)(zeros([5]))
    expect(v.shape).toEqual([4])
  })

  it('errors: known shapes at compile time, all at run time', () => {
    // @ts-expect-error linear: input has 5 features but weight expects 4
    expect(messageOf(() => linear(zeros([3, 4]))(zeros([2, 5])))).toBe('linear: input has 5 features but weight expects 4')
    // @ts-expect-error linear: bias has 4 features but weight has 3 outputs
    expect(messageOf(() => linear({ weight: zeros([3, 5]), bias: zeros([4]) })(zeros([2, 5])))).toBe('linear: bias has 4 features but weight has 3 outputs')
    expect(messageOf(() => linear(unknownShape(zeros([3, 4])))(unknownShape(zeros([2, 5]))))).toBe('linear: input has 5 features but weight expects 4')
    expect(messageOf(() => linear(unknownShape(zeros([5])))(unknownShape(zeros([2, 5]))))).toBe('linear: weight must be [out, in], got [5]')
    expect(messageOf(() => linear(unknownShape(zeros([3, 5])))(unknownShape(zeros([]))))).toBe('linear: input must have rank ≥ 1, got a scalar')
    expect(messageOf(() => linear({ weight: unknownShape(zeros([3, 5])), bias: unknownShape(zeros([4])) })(unknownShape(zeros([2, 5]))))).toBe(
      'linear: bias has 4 features but weight has 3 outputs',
    )
  })
})

describe('matmul', () => {
  it('two operands: applies now', () => {
    const a = zeros([2, 3, 4])
    const b = zeros([4, 5])
    const y: Tensor<[2, 3, 5]> = matmul(a, b)
    expectNode(y, { op: 'matmul', inputs: [a, b], shape: [2, 3, 5] })
  })

  it('one operand: the data-last layer x ↦ x · b', () => {
    const b = zeros([4, 5])
    const layer = matmul(b)
    expect(layer.op).toBe('matmul')
    const x = zeros([3, 4])
    const y: Tensor<[3, 5]> = layer(x)
    expectNode(y, { op: 'matmul', inputs: [x, b], shape: [3, 5] })
  })

  it('torch.matmul’s 1-D and batch rules', () => {
    const vv: Tensor<[]> = matmul(zeros([4]), zeros([4]))
    expect(vv.shape).toEqual([])
    const vm: Tensor<[5]> = matmul(zeros([3]), zeros([3, 5]))
    expect(vm.shape).toEqual([5])
    const mv: Tensor<[5]> = matmul(zeros([5, 3]), zeros([3]))
    expect(mv.shape).toEqual([5])
    const bv: Tensor<[2, 3]> = matmul(zeros([4]), zeros([2, 4, 3]))
    expect(bv.shape).toEqual([2, 3])
    const bb: Tensor<[2, 5, 3, 2]> = matmul(zeros([2, 1, 3, 4]), zeros([5, 4, 2]))
    expect(bb.shape).toEqual([2, 5, 3, 2])
  })

  it('errors, both call forms, known and unknown shapes', () => {
    // @ts-expect-error matmul: inner dims differ: [2, 3] has 3 but [4, 5] has 4
    expect(messageOf(() => matmul(zeros([2, 3]), zeros([4, 5])))).toBe('matmul: inner dims differ: [2, 3] has 3 but [4, 5] has 4')
    // @ts-expect-error matmul: inner dims differ
    expect(messageOf(() => matmul(zeros([4, 5]))(zeros([2, 3])))).toBe('matmul: inner dims differ: [2, 3] has 3 but [4, 5] has 4')
    const cases: [number[], number[]][] = [
      [[2, 3], [4, 5]],
      [[3], [4, 5]],
      [[2, 3], [4]],
      [[2, 3, 4], [3, 4, 5]],
      [[], [3]],
    ]
    for (const [as, bs] of cases) {
      const expected = messageOf(() => matmulShape(as, bs))
      expect(messageOf(() => matmul(unknownShape(zeros(as)), unknownShape(zeros(bs))))).toBe(expected)
      expect(messageOf(() => matmul(unknownShape(zeros(bs)))(unknownShape(zeros(as))))).toBe(expected)
    }
  })
})
