/** localResponseNorm: shape rule and run-time twin (values and input gradients against PyTorch's F.local_response_norm: tests/pytorch/). */
import { describe, expect, it } from 'vitest'
import { localResponseNorm, zeros, ShapeError, type Tensor } from '../../src/index.ts'
import { unknownShape } from '../helpers/shapes.ts'

describe('localResponseNorm', () => {
  it('keeps an [N, C, H, W] shape and refuses other ranks and sizes', () => {
    const y: Tensor<[2, 6, 3, 3]> = localResponseNorm({ size: 5 })(zeros([2, 6, 3, 3]))
    expect(y.shape).toEqual([2, 6, 3, 3])
    // @ts-expect-error localResponseNorm: expects input [N, C, H, W], got [6, 3, 3]
    expect(() => localResponseNorm({ size: 5 })(zeros([6, 3, 3]))).toThrow('localResponseNorm: expects input [N, C, H, W], got [6, 3, 3]')
    expect(() => localResponseNorm({ size: 5 })(unknownShape(zeros([6, 3, 3])))).toThrow(ShapeError)
    expect(() => localResponseNorm({ size: 0 })).toThrow('localResponseNorm: size must be a positive integer, got 0')
  })
})
