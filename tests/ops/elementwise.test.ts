/** Unary and binary elementwise ops, dropout and where as lazy graph nodes. */
import { describe, expect, it } from 'vitest'
import {
  relu, sigmoid, tanh, gelu, geluTanh, exp, log, sqrt, abs, neg, erf, leakyRelu, dropout,
  add, sub, mul, div, maximum, minimum, pow, greater, less, equal, where, zeros, tensor, type Tensor, type Shape, type DType,
} from '../../src/index.ts'
import { broadcastShapes } from '../../src/shape/layout.ts'
import { messageOf, dtypeMessageOf, unknownShape, expectNode } from '../helpers/shapes.ts'

describe('unary ops keep shape and dtype', () => {
  const unary = { relu, sigmoid, tanh, exp, log, sqrt, abs, neg, erf }
  for (const [name, op] of Object.entries(unary)) {
    it(name, () => {
      const x = zeros([2, 3, 4])
      expect(op.op).toBe(name)
      const y: Tensor<[2, 3, 4]> = op(x)
      expectNode(y, { op: name, inputs: [x], shape: [2, 3, 4] })
      expect(op(zeros([])).shape).toEqual([])
      const int = zeros([5], 'int32') as unknown as Tensor<[5]>
      if (name === 'abs' || name === 'neg') expect(op(int).dtype).toBe('int32')
      else expect(dtypeMessageOf(() => op(int))).toBe(`${name}: expects float32 input, got int32; convert it with cast('float32')`)
      expect(op(unknownShape(zeros([7, 1]))).shape).toEqual([7, 1])
    })
  }

  it('gelu: exact by default, tanh approximation as geluTanh (same op, another attribute)', () => {
    const x = zeros([3])
    expectNode(gelu(x), { op: 'gelu', inputs: [x], shape: [3], attrs: { approximate: 'none' } })
    const t: Tensor<[3]> = geluTanh(x)
    expectNode(t, { op: 'gelu', inputs: [x], shape: [3], attrs: { approximate: 'tanh' } })
  })

  it('leakyRelu: slope attribute, PyTorch’s default 0.01', () => {
    const x = zeros([2, 2])
    expectNode(leakyRelu()(x), { op: 'leakyRelu', inputs: [x], shape: [2, 2], attrs: { negativeSlope: 0.01 } })
    expectNode(leakyRelu({ negativeSlope: 0.2 })(x), { op: 'leakyRelu', inputs: [x], shape: [2, 2], attrs: { negativeSlope: 0.2 } })
  })

  it('dropout: a node in training, the identity otherwise; the rate is checked', () => {
    const x = zeros([4, 5])
    const y: Tensor<[4, 5]> = dropout({ rate: 0.5, seed: 3, training: true })(x)
    expectNode(y, { op: 'dropout', inputs: [x], shape: [4, 5], attrs: { rate: 0.5, seed: 3 } })
    expect(dropout({ rate: 0.5, seed: 3, training: false })(x)).toBe(x)
    expect(dropout({ rate: 0, seed: 3, training: true })(x)).toBe(x)
    expect(() => dropout({ rate: 1, seed: 0, training: true })).toThrow('dropout: rate must be in [0, 1), got 1')
    expect(() => dropout({ rate: -0.1, seed: 0, training: true })).toThrow('dropout: rate must be in [0, 1), got -0.1')
  })
})

/** The binary ops without their per-op types, so one loop can call them all (the static types are checked below). */
interface LooseBinary {
  (a: Tensor<Shape, DType>, b: Tensor<Shape, DType> | number): Tensor<Shape, DType>
  (b: Tensor<Shape, DType> | number): ((x: Tensor<Shape, DType>) => Tensor<Shape, DType>) & { readonly op: string }
}

describe('binary ops broadcast, in both call forms', () => {
  const arithmetic = { add, sub, mul, div, maximum, minimum, pow }
  const comparisons = { greater, less, equal }

  for (const [name, op] of Object.entries({ ...arithmetic, ...comparisons }) as [string, LooseBinary][]) {
    const outDtype = name in comparisons ? 'bool' : 'float32'
    it(`${name}: op(a, b) and op(b)(a)`, () => {
      const a = zeros([2, 1, 4])
      const b = zeros([3, 1])
      const now = op(a, b)
      expectNode(now, { op: name, inputs: [a, b], shape: [2, 3, 4], dtype: outDtype })
      const layer = op(b)
      expect(layer.op).toBe(name)
      const later = layer(a)
      expectNode(later, { op: name, inputs: [a, b], shape: [2, 3, 4], dtype: outDtype })
      // A number operand becomes a scalar constant.
      const s = op(a, 2)
      expect(s.shape).toEqual([2, 1, 4])
      expect(s.node.inputs[1].shape).toEqual([])
      expect(s.node.inputs[1].op).toBe('constant')
      expect(Array.from(s.node.inputs[1].data as Float32Array)).toEqual([2])
      expect(op(2)(a).shape).toEqual([2, 1, 4])
      expect(op(zeros([]), zeros([])).shape).toEqual([])
    })

    it(`${name}: a clash names the op and both shapes, known or unknown`, () => {
      const expected = `${name}: shapes [2, 3] and [4] cannot be broadcast`
      expect(messageOf(() => broadcastShapes(name, [2, 3], [4]))).toBe(expected)
      expect(messageOf(() => op(unknownShape(zeros([2, 3])), unknownShape(zeros([4]))))).toBe(expected)
      expect(messageOf(() => op(unknownShape(zeros([4])))(unknownShape(zeros([2, 3]))))).toBe(expected)
    })
  }

  it('known-shape clashes are compile errors too', () => {
    // @ts-expect-error add: shapes [2, 3] and [4] cannot be broadcast
    expect(messageOf(() => add(zeros([2, 3]), zeros([4])))).toBe('add: shapes [2, 3] and [4] cannot be broadcast')
    // @ts-expect-error mul: shapes [2, 3] and [4] cannot be broadcast
    expect(messageOf(() => mul(zeros([4]))(zeros([2, 3])))).toBe('mul: shapes [2, 3] and [4] cannot be broadcast')
    const ok: Tensor<[2, 3, 4]> = add(zeros([2, 3, 4]), zeros([4]))
    expect(ok.shape).toEqual([2, 3, 4])
    const later: Tensor<[2, 3, 4]> = sub(zeros([3, 1]))(zeros([2, 1, 4]))
    expect(later.shape).toEqual([2, 3, 4])
    const scalar: Tensor<[5]> = pow(zeros([5]), 2)
    expect(scalar.shape).toEqual([5])
    const cmp: Tensor<[2, 3], 'bool'> = greater(zeros([2, 3]), zeros([3]))
    expect(cmp.dtype).toBe('bool')
  })

  it('the result takes the operands’ dtype (arithmetic) or bool (comparisons); a plain number adapts', () => {
    const i = tensor([1, 2], 'int32')
    const sum: Tensor<[2], 'int32'> = add(i, 1)
    expect(sum.dtype).toBe('int32')
    const later: Tensor<[2], 'int32'> = mul(3)(i)
    expect(later.dtype).toBe('int32')
    const compared: Tensor<[2], 'bool'> = equal(i, tensor([1, 5], 'int32'))
    expect(compared.dtype).toBe('bool')
    const cmp: Tensor<[2], 'bool'> = greater(zeros([2]), 0)
    expect(cmp.dtype).toBe('bool')
    const cmpLater: Tensor<[2], 'bool'> = less(0)(zeros([2]))
    expect(cmpLater.dtype).toBe('bool')
  })
})

describe('where', () => {
  it('broadcasts all three operands; float32 result', () => {
    const c = zeros([3, 1], 'bool')
    const a = zeros([1, 4])
    const b = zeros([])
    const y: Tensor<[3, 4]> = where(c, a, b)
    expectNode(y, { op: 'where', inputs: [c, a, b], shape: [3, 4] })
    expect(where(zeros([2, 1, 3], 'bool'), zeros([2, 4, 1]), zeros([1])).shape).toEqual([2, 4, 3])
  })

  it('errors name where', () => {
    // @ts-expect-error where: shapes [3] and [2] cannot be broadcast
    expect(messageOf(() => where(zeros([3], 'bool'), zeros([2]), zeros([1])))).toBe('where: shapes [3] and [2] cannot be broadcast')
    expect(messageOf(() => where(unknownShape(zeros([3], 'bool')), unknownShape(zeros([3])), unknownShape(zeros([2, 2]))))).toBe(
      'where: shapes [3] and [2, 2] cannot be broadcast',
    )
  })
})
