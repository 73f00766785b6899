/**
 * Lesson: one-dimensional convolution over sequences (the text-CNN chapter's
 * corr1d): a window slides along the time axis only. Input [N, C, L], weight
 * [Co, C / groups, k], output [N, Co, L − k + 1] without padding.
 * Run: npx tsx examples/conv1d-sequence.ts
 */
import { tensor, conv1d, reshape, type Tensor } from '../src/index.ts'

/** Values rounded to 2 decimals, without trailing zeros (float32 sums like 6.9999995 print as 7). */
const row = (values: ArrayLike<number>) => `[${Array.from(values, (v) => String(Number(v.toFixed(2)) || 0)).join(', ')}]`
const showChannels = async (label: string, y: Tensor<[1, number, number]>) => {
  console.log(`${label} (shape [${y.shape.join(', ')}]):`)
  for (const [c, channel] of (await y.array())[0].entries()) console.log(`  channel ${c}: ${row(channel)}`)
}

// A short two-channel signal: a noisy rising series and an on/off pulse.
const signal = tensor([[
  [1, 3, 2, 5, 4, 6, 8, 7, 9, 10],
  [0, 0, 0, 1, 1, 1, 1, 0, 0, 0],
]])                                                                  // Tensor<[1, 2, 10]>
await showChannels('signal', signal)

// ---------------------------------------------------------------- a filter per channel

// groups: 2 gives each channel its own filter (a depthwise convolution).
const third = 1 / 3
const movingAverage = tensor([[[third, third, third]], [[third, third, third]]])   // Tensor<[2, 1, 3]>
const smooth: Tensor<[1, 2, 8]> = conv1d(movingAverage, { groups: 2 })(signal)
await showChannels('\nmoving average, window 3', smooth)

// The same filter with padding 'same' keeps all 10 steps (zeros pad both ends).
const smoothSame: Tensor<[1, 2, 10]> = conv1d(movingAverage, { groups: 2, padding: 'same' })(signal)
await showChannels("moving average, padding 'same'", smoothSame)

// x[t + 1] − x[t]: the pulse's difference is +1 where it starts and −1 after it ends.
const difference = tensor([[[-1, 1]], [[-1, 1]]])                     // Tensor<[2, 1, 2]>
const changes: Tensor<[1, 2, 9]> = conv1d(difference, { groups: 2 })(signal)
await showChannels('\ndifference x[t+1] − x[t]', changes)

// ---------------------------------------------------------------- mixing channels

// Without groups, each output channel sums over every input channel:
// output 0 = smoothed series + pulse, output 1 = series change − 2·pulse.
const mixing = tensor([
  [[third, third, third], [0, 1, 0]],
  [[0, -1, 1], [0, -2, 0]],
])                                                                   // Tensor<[2, 2, 3]>
const mixed: Tensor<[1, 2, 8]> = conv1d(mixing)(signal)
await showChannels('\ntwo output channels, each over both inputs', mixed)

// ---------------------------------------------------------------- the lesson's corr1d_multi_in

// Three input channels, kernel [[1, 2], [3, 4], [−1, −3]] → [2, 8, 14, 20, 26, 32].
const X = tensor([[0, 1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6, 7], [2, 3, 4, 5, 6, 7, 8]])   // Tensor<[3, 7]>
const K = tensor([[1, 2], [3, 4], [-1, -3]])                                              // Tensor<[3, 2]>
const y: Tensor<[1, 1, 6]> = conv1d(reshape([1, 3, 2])(K))(reshape([1, 3, 7])(X))
console.log(`\ncorr1d_multi_in(X, K) = ${row(await y.data())}`)
