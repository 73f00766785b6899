/**
 * Lesson: pooling. Max and average pooling over a window, with padding and
 * stride as in convolution, channel by channel (the channel count is kept).
 * Run: npx tsx examples/pooling.ts
 */
import { tensor, arange, reshape, add, concat, maxPool2d, avgPool2d, type Tensor, type NestedArray, type Shape } from '../src/index.ts'

/** Nested arrays printed on one line, like PyTorch's repr without the padding. */
const fmt = (v: unknown): string => (Array.isArray(v) ? `[${v.map(fmt).join(', ')}]` : String(v))
const show = async <S extends Shape>(label: string, y: Tensor<S>) => {
  const values: NestedArray<S> = await y.array()
  console.log(`${label} (shape [${y.shape.join(', ')}]):\n  ${fmt(values)}`)
}

// ---------------------------------------------------------------- max and average

// The seed's pool2d(X, (2, 2)) on a 3×3 X; here X carries batch and channel dims.
const X = tensor([[[[0, 1, 2], [3, 4, 5], [6, 7, 8]]]])         // Tensor<[1, 1, 3, 3]>
const maxed: Tensor<[1, 1, 2, 2]> = maxPool2d({ kernelSize: 2, stride: 1 })(X)
const averaged: Tensor<[1, 1, 2, 2]> = avgPool2d({ kernelSize: 2, stride: 1 })(X)
await show("pool2d(X, (2, 2), 'max')", maxed)
await show("pool2d(X, (2, 2), 'avg')", averaged)

// ---------------------------------------------------------------- padding and stride

const X16 = reshape([1, 1, 4, 4])(arange(16))                    // Tensor<[1, 1, 4, 4]>
await show('\nX', X16)
// As in PyTorch, the stride defaults to the window size: one 3×3 window fits.
const pooled3: Tensor<[1, 1, 1, 1]> = maxPool2d({ kernelSize: 3 })(X16)
await show('MaxPool2d(3)', pooled3)
const padded: Tensor<[1, 1, 2, 2]> = maxPool2d({ kernelSize: 3, padding: 1, stride: 2 })(X16)
await show('MaxPool2d(3, padding=1, stride=2)', padded)
const rect: Tensor<[1, 1, 2, 2]> = maxPool2d({ kernelSize: [2, 3], padding: [0, 1], stride: [2, 3] })(X16)
await show('MaxPool2d((2, 3), padding=(0, 1), stride=(2, 3))', rect)

// ---------------------------------------------------------------- multiple channels

// Concatenate X and X + 1 along the channel dim: pooling keeps 2 channels.
const X16plus1 = add(X16, 1)                                     // Tensor<[1, 1, 4, 4]>
const X2 = concat([X16, X16plus1], 1)                            // Tensor<[1, 2, 4, 4]>
await show('\nX2 = cat(X, X + 1)', X2)
const twoChannels: Tensor<[1, 2, 2, 2]> = maxPool2d({ kernelSize: 3, padding: 1, stride: 2 })(X2)
await show('MaxPool2d(3, padding=1, stride=2)(X2)', twoChannels)
// Rows: ⌊(4 + 2 − 3) / 2⌋ + 1 = 2; columns: ⌊(4 + 2 − 3) / 1⌋ + 1 = 4.
const uneven: Tensor<[1, 2, 2, 4]> = maxPool2d({ kernelSize: 3, padding: 1, stride: [2, 1] })(X2)
await show('MaxPool2d(3, padding=1, stride=(2, 1))(X2)', uneven)
