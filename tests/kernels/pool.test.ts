import { describe, expect, it } from 'vitest'
import { vjp } from '../../src/autodiff/transforms.ts'
import { sizeOf } from '../../src/compiler/wgsl.ts'
import { globalMaxPool2d, maxPool2d } from '../../src/ops/pool.ts'
import { fromArray, type Tensor } from '../../src/tensor.ts'
import { realize } from '../../src/realize.ts'

// The pool, upsample and norm fixtures run in tests/pytorch/fixtures.test.ts.
describe('max pooling edge values', () => {
  it('propagates NaN and keeps -Infinity, as PyTorch does', async () => {
    const nan = Number.NaN
    const x = fromArray([1, nan, 3, 4, -Infinity, -Infinity, -Infinity, -Infinity], [1, 2, 2, 2]) as Tensor<[1, 2, 2, 2]>
    const [pooled, global] = await realize([maxPool2d({ kernelSize: 2 })(x).node, globalMaxPool2d(x).node])
    expect(Array.from(pooled)).toEqual([nan, -Infinity])
    expect(Array.from(global)).toEqual([nan, -Infinity])
  })
})

// Ties (zeros after a ReLU) and NaN decide which input gets a window's gradient: the first maximum
// in PyTorch's scan order, a NaN always taking over. Windows that tile the input (stride = kernel)
// run their own kernel, one invocation per window; an overlapping pool runs the general gather.
// Expected values: torch.nn.functional.max_pool2d(x, …) and backward with dy = 1, 2, 3, ….
describe('max pooling gradient: ties, NaN, uncovered and padded edges', () => {
  const nan = Number.NaN
  const x = [0, 0, 1, nan, 4, 0, 0, nan, 2, 4, 1, 1, 1, 1, 1]
  const cases: [string, Parameters<typeof maxPool2d>[0], number[]][] = [
    ['kernel 2 (floor: the last row and column in no window)', { kernelSize: 2 }, [1, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]],
    ['kernel 2, padding 1, ceil mode', { kernelSize: 2, padding: 1, ceilMode: true }, [1, 0, 2, 3, 0, 0, 0, 5, 0, 6, 4, 0, 0, 0, 0]],
    ['kernel 2, stride 1 (overlapping windows)', { kernelSize: 2, stride: 1 }, [1, 0, 0, 4, 0, 0, 0, 18, 0, 8, 5, 0, 0, 0, 0]],
  ]
  for (const [name, options, expected] of cases)
    it(name, async () => {
      const input = fromArray(x, [1, 1, 3, 5]) as Tensor<[1, 1, 3, 5]>
      const [y, pullback] = vjp((t: Tensor<[1, 1, 3, 5]>) => maxPool2d(options)(t) as Tensor<number[]>, input)
      const dy = fromArray(Array.from({ length: sizeOf(y.shape) }, (_, i) => i + 1), y.shape)
      const [dx] = pullback(dy)
      expect(Array.from(await dx.data())).toEqual(expected)
    })
})
