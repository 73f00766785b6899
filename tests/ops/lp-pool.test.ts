/** lpPool1d / lpPool2d: shape rule (the average pool's) and run-time twin, values and input gradients against PyTorch's F.lp_pool1d/2d. */
import { describe, expect, it } from 'vitest'
import { lpPool1d, lpPool2d, reshape, tensor, zeros, type Tensor } from '../../src/index.ts'
import { messageOf, unknownShape } from '../helpers/shapes.ts'

describe('lpPool1d / lpPool2d', () => {
  it('is the p-norm of each window', async () => {
    const x = reshape([1, 1, 4])(tensor([3, 4, 6, 8])) as Tensor<[1, 1, 4]>
    expect(Array.from(await lpPool1d({ normType: 2, kernelSize: 2 })(x).data()).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([5, 10])
    expect(Array.from(await lpPool1d({ normType: 1, kernelSize: 4 })(x).data())).toEqual([21])
  })

  it("takes the average pool's shapes and errors under its own name; too wide a padding says to pad first", () => {
    const y: Tensor<[1, 8, 8, 8]> = lpPool2d({ normType: 2, kernelSize: 3, stride: 2, padding: 1 })(zeros([1, 8, 16, 16]))
    expect(y.shape).toEqual([1, 8, 8, 8])
    // @ts-expect-error padding 2 exceeds half the kernel 3
    expect(messageOf(() => lpPool2d({ normType: 2, kernelSize: 3, padding: 2 })(zeros([1, 1, 8, 8])))).toBe(
      'lpPool2d: padding 2 exceeds half the kernel 3; pad the input first (pad), then pool with padding 0',
    )
    expect(messageOf(() => lpPool1d({ normType: 2, kernelSize: 5 })(unknownShape(zeros([1, 1, 4]))))).toBe('lpPool1d: kernel 5 exceeds padded input 4')
    expect(messageOf(() => lpPool2d({ normType: 0, kernelSize: 2 }))).toBe('lpPool2d: normType must be a positive number, got 0')
    expect(messageOf(() => (lpPool2d as (o: object) => (x: Tensor<number[]>) => unknown)({ normType: 2, kernelSize: 2, dilation: 2 })(unknownShape(zeros([1, 1, 8, 8]))))).toBe("lpPool2d: unknown option 'dilation' (known: kernelSize, stride, padding, ceilMode)")
  })

})
