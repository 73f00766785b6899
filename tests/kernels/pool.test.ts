import { describe, expect, it } from 'vitest'
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
