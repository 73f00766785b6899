/**
 * maxPool1d/2d/3d with returnIndices and maxUnpool1d/2d/3d as graph nodes: the returned pair, the
 * unpool's output sizes, and every refusal with the same message at compile time (known shapes)
 * and run time (unknown shapes). Values and gradients against PyTorch: forward/pool_indices.json.
 */
import { describe, expect, it } from 'vitest'
import { IndexError, maxPool1d, maxPool2d, maxPool3d, maxUnpool1d, maxUnpool2d, maxUnpool3d, tensor, vjp, zeros, type Tensor } from '../../src/index.ts'
import { maxUnpoolShape } from '../../src/shape/unpool.ts'
import { messageOf, dtypeMessageOf, unknownShape, expectNode } from '../helpers/shapes.ts'

describe('maxPool returnIndices', () => {
  it('returns [values, indices]: the plain pool node and an int32 node of the same shape over the same input', () => {
    const x = zeros([2, 3, 7, 7])
    const [values, indices] = maxPool2d({ kernelSize: 3, stride: 2, padding: 1, returnIndices: true })(x)
    const v: Tensor<[2, 3, 4, 4]> = values
    const i: Tensor<[2, 3, 4, 4], 'int32'> = indices
    // The values' node is exactly what a plain maxPool2d builds (returnIndices is not its parameter).
    expectNode(v, { op: 'maxPool2d', inputs: [x], shape: [2, 3, 4, 4], attrs: { kernelSize: 3, stride: 2, padding: 1, rank: 2 } })
    expect(v.node.params).not.toHaveProperty('returnIndices')
    expectNode(i, { op: 'maxPoolIndices', inputs: [x], shape: [2, 3, 4, 4], dtype: 'int32', attrs: { kernelSize: 3, rank: 2 } })
    const [v1, i1] = maxPool1d({ kernelSize: 2, returnIndices: true })(zeros([1, 2, 9]))
    expect([v1.shape, i1.shape, i1.dtype]).toEqual([[1, 2, 4], [1, 2, 4], 'int32'])
    const [v3, i3] = maxPool3d({ kernelSize: 2, returnIndices: true })(zeros([1, 2, 4, 6, 8]))
    expect([v3.shape, i3.shape]).toEqual([[1, 2, 2, 3, 4], [1, 2, 2, 3, 4]])
    // returnIndices: false is the plain layer.
    expect(maxPool2d({ kernelSize: 2, returnIndices: false })(x).shape).toEqual([2, 3, 3, 3])
  })

  it('is a flag, and a max pool option only', () => {
    // @ts-expect-error maxPool2d: returnIndices must be true or false, got 'yes' (the options' values are checked where the pool is applied)
    expect(messageOf(() => maxPool2d({ kernelSize: 2, returnIndices: 'yes' })(zeros([1, 1, 4, 4])))).toBe("maxPool2d: returnIndices must be true or false, got 'yes'")
    // @ts-expect-error maxPool2d: unknown option 'returnIndex'
    expect(messageOf(() => maxPool2d({ kernelSize: 2, returnIndex: true }))).toBe(
      "maxPool2d: unknown option 'returnIndex' (known: kernelSize, stride, padding, dilation, ceilMode, returnIndices)",
    )
  })
})

describe('maxUnpool', () => {
  const pool = maxPool2d({ kernelSize: 2, returnIndices: true })

  it('output size: (in − 1)·stride + kernel − 2·padding, or outputSize within a stride of it', () => {
    const [values, indices] = pool(zeros([2, 3, 5, 5]))
    const y: Tensor<[2, 3, 4, 4]> = maxUnpool2d(indices, { kernelSize: 2 })(values)
    expectNode(y, { op: 'maxUnpool2d', inputs: [values, indices], shape: [2, 3, 4, 4], attrs: { kernelSize: 2, rank: 2 } })
    const back: Tensor<[2, 3, 5, 5]> = maxUnpool2d(indices, { kernelSize: 2, outputSize: [5, 5] })(values)
    expect(back.shape).toEqual([2, 3, 5, 5])
    const strided: Tensor<[1, 2, 7, 7]> = maxUnpool2d(zeros([1, 2, 4, 4], 'int32'), { kernelSize: 3, stride: 2, padding: 1 })(zeros([1, 2, 4, 4]))
    expect(strided.shape).toEqual([1, 2, 7, 7])
    const [v1, i1] = maxPool1d({ kernelSize: 3, stride: 2, padding: 1, returnIndices: true })(zeros([1, 2, 10]))
    const line: Tensor<[1, 2, 10]> = maxUnpool1d(i1, { kernelSize: 3, stride: 2, padding: 1, outputSize: 10 })(v1)
    expect(line.shape).toEqual([1, 2, 10])
    const [v3, i3] = maxPool3d({ kernelSize: 2, returnIndices: true })(zeros([1, 1, 4, 4, 6]))
    const volume: Tensor<[1, 1, 4, 4, 6]> = maxUnpool3d(i3, { kernelSize: 2 })(v3)
    expect(volume.shape).toEqual([1, 1, 4, 4, 6])
    expect(maxUnpool2d(unknownShape(indices), { kernelSize: 2, outputSize: 5 })(unknownShape(values)).shape).toEqual([2, 3, 5, 5])
    // The pooled input's whole shape, as PyTorch's output_size=x.size(): N and C are not read.
    const whole: Tensor<[2, 3, 5, 5]> = maxUnpool2d(indices, { kernelSize: 2, outputSize: [2, 3, 5, 5] })(values)
    expect(whole.node.params).toMatchObject({ outputSize: [5, 5] })
    expect(maxUnpool1d(i1, { kernelSize: 3, stride: 2, padding: 1, outputSize: [1, 2, 10] })(v1).shape).toEqual([1, 2, 10])
  })

  it('refuses outputSize out of range, with one message for known and unknown shapes', () => {
    const [values, indices] = pool(zeros([1, 1, 6, 6]))
    const message = 'maxUnpool2d: outputSize 8 on spatial axis 1 must be greater than 4 and less than 8'
    // @ts-expect-error maxUnpool2d: outputSize 8 on spatial axis 1 must be greater than 4 and less than 8
    expect(messageOf(() => maxUnpool2d(indices, { kernelSize: 2, outputSize: [6, 8] })(values))).toBe(message)
    expect(messageOf(() => maxUnpool2d(unknownShape(indices), { kernelSize: 2, outputSize: [6, 8] })(unknownShape(values)))).toBe(message)
    expect(messageOf(() => maxUnpool2d(unknownShape(indices), { kernelSize: 2, outputSize: 4 })(unknownShape(values)))).toBe(
      'maxUnpool2d: outputSize 4 on spatial axis 0 must be greater than 4 and less than 8',
    )
    // @ts-expect-error maxUnpool1d: output size -1 is not positive
    expect(messageOf(() => maxUnpool1d(zeros([1, 1, 1], 'int32'), { kernelSize: 1, stride: 1, padding: 1 })(zeros([1, 1, 1])))).toBe('maxUnpool1d: output size -1 is not positive')
  })

  it('refuses indices of another shape (ShapeError) or dtype (DTypeError)', () => {
    const [values, indices] = pool(zeros([1, 1, 6, 6]))
    const message = 'maxUnpool2d: indices are [1, 1, 2, 2] but the input is [1, 1, 3, 3]; pass the indices maxPool returned with these values'
    const [, otherIndices] = pool(zeros([1, 1, 4, 4]))
    // @ts-expect-error maxUnpool2d: indices are [1, 1, 2, 2] but the input is [1, 1, 3, 3]; …
    expect(messageOf(() => maxUnpool2d(otherIndices, { kernelSize: 2 })(values))).toBe(message)
    expect(messageOf(() => maxUnpool2d(unknownShape(otherIndices), { kernelSize: 2 })(unknownShape(values)))).toBe(message)
    expect(messageOf(() => maxUnpoolShape('maxUnpool2d', 2, [1, 1, 3, 3], [1, 1, 3], { kernelSize: 2 }))).toBe(
      'maxUnpool2d: indices are [1, 1, 3] but the input is [1, 1, 3, 3]; pass the indices maxPool returned with these values',
    )
    // @ts-expect-error maxUnpool2d: indices must be int32 (as maxPool's returnIndices gives them), got float32
    expect(dtypeMessageOf(() => maxUnpool2d(values, { kernelSize: 2 }))).toBe("maxUnpool2d: indices must be int32 (as maxPool's returnIndices gives them), got float32")
    // @ts-expect-error maxUnpool2d: expects float32 input, got int32
    expect(dtypeMessageOf(() => maxUnpool2d(indices, { kernelSize: 2 })(indices))).toBe("maxUnpool2d: expects float32 input, got int32; convert it with cast('float32')")
  })

  it('checks options and layout like the pools', () => {
    const [values, indices] = pool(zeros([1, 1, 6, 6]))
    // @ts-expect-error maxUnpool2d: kernelSize is required
    expect(messageOf(() => maxUnpool2d(indices, { stride: 2 }))).toBe('maxUnpool2d: kernelSize is required')
    // @ts-expect-error maxUnpool2d: unknown option 'dilation'
    expect(messageOf(() => maxUnpool2d(indices, { kernelSize: 2, dilation: 2 }))).toBe("maxUnpool2d: unknown option 'dilation' (known: kernelSize, stride, padding, outputSize)")
    // @ts-expect-error maxUnpool2d: stride must be a positive integer, got 0
    expect(messageOf(() => maxUnpool2d(indices, { kernelSize: 2, stride: 0 })(values))).toBe('maxUnpool2d: stride must be a positive integer, got 0')
    expect(messageOf(() => maxUnpool1d(unknownShape(indices), { kernelSize: 2 })(unknownShape(values)))).toBe('maxUnpool1d: expects input [N, C, L], got [1, 1, 3, 3]')
  })

  it('an index outside the output plane is an IndexError at the next read (PyTorch raises), and later reads go on', async () => {
    // Planes of 4; index 7 of plane 0 would land on element 3 of plane 1 were it not skipped.
    const y = maxUnpool1d(tensor([[[1, 7], [0, 2]]], 'int32'), { kernelSize: 2 })(tensor([[[5, 6], [8, 9]]]))
    const error = await y.data().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(IndexError)
    expect(error).toMatchObject({ op: 'maxUnpool1d', index: 7, size: 4, position: 1 })
    expect((error as Error).message).toBe(
      'maxUnpool1d: index 7 at position 1 is outside 0..3 (4 elements per plane of the output); pass the indices of a max pool whose input had the output\'s size (outputSize)',
    )
    // The record is cleared once thrown: other reads go on (reading y again recomputes it and throws again).
    await expect(y.data()).rejects.toBeInstanceOf(IndexError)
    expect(Array.from(await maxUnpool1d(tensor([[[1, 3], [0, 2]]], 'int32'), { kernelSize: 2 })(tensor([[[5, 6], [8, 9]]])).data())).toEqual([0, 5, 0, 6, 8, 0, 9, 0])
  })

  it('an empty batch flows through the pair and the gradient (no kernel over nothing)', async () => {
    const [values, indices] = maxPool2d({ kernelSize: 2, returnIndices: true })(zeros([0, 2, 4, 4]))
    const y = maxUnpool2d(indices, { kernelSize: 2 })(values)
    expect(y.shape).toEqual([0, 2, 4, 4])
    expect([Array.from(await y.data()), Array.from(await indices.data())]).toEqual([[], []])
    const [, pullback] = vjp((v: Tensor<[0, 2, 2, 2]>) => maxUnpool2d(indices, { kernelSize: 2 })(v), values)
    const [gradient] = pullback(zeros([0, 2, 4, 4]))
    expect(gradient.shape).toEqual([0, 2, 2, 2])
    expect(Array.from(await gradient.data())).toEqual([])
  })
})
