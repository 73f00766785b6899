/**
 * Lesson: transposed convolution, and why it has an `outputPadding` option.
 * A stride-2 convolution rounds its output size down, so several input sizes
 * land on the same output size; its transpose must be told which one to
 * give back. Output size of a transposed convolution:
 *
 *   out = (in − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1
 *
 * Every shape below is computed by the compiler; the annotations are checked.
 * Run: npx tsx examples/transposed-conv.ts
 */
import { tensor, randn, conv2d, convTranspose2d, type Tensor } from '../src/index.ts'

const dims = (t: Tensor<[number, number, number, number]>) => t.shape.slice(2).join('×')
const fmt = (rows: number[][]) => `[${rows.map((r) => `[${r.join(', ')}]`).join(', ')}]`

// ---------------------------------------------------------------- two sizes, one output

const down = randn([1, 1, 3, 3], { seed: 0 })       // conv2d weight [Co, Ci, 3, 3]
const up = randn([1, 1, 3, 3], { seed: 1 })         // convTranspose2d weight [Ci, Co, 3, 3]

// ⌊(7 + 2 − 3) / 2⌋ + 1 = 4 and ⌊(8 + 2 − 3) / 2⌋ + 1 = ⌊3.5⌋ + 1 = 4.
const from7: Tensor<[1, 1, 4, 4]> = conv2d(down, { padding: 1, stride: 2 })(randn([1, 1, 7, 7], { seed: 2 }))
const from8: Tensor<[1, 1, 4, 4]> = conv2d(down, { padding: 1, stride: 2 })(randn([1, 1, 8, 8], { seed: 3 }))
console.log(`conv2d(k3, s2, p1): 7×7 → ${dims(from7)}, 8×8 → ${dims(from8)}`)

// (4 − 1)·2 − 2 + 3 = 7, and outputPadding adds the row and column that were rounded away.
const to7: Tensor<[1, 1, 7, 7]> = convTranspose2d(up, { stride: 2, padding: 1 })(from7)
const to8: Tensor<[1, 1, 8, 8]> = convTranspose2d(up, { stride: 2, padding: 1, outputPadding: 1 })(from8)
console.log(`convTranspose2d(k3, s2, p1): 4×4 → ${dims(to7)} with outputPadding 0, → ${dims(to8)} with outputPadding 1`)

// outputPadding must stay below the stride; this line does not compile:
//   convTranspose2d(up, { stride: 2, padding: 1, outputPadding: 2 })(from8)
//   error: convTranspose2d: outputPadding 2 must be smaller than stride 2 or dilation 1

// ---------------------------------------------------------------- the seed's upsampling layer

// nn.ConvTranspose2d(3, 3, kernel_size=3, stride=2, padding=1, output_padding=1) doubles H and W.
const w = randn([3, 3, 3, 3], { seed: 4 })
const doubled: Tensor<[1, 3, 64, 64]> = convTranspose2d(w, { stride: 2, padding: 1, outputPadding: 1 })(randn([1, 3, 32, 32], { seed: 5 }))
console.log(`\nConvTranspose2d(k3, s2, p1, op1): 32×32 → ${dims(doubled)}`)
const small = randn([1, 3, 3, 3], { seed: 6 })
const five: Tensor<[1, 3, 5, 5]> = convTranspose2d(w, { stride: 2, padding: 1 })(small)
const six: Tensor<[1, 3, 6, 6]> = convTranspose2d(w, { stride: 2, padding: 1, outputPadding: 1 })(small)
console.log(`ConvTranspose2d(k3, s2, p1): 3×3 → ${dims(five)} (op 0), ${dims(six)} (op 1)`)
// The shapes above needed no kernel; reading the values runs them.
const computed = await Promise.all([to7, to8, doubled, five, six].map((t) => t.data()))
console.log(`computed ${computed.map((v) => v.length).join(' + ')} values, all finite: ${computed.every((v) => v.every(Number.isFinite))}`)

// ---------------------------------------------------------------- values: the lesson's trans_conv

// Each input value scales a copy of the kernel, written at its position; overlaps add up.
const X = tensor([[[[0, 1], [2, 3]]]])              // Tensor<[1, 1, 2, 2]>
const K = tensor([[[[0, 1], [2, 3]]]])              // Tensor<[1, 1, 2, 2]>
const Y: Tensor<[1, 1, 3, 3]> = convTranspose2d(K)(X)
console.log(`\ntrans_conv(X, K) = ${fmt((await Y.array())[0][0])}`)
// padding removes rows and columns from the border of the full output.
const Yp: Tensor<[1, 1, 1, 1]> = convTranspose2d(K, { padding: 1 })(X)
console.log(`with padding 1 = ${fmt((await Yp.array())[0][0])}`)
// stride spaces the kernel copies apart.
const Ys: Tensor<[1, 1, 4, 4]> = convTranspose2d(K, { stride: 2 })(X)
console.log(`with stride 2 = ${fmt((await Ys.array())[0][0])}`)

// ---------------------------------------------------------------- consistency with conv2d

// A transposed convolution with the same hyperparameters restores the input's shape:
// 16 → ⌊(16 + 4 − 5) / 3⌋ + 1 = 6 → (6 − 1)·3 − 4 + 5 = 16.
const x10 = randn([1, 10, 16, 16], { seed: 7 })
const z: Tensor<[1, 20, 6, 6]> = conv2d(randn([20, 10, 5, 5], { seed: 8 }), { padding: 2, stride: 3 })(x10)
const back: Tensor<[1, 10, 16, 16]> = convTranspose2d(randn([20, 10, 5, 5], { seed: 9 }), { padding: 2, stride: 3 })(z)
console.log(`\nconv2d(10→20, k5, p2, s3) then convTranspose2d(20→10, same): [${x10.shape.join(', ')}] → [${z.shape.join(', ')}] → [${back.shape.join(', ')}]`)
