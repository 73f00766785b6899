/** stopGradient, broadcastTo and oneHot as lazy graph nodes (shapes only; their gradients are tested in tests/grad). */
import { describe, expect, it } from 'vitest'
import { stopGradient, broadcastTo, oneHot, zeros, tensor, type Tensor } from '../../src/index.ts'
import { messageOf, unknownShape, expectNode } from '../helpers/shapes.ts'

describe('stopGradient', () => {
  it('is a same-shape, same-dtype node', () => {
    const x = zeros([2, 3])
    const y: Tensor<[2, 3]> = stopGradient(x)
    expectNode(y, { op: 'stopGradient', inputs: [x], shape: [2, 3] })
    expect(stopGradient(zeros([4], 'int32')).dtype).toBe('int32')
  })
})

describe('broadcastTo', () => {
  it('repeats along broadcast dims up to the target shape', () => {
    const x = zeros([3, 1])
    const y: Tensor<[2, 3, 4]> = broadcastTo(x, [2, 3, 4])
    expectNode(y, { op: 'broadcastTo', inputs: [x], shape: [2, 3, 4] })
    expect(broadcastTo(zeros([]), [2, 2]).shape).toEqual([2, 2])
  })

  it('errors: clashing dims, or a target smaller than the input', () => {
    // @ts-expect-error broadcastTo: shapes [3] and [2, 4] cannot be broadcast
    expect(messageOf(() => broadcastTo(zeros([3]), [2, 4]))).toBe('broadcastTo: shapes [3] and [2, 4] cannot be broadcast')
    expect(messageOf(() => broadcastTo(unknownShape(zeros([3])), [2, 4]))).toBe('broadcastTo: shapes [3] and [2, 4] cannot be broadcast')
    expect(messageOf(() => broadcastTo(unknownShape(zeros([2, 3])), [3]))).toBe('broadcastTo: [2, 3] cannot be broadcast to [3]')
    expect(messageOf(() => broadcastTo(unknownShape(zeros([3])), [1]))).toBe('broadcastTo: [3] cannot be broadcast to [1]')
  })
})

describe('oneHot', () => {
  it('labels [...] → [..., classes] float32', () => {
    const labels = tensor([[1, 0, 2]], 'int32')
    const y: Tensor<[1, 3, 10]> = oneHot(labels, 10)
    expectNode(y, { op: 'oneHot', inputs: [labels], shape: [1, 3, 10], attrs: { classes: 10 } })
    expect(oneHot(tensor(3, 'int32'), 4).shape).toEqual([4])
  })
})
