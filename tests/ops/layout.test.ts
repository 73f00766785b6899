/** reshape / flatten / flattenFrom / permute / transpose / concat / pad / slice as lazy graph nodes. */
import { describe, expect, it } from 'vitest'
import { reshape, flatten, flattenFrom, permute, transpose, concat, pad, slice, zeros, type Tensor } from '../../src/index.ts'
import { messageOf, unknownShape, expectNode } from '../helpers/shapes.ts'

describe('reshape', () => {
  it('to a known shape, or with one -1 inferred', () => {
    const x = zeros([2, 3, 4])
    expect(reshape([6, 4]).op).toBe('reshape')
    const a: Tensor<[6, 4]> = reshape([6, 4])(x)
    expectNode(a, { op: 'reshape', inputs: [x], shape: [6, 4] })
    const b: Tensor<[4, 6]> = reshape([4, -1])(x)
    expect(b.shape).toEqual([4, 6])
    const c: Tensor<[24]> = reshape([-1])(x)
    expect(c.shape).toEqual([24])
    expect(reshape([])(zeros([1])).shape).toEqual([])
    expect(reshape([3, -1])(zeros([2, 3, 2], 'int32')).dtype).toBe('int32')
  })

  it('errors, known and unknown shapes', () => {
    // @ts-expect-error reshape: 30 elements cannot become [4, -1]
    expect(messageOf(() => reshape([4, -1])(zeros([5, 6])))).toBe('reshape: 30 elements cannot become [4, -1]')
    expect(messageOf(() => reshape([4, -1])(unknownShape(zeros([5, 6]))))).toBe('reshape: 30 elements cannot become [4, -1]')
    // Two -1s are refused at compile time even for an unknown input shape.
    // @ts-expect-error reshape: at most one -1 is allowed, got [-1, -1]
    expect(messageOf(() => reshape([-1, -1])(unknownShape(zeros([5, 6]))))).toBe('reshape: at most one -1 is allowed, got [-1, -1]')
    expect(messageOf(() => reshape([7])(unknownShape(zeros([5, 6]))))).toBe('reshape: 30 elements cannot become [7]')
  })
})

describe('flatten / flattenFrom', () => {
  it('flatten keeps the batch dim; it is a reshape node', () => {
    const x = zeros([64, 16, 5, 5])
    expect(flatten.op).toBe('flatten')
    const y: Tensor<[64, 400]> = flatten(x)
    expectNode(y, { op: 'reshape', inputs: [x], shape: [64, 400] })
  })

  it('flattenFrom(startDim), negative counts from the end', () => {
    const x = zeros([2, 3, 4, 5])
    const a: Tensor<[120]> = flattenFrom(0)(x)
    expect(a.shape).toEqual([120])
    const b: Tensor<[2, 3, 20]> = flattenFrom(-2)(x)
    expect(b.shape).toEqual([2, 3, 20])
    const c: Tensor<[2, 3, 4, 5]> = flattenFrom(3)(x)
    expect(c.shape).toEqual([2, 3, 4, 5])
    // @ts-expect-error flatten: axis 4 is out of range for rank 4
    expect(messageOf(() => flattenFrom(4)(x))).toBe('flatten: axis 4 is out of range for rank 4')
    expect(messageOf(() => flatten(unknownShape(zeros([5]))))).toBe('flatten: axis 1 is out of range for rank 1')
  })
})

describe('permute / transpose', () => {
  it('permute: output dim i is input dim dims[i]', () => {
    const x = zeros([2, 3, 4])
    const y: Tensor<[4, 2, 3]> = permute([2, 0, 1])(x)
    expectNode(y, { op: 'permute', inputs: [x], shape: [4, 2, 3], attrs: { dims: [2, 0, 1] } })
    expect(permute([2, 0, 1]).op).toBe('permute')
    // Negative dims count from the end, as in PyTorch; the node stores them normalized.
    const n: Tensor<[4, 2, 3]> = permute([-1, 0, -2])(x)
    expectNode(n, { op: 'permute', inputs: [x], shape: [4, 2, 3], attrs: { dims: [2, 0, 1] } })
    // @ts-expect-error permute: [0, 0, 1] is not a permutation of the 3 dims of [2, 3, 4]
    expect(messageOf(() => permute([0, 0, 1])(x))).toBe('permute: [0, 0, 1] is not a permutation of the 3 dims of [2, 3, 4]')
    expect(messageOf(() => permute([1, 0])(unknownShape(x)))).toBe('permute: [1, 0] is not a permutation of the 3 dims of [2, 3, 4]')
  })

  it('transpose: a permute node swapping two dims (negative axes allowed)', () => {
    const x = zeros([2, 3, 4])
    const y: Tensor<[2, 4, 3]> = transpose(-1, -2)(x)
    expectNode(y, { op: 'permute', inputs: [x], shape: [2, 4, 3], attrs: { dims: [0, 2, 1] } })
    expect(transpose(0, 2)(x).node.params).toEqual({ dims: [2, 1, 0] })
    expect(transpose(1, 1)(x).shape).toEqual([2, 3, 4])
    expect(transpose(0, 1).op).toBe('transpose')
    // @ts-expect-error transpose: axis 3 is out of range for rank 3
    expect(messageOf(() => transpose(0, 3)(x))).toBe('transpose: axis 3 is out of range for rank 3')
    expect(messageOf(() => transpose(-4, 0)(unknownShape(x)))).toBe('transpose: axis -4 is out of range for rank 3')
  })
})

describe('concat', () => {
  it('sizes add up along the (normalized) axis; every tensor is an input', () => {
    const a = zeros([2, 3, 4])
    const b = zeros([2, 3, 1])
    const c = zeros([2, 3, 2])
    const y: Tensor<[2, 3, 7]> = concat([a, b, c], -1)
    expectNode(y, { op: 'concat', inputs: [a, b, c], shape: [2, 3, 7], attrs: { axis: 2 } })
    expect(concat([zeros([3]), zeros([5])], 0).shape).toEqual([8])
    expect(concat([zeros([2, 3], 'int32'), zeros([1, 3], 'int32')], 0).dtype).toBe('int32')
  })

  it('errors, known and unknown shapes', () => {
    // @ts-expect-error concat: shapes [2, 3] and [2, 4] differ outside axis 0
    expect(messageOf(() => concat([zeros([2, 3]), zeros([2, 4])], 0))).toBe('concat: shapes [2, 3] and [2, 4] differ outside axis 0')
    expect(messageOf(() => concat([unknownShape(zeros([2, 3])), unknownShape(zeros([2, 3, 1]))], 0))).toBe(
      'concat: shapes [2, 3] and [2, 3, 1] have different ranks',
    )
    expect(messageOf(() => concat([unknownShape(zeros([2, 3]))], 2))).toBe('concat: axis 2 is out of range for rank 2')
    expect(messageOf(() => concat([] as never, 0))).toBe('concat: needs at least one tensor')
  })
})

describe('pad / slice', () => {
  it('pad: [before, after] per dim from the first; value attribute', () => {
    const x = zeros([2, 3, 4])
    const y: Tensor<[2, 6, 8]> = pad([[0, 0], [1, 2], [3, 1]], -1.5)(x)
    expectNode(y, { op: 'pad', inputs: [x], shape: [2, 6, 8], attrs: { pads: [[0, 0], [1, 2], [3, 1]], value: -1.5 } })
    expect(pad([[1, 1]])(x).shape).toEqual([4, 3, 4])
    expect(pad([[1, 1]])(x).node.params).toMatchObject({ value: 0 })
    expect(messageOf(() => pad([[0, 0], [0, 0], [0, 0], [1, 1]])(unknownShape(x)))).toBe('pad: 4 padding pairs for a tensor of rank 3')
    expect(messageOf(() => pad([[-2, -1]])(unknownShape(x)))).toBe('pad: dim 0 of size 2 cannot shrink by 3')
  })

  it('slice: Python semantics, clamped and negative bounds', () => {
    const x = zeros([5, 6])
    const y: Tensor<[3, 3]> = slice({ start: [1, 2], end: [4, 5] })(x)
    expectNode(y, { op: 'slice', inputs: [x], shape: [3, 3], attrs: { start: [1, 2], end: [4, 5] } })
    const stepped: Tensor<[3, 2]> = slice({ start: [0, 0], end: [5, 6], step: [2, 3] })(x)
    expect(stepped.shape).toEqual([3, 2])
    expect(slice({ start: [-3, 1], end: [-1, 6] })(x).shape).toEqual([2, 5])
    expect(slice({ start: [0, -6], end: [100, -2], step: [2, 1] })(x).shape).toEqual([3, 4])
    expect(messageOf(() => slice({ start: [0], end: [5], step: [0] })(unknownShape(x)))).toBe('slice: step must be a positive integer, got 0')
    expect(messageOf(() => slice({ start: [0, 0, 0], end: [1] })(unknownShape(x)))).toBe('slice: more bounds than the 2 dims of [5, 6]')
  })
})
