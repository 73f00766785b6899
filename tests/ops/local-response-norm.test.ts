/** localResponseNorm: shape rule, run-time twin, and values and input gradients against PyTorch's F.local_response_norm. */
import { describe, expect, it } from 'vitest'
import { fromArray, grad, localResponseNorm, mul, sum, zeros, ShapeError, type Tensor } from '../../src/index.ts'
import { loadFixtures, values, expectClose } from '../fixtures/load.ts'
import { unknownShape } from './helpers.ts'

describe('localResponseNorm', () => {
  it('keeps an [N, C, H, W] shape and refuses other ranks and sizes', () => {
    const y: Tensor<[2, 6, 3, 3]> = localResponseNorm({ size: 5 })(zeros([2, 6, 3, 3]))
    expect(y.shape).toEqual([2, 6, 3, 3])
    // @ts-expect-error localResponseNorm: expects input [N, C, H, W], got [6, 3, 3]
    expect(() => localResponseNorm({ size: 5 })(zeros([6, 3, 3]))).toThrow('localResponseNorm: expects input [N, C, H, W], got [6, 3, 3]')
    expect(() => localResponseNorm({ size: 5 })(unknownShape(zeros([6, 3, 3])))).toThrow(ShapeError)
    expect(() => localResponseNorm({ size: 0 })).toThrow('localResponseNorm: size must be a positive integer, got 0')
  })

  for (const c of loadFixtures('local_response_norm')) {
    it(`${c.name}: forward and input gradient match PyTorch`, async () => {
      const [input] = c.inputs
      const x = fromArray(values(input), input.shape as [number, number, number, number])
      const layer = localResponseNorm(c.attrs as { size: number })
      expectClose(await layer(x).data(), c.output, c.name, 1e-5)
      const seed = fromArray(values(c.grads!.seed), c.output.shape as [number, number, number, number])
      const dx = grad((t: Tensor<[number, number, number, number]>) => sum()(mul(layer(t), seed)))(x)
      expectClose(await dx.data(), c.grads!.inputs[0]!, `${c.name} gradient`, 1e-4)
    })
  }
})
