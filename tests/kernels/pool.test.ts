import { describe, expect, it } from 'vitest'
import * as pool from '../../src/ops/pool.ts'
import { fromArray, type Tensor } from '../../src/tensor.ts'
import { realize } from '../../src/realize.ts'
import type { FixtureCase } from '../fixtures/load.ts'
import { fixtureSuite, input } from './conv-helpers.ts'

type Op = (x: Tensor) => Tensor
type Factory = (options: unknown) => Op
const factories = pool as unknown as Record<string, Factory>
// globalAvgPool2d / globalMaxPool2d are layer values, not factories.
const layers = pool as unknown as Record<string, Op>

const build = (c: FixtureCase): Tensor => {
  const [x, ...params] = c.inputs.map(input)
  switch (c.op) {
    case 'globalAvgPool2d':
    case 'globalMaxPool2d':
      return layers[c.op](x)
    case 'adaptiveAvgPool2d':
      return factories[c.op](c.attrs.outputSize)(x)
    case 'batchNorm2d': {
      const [weight, bias, runningMean, runningVar] = params
      return (pool.batchNorm2d as unknown as (p: unknown, o: unknown) => Op)({ weight, bias, runningMean, runningVar }, c.attrs)(x)
    }
    default:
      return factories[c.op](c.attrs)(x)
  }
}

for (const family of ['pool', 'upsample', 'norm']) fixtureSuite(family, build)

describe('max pooling edge values', () => {
  it('propagates NaN and keeps -Infinity, as PyTorch does', async () => {
    const nan = Number.NaN
    const x = fromArray([1, nan, 3, 4, -Infinity, -Infinity, -Infinity, -Infinity], [1, 2, 2, 2]) as unknown as Tensor
    const [pooled, global] = await realize([factories.maxPool2d({ kernelSize: 2 })(x).node, layers.globalMaxPool2d(x).node])
    expect(Array.from(pooled)).toEqual([nan, -Infinity])
    expect(Array.from(global)).toEqual([nan, -Infinity])
  })
})
