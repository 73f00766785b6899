/** unfold (im2col): shape rule and run-time twin (values and input gradients against PyTorch's F.unfold: tests/pytorch/). */
import { describe, expect, it } from 'vitest'
import { unfold, zeros, type Tensor } from '../../src/index.ts'
import { unknownShape } from '../helpers/shapes.ts'

describe('unfold', () => {
  it("the lesson's shapes, and the convolution's errors under unfold's name", () => {
    const one: Tensor<[1, 75, 9]> = unfold({ kernelSize: 5 })(zeros([1, 3, 7, 7]))
    const ten: Tensor<[10, 75, 9]> = unfold({ kernelSize: 5 })(zeros([10, 3, 7, 7]))
    expect([one.shape, ten.shape]).toEqual([[1, 75, 9], [10, 75, 9]])
    expect(unfold({ kernelSize: [2, 3], stride: 2, padding: 1 })(unknownShape(zeros([2, 2, 6, 5]))).shape).toEqual([2, 12, 12])
    // @ts-expect-error the 3×3 kernel does not fit a rank-3 input
    expect(() => unfold({ kernelSize: 3 })(zeros([3, 7, 7]))).toThrow('unfold: expects input [N, C, H, W], got [3, 7, 7]')
    expect(() => unfold({ kernelSize: 3, stride: 0 })(unknownShape(zeros([1, 1, 7, 7])))).toThrow('unfold: stride must be a positive integer, got 0')
  })
})
