/** tensor, fromArray, assertShape and the Tensor handle itself. */
import { describe, expect, it } from 'vitest'
import { Tensor, tensor, fromArray, assertShape, randn, ShapeError, zeros } from '../../src/index.ts'
import { messageOf, unknownShape, expectNode } from '../helpers/shapes.ts'

describe('tensor (nested literal)', () => {
  it('infers the shape from the literal and stores the values row-major', () => {
    const x = tensor([[0, 1, 2], [3, 4, 5]])
    const typed: Tensor<[2, 3]> = x
    expectNode(typed, { op: 'constant', inputs: [], shape: [2, 3] })
    expect(Array.from(x.node.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5])
    expect(x.node.data).toBeInstanceOf(Float32Array)
    expect(x.rank).toBe(2)
    expect(x.size).toBe(6)
    expect(String(x)).toBe('Tensor<[2, 3], float32>')
  })

  it('scalars, empty arrays, deeper nesting', () => {
    const s: Tensor<[]> = tensor(7)
    expect(s.shape).toEqual([])
    expect(s.size).toBe(1)
    expect(Array.from(s.node.data as Float32Array)).toEqual([7])
    expect(tensor([]).shape).toEqual([0])
    const cube: Tensor<[2, 1, 2]> = tensor([[[1, 2]], [[3, 4]]])
    expect(cube.shape).toEqual([2, 1, 2])
  })

  it('int32 and bool dtypes', () => {
    const i = tensor([1, 2, 3], 'int32')
    expectNode(i, { op: 'constant', inputs: [], shape: [3], dtype: 'int32' })
    expect(i.node.data).toBeInstanceOf(Int32Array)
    const b = tensor([0, 2, 0], 'bool')
    expect(b.dtype).toBe('bool')
    expect(Array.from(b.node.data as Uint8Array)).toEqual([0, 1, 0])
  })

  it('ragged rows are a compile error and a run-time ShapeError', () => {
    // @ts-expect-error rows of different lengths
    expect(messageOf(() => tensor([[1, 2], [3]]))).toBe('tensor: rows have different lengths')
    // @ts-expect-error a number mixed with rows
    expect(messageOf(() => tensor([1, [2]]))).toBe('tensor: rows have different lengths')
    // @ts-expect-error rows that differ one level down
    expect(messageOf(() => tensor([[[1, 2]], [[3]]]))).toBe('tensor: rows have different lengths')
  })
})

describe('fromArray', () => {
  it('takes flat values and a shape', () => {
    const x: Tensor<[2, 3]> = fromArray([1, 2, 3, 4, 5, 6], [2, 3])
    expectNode(x, { op: 'constant', inputs: [], shape: [2, 3] })
    expect(Array.from(x.node.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6])
    const i = fromArray(new Int32Array([1, 2]), [2], 'int32')
    expect(i.dtype).toBe('int32')
    expect(i.node.data).toBeInstanceOf(Int32Array)
    expect(fromArray([5], []).shape).toEqual([])
    expect(fromArray([], [0, 3]).shape).toEqual([0, 3])
  })

  it('a wrong data length names both the length and the shape', () => {
    expect(messageOf(() => fromArray([1, 2, 3, 4, 5], [2, 3]))).toBe('fromArray: 5 values cannot fill shape [2, 3] (6 elements)')
    expect(messageOf(() => fromArray([1, 2], []))).toBe('fromArray: 2 values cannot fill shape [] (1 elements)')
  })

  it('rejects invalid shapes', () => {
    expect(messageOf(() => fromArray([1, 2], [-1, 2]))).toBe('fromArray: invalid shape [-1, 2]')
    expect(messageOf(() => fromArray([1, 2], [1.5]))).toBe('fromArray: invalid shape [1.5]')
  })
})

describe('assertShape', () => {
  it('narrows an unknown shape after checking it, returning the same tensor', () => {
    const x = unknownShape(randn([4, 3, 28, 28], { seed: 1 }))
    const typed: Tensor<[4, 3, 28, 28]> = assertShape(x, [4, 3, 28, 28])
    expect(typed).toBe(x)
    // -1 accepts any size on that dim and becomes `number`.
    const batch: Tensor<[number, 3, 28, 28]> = assertShape(x, [-1, 3, 28, 28])
    expect(batch.shape).toEqual([4, 3, 28, 28])
    expect(assertShape(unknownShape(tensor(1)), []).shape).toEqual([])
  })

  it('fails with the expected and actual shapes', () => {
    const x = unknownShape(zeros([2, 3]))
    const e = (() => {
      try {
        assertShape(x, [2, 4])
      } catch (error) {
        return error
      }
    })()
    expect(e).toBeInstanceOf(ShapeError)
    expect((e as Error).message).toBe('assertShape: expected [2, 4], got [2, 3]')
    expect(messageOf(() => assertShape(x, [2, 3, 1]))).toBe('assertShape: expected [2, 3, 1], got [2, 3]')
    expect(messageOf(() => assertShape(x, [-1]))).toBe('assertShape: expected [-1], got [2, 3]')
  })
})

describe('ShapeError', () => {
  it('is an Error named ShapeError', () => {
    const e = new ShapeError('x: y')
    expect(e).toBeInstanceOf(Error)
    expect(e.name).toBe('ShapeError')
    expect(e.message).toBe('x: y')
  })
})
