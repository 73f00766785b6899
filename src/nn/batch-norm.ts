/**
 * Running statistics of batch normalisation. batchNorm2d in training mode
 * normalises with the batch's statistics; this computes the running mean and
 * variance PyTorch keeps beside it (momentum-weighted, unbiased variance), as
 * a pure function to apply after the step.
 */
import type { Tensor } from '../tensor.ts'
import { fail, shapeText } from '../shape/errors.ts'
import { add, sub, mul, div, sum, reshape, broadcastTo } from '../core/ops.ts'
import type { AnyTensor } from '../tree.ts'

export interface RunningStats<C extends number = number> {
  readonly runningMean: Tensor<[C]>
  readonly runningVar: Tensor<[C]>
}

export function batchNorm2dRunningStats<C extends number>(
  stats: RunningStats<C>,
  x: Tensor<[number, C, number, number]>,
  options: { readonly momentum?: number } = {},
): RunningStats<C> {
  const input = x as AnyTensor
  const [n, c, h, w] = input.shape
  if (input.rank !== 4 || stats.runningMean.shape[0] !== c)
    fail(`batchNorm2dRunningStats: input ${shapeText(input.shape)} does not match statistics of ${stats.runningMean.shape[0]} channels`)
  const momentum = options.momentum ?? 0.1
  const count = n * h * w
  if (count < 2) fail(`batchNorm2dRunningStats: the unbiased variance needs at least 2 values per channel, got ${count}`)
  const mean = div(sum(input, [0, 2, 3]), count)
  const centered = sub(input, broadcastTo(reshape(mean, [1, c, 1, 1]), input.shape))
  const unbiased = div(sum(mul(centered, centered), [0, 2, 3]), count - 1)
  const blend = (old: AnyTensor, fresh: AnyTensor) => add(mul(old, 1 - momentum), mul(fresh, momentum))
  return {
    runningMean: blend(stats.runningMean as AnyTensor, mean) as Tensor<[C]>,
    runningVar: blend(stats.runningVar as AnyTensor, unbiased) as Tensor<[C]>,
  }
}
