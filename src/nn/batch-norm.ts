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

/**
 * PyTorch's running mean and variance after a training-mode batchNorm2d on `x`:
 * `(1 − momentum)·old + momentum·batch statistic`, the variance unbiased.
 *
 * @example
 * import { tensor, zeros, ones } from 'shapewise'
 * import { batchNorm2dRunningStats } from 'shapewise/nn'
 * const x = tensor([[[[2, 4]]]]) // one channel: mean 3, unbiased variance 2
 * const stats = batchNorm2dRunningStats({ runningMean: zeros([1]), runningVar: ones([1]) }, x, { momentum: 0.5 })
 * await stats.runningMean.data() // → [1.5]
 * await stats.runningVar.data() // → [1.5]
 */
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
