/** sum / mean / max / argmax and softmax / logSoftmax as lazy graph nodes. */
import { describe, expect, it } from 'vitest'
import { sum, mean, max, argmax, softmax, logSoftmax, zeros, type Tensor } from '../../src/index.ts'
import { reduceShape } from '../../src/shape/layout.ts'
import { messageOf, dtypeMessageOf, unknownShape, expectNode } from '../helpers/shapes.ts'

describe('reductions', () => {
  for (const [name, op] of Object.entries({ sum, mean, max })) {
    it(`${name}: one axis, all axes, keepDims, normalized axes attribute`, () => {
      const x = zeros([2, 3, 4])
      expect(op().op).toBe(name)
      const all: Tensor<[]> = op()(x)
      expectNode(all, { op: name, inputs: [x], shape: [], attrs: { axes: [0, 1, 2], keepDims: false } })
      const one: Tensor<[2, 4]> = op({ axis: 1 })(x)
      expectNode(one, { op: name, inputs: [x], shape: [2, 4], attrs: { axes: [1], keepDims: false } })
      const kept: Tensor<[2, 3, 1]> = op({ axis: -1, keepDims: true })(x)
      expectNode(kept, { op: name, inputs: [x], shape: [2, 3, 1], attrs: { axes: [2], keepDims: true } })
      const allKept: Tensor<[1, 1, 1]> = op({ keepDims: true })(x)
      expect(allKept.shape).toEqual([1, 1, 1])
      const several: Tensor<[3]> = op({ axis: [0, 2] })(x)
      expect(several.shape).toEqual([3])
      const severalKept: Tensor<[1, 3, 1]> = op({ axis: [-1, 0], keepDims: true })(x)
      expect(severalKept.shape).toEqual([1, 3, 1])
      expect(op({ axis: [-1, -2], keepDims: true })(x).node.params).toMatchObject({ axes: [2, 1], keepDims: true })
      // mean is float only, as in PyTorch; sum and max keep int32.
      const int = zeros([2, 3], 'int32') as unknown as Tensor<[2, 3]>
      if (name === 'mean') expect(dtypeMessageOf(() => op({ axis: 0 })(int))).toBe("mean: expects float32 input, got int32; convert it with cast('float32')")
      else expect(op({ axis: 0 })(int).dtype).toBe('int32')
    })

    it(`${name}: an out-of-range axis is named, known or unknown shape`, () => {
      // @ts-expect-error axis 3 is out of range for rank 3
      expect(messageOf(() => op({ axis: 3 })(zeros([2, 3, 4])))).toBe(`${name}: axis 3 is out of range for rank 3`)
      expect(messageOf(() => op({ axis: [0, -4] })(unknownShape(zeros([2, 3, 4]))))).toBe(`${name}: axis -4 is out of range for rank 3`)
      expect(messageOf(() => op({ axis: 3 })(unknownShape(zeros([2, 3, 4]))))).toBe(messageOf(() => reduceShape(name, [2, 3, 4], 3, false)))
    })
  }

  it('argmax: int32 indices', () => {
    const x = zeros([2, 3, 4])
    const a: Tensor<[2, 3], 'int32'> = argmax({ axis: -1 })(x)
    expectNode(a, { op: 'argmax', inputs: [x], shape: [2, 3], dtype: 'int32', attrs: { axes: [2], keepDims: false } })
    expect(argmax()(x).shape).toEqual([])
    expect(argmax()(x).dtype).toBe('int32')
    expect(argmax({ keepDims: true })(x).shape).toEqual([1, 1, 1])
    expect(messageOf(() => argmax({ axis: 5 })(unknownShape(x)))).toBe('argmax: axis 5 is out of range for rank 3')
  })
})

describe('softmax / logSoftmax', () => {
  for (const [name, op] of Object.entries({ softmax, logSoftmax })) {
    it(`${name}: keeps the shape, stores the normalized axis (default the last)`, () => {
      const x = zeros([2, 3, 4])
      expect(op().op).toBe(name)
      const y: Tensor<[2, 3, 4]> = op()(x)
      expectNode(y, { op: name, inputs: [x], shape: [2, 3, 4], attrs: { axis: 2 } })
      expect(op({ axis: -3 })(x).node.params).toEqual({ axis: 0 })
      expect(op({ axis: 1 })(x).node.params).toEqual({ axis: 1 })
      // @ts-expect-error axis 3 is out of range for rank 3
      expect(messageOf(() => op({ axis: 3 })(x))).toBe(`${name}: axis 3 is out of range for rank 3`)
      expect(messageOf(() => op({ axis: -4 })(unknownShape(x)))).toBe(`${name}: axis -4 is out of range for rank 3`)
    })
  }
})
