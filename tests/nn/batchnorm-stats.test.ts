/** batchNorm2dRunningStats against PyTorch's running statistics after a training-mode forward. */
import { describe, expect, it } from 'vitest'
import { fromArray, type Tensor } from '../../src/index.ts'
import { batchNorm2dRunningStats } from '../../src/nn/index.ts'
import { realize } from '../../src/realize.ts'
import { loadFixtures, values, expectClose } from '../helpers/fixtures.ts'

const cases = loadFixtures('norm').filter((c) => c.attrs.training && c.extraOutputs)

describe('batchNorm2dRunningStats', () => {
  it('has training cases to check', () => expect(cases.length).toBeGreaterThan(0))

  it.each(cases.map((c) => [c.name, c] as const))('%s: running mean and variance match PyTorch', async (_, c) => {
    const [x, , , mean, variance] = c.inputs
    const tensor = (t: typeof x) => fromArray(values(t), t.shape)
    const stats = batchNorm2dRunningStats(
      { runningMean: tensor(mean) as Tensor<[number]>, runningVar: tensor(variance) as Tensor<[number]> },
      tensor(x) as Tensor<[number, number, number, number]>,
      { momentum: c.attrs.momentum },
    )
    const [m, v] = await realize([stats.runningMean.node, stats.runningVar.node])
    expectClose(m, c.extraOutputs!.runningMean, `${c.name} runningMean`)
    expectClose(v, c.extraOutputs!.runningVar, `${c.name} runningVar`)
  })

  it('rejects statistics of another channel count', () => {
    const stats = { runningMean: fromArray([0, 0], [2]), runningVar: fromArray([1, 1], [2]) } as never
    expect(() => batchNorm2dRunningStats(stats, fromArray(new Float32Array(2 * 3 * 2 * 2), [2, 3, 2, 2]) as never)).toThrow(/does not match statistics of 2 channels/)
  })
})
