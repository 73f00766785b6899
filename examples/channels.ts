/**
 * Lesson: multiple input and output channels. A convolution sums the
 * cross-correlations of every input channel with its own kernel slice, and
 * stacks one such sum per output channel; a 1×1 convolution is a matrix
 * product over the channel dim at every pixel.
 * Run: npx tsx examples/channels.ts
 */
import { pipe } from 'fp-ts/lib/function.js'
import { tensor, randn, conv2d, add, sub, abs, max, matmul, reshape, concat, type Tensor } from '../src/index.ts'

const fmt = (rows: number[][]) => `[${rows.map((r) => `[${r.join(', ')}]`).join(', ')}]`

// ---------------------------------------------------------------- several input channels

// Two input channels (3×3 each) and a kernel with one 2×2 slice per input channel.
const X = tensor([
  [[0, 1, 2], [3, 4, 5], [6, 7, 8]],
  [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
])                                                         // Tensor<[2, 3, 3]>
const K = tensor([
  [[0, 1], [2, 3]],
  [[1, 2], [3, 4]],
])                                                         // Tensor<[2, 2, 2]>

/**
 * corr2d_multi_in: one output channel, the sum over input channels.
 * [C, h, w] ⋆ [C, kh, kw] → [1, 1, h − kh + 1, w − kw + 1]. The sizes are
 * run-time values here (`number`), checked by conv2d when it is called.
 */
const corr2dMultiIn = (x: Tensor<[number, number, number]>, k: Tensor<[number, number, number]>) =>
  conv2d(reshape([1, ...k.shape])(k))(reshape([1, ...x.shape])(x))

const y1 = corr2dMultiIn(X, K)
console.log('corr2d_multi_in(X, K) =', fmt((await y1.array())[0][0]))

// ---------------------------------------------------------------- several output channels

// Stack K, K + 1 and K + 2 as three output channels: weight [3, 2, 2, 2].
const asOutput = (k: Tensor<[2, 2, 2]>) => reshape([1, 2, 2, 2])(k)
const K3 = concat([asOutput(K), asOutput(add(K, 1)), asOutput(add(K, 2))], 0)   // Tensor<[3, 2, 2, 2]>
console.log(`\nK3.shape = [${K3.shape.join(', ')}]`)
const x4 = reshape([1, 2, 3, 3])(X)
const y3: Tensor<[1, 3, 2, 2]> = conv2d(K3)(x4)
console.log('corr2d_multi_in_out(X, K3) =')
for (const channel of (await y3.array())[0]) console.log(' ', fmt(channel))

// ---------------------------------------------------------------- 1×1 convolution

// 3 input channels, 2 output channels, 3×3 pixels.
const Xc = randn([1, 3, 3, 3], { seed: 0 })
const Kc = randn([2, 3, 1, 1], { seed: 1 })
const viaConv: Tensor<[1, 2, 3, 3]> = conv2d(Kc)(Xc)

/** corr2d_multi_in_out_1x1: the same as a [Co, Ci] × [Ci, h·w] matrix product. */
const viaMatmul: Tensor<[1, 2, 3, 3]> = pipe(
  matmul(reshape([2, 3])(Kc), reshape([3, 9])(Xc)),   // Tensor<[2, 9]>
  reshape([1, 2, 3, 3]),
)
const difference = pipe(sub(viaConv, viaMatmul), abs, max())
console.log(`\n1×1 convolution vs matrix product: max |difference| = ${(await difference.data())[0]}`)
