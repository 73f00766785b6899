/**
 * Lesson: padding and stride. With an 8×8 input, padding keeps the output
 * size and stride shrinks it; every output shape below is computed by the
 * TypeScript compiler from the literal options, before anything runs:
 *
 *   out = ⌊(in + 2·padding − kernel) / stride⌋ + 1
 *
 * Run: npx tsx examples/padding-stride.ts
 */
import { conv2d, randn, type Tensor } from '../src/index.ts'

/** The seed's comp_conv2d takes a 2-D image; here the batch and channel dims (1, 1) stay in the type. */
const X = randn([1, 1, 8, 8], { seed: 0 })   // Tensor<[1, 1, 8, 8]>
const show = (label: string, y: Tensor<[number, number, number, number]>) =>
  console.log(`${label.padEnd(44)} → ${y.shape.slice(2).join('×')}   (full shape [${y.shape.join(', ')}])`)

// Each annotation below is checked: write `Tensor<[1, 1, 7, 7]>` on any of
// these lines and `tsc` fails with "Type '8' is not assignable to type '7'".

// Padding 1 on both sides of a 3×3 kernel: 8 + 2 − 3 + 1 = 8.
const a: Tensor<[1, 1, 8, 8]> = conv2d(randn([1, 1, 3, 3], { seed: 1 }), { padding: 1 })(X)
show('kernel 3, padding 1', a)

// A 5×3 kernel needs padding 2 rows and 1 column to keep 8×8.
const b: Tensor<[1, 1, 8, 8]> = conv2d(randn([1, 1, 5, 3], { seed: 2 }), { padding: [2, 1] })(X)
show('kernel (5, 3), padding (2, 1)', b)

// Stride 2 halves the height and width: ⌊(8 + 2 − 3) / 2⌋ + 1 = 4.
const c: Tensor<[1, 1, 4, 4]> = conv2d(randn([1, 1, 3, 3], { seed: 3 }), { padding: 1, stride: 2 })(X)
show('kernel 3, padding 1, stride 2', c)

// Rows: ⌊(8 + 0 − 3) / 3⌋ + 1 = 2; columns: ⌊(8 + 2 − 5) / 4⌋ + 1 = 2.
const d: Tensor<[1, 1, 2, 2]> = conv2d(randn([1, 1, 3, 5], { seed: 4 }), { padding: [0, 1], stride: [3, 4] })(X)
show('kernel (3, 5), padding (0, 1), stride (3, 4)', d)

// 'same' pads so the output keeps the input size (stride 1), also for an
// even kernel, where the extra row/column goes at the end as in PyTorch.
const e: Tensor<[1, 1, 8, 8]> = conv2d(randn([1, 1, 4, 4], { seed: 5 }), { padding: 'same' })(X)
show("kernel 4, padding 'same'", e)

// 'valid' means no padding: 8 − 3 + 1 = 6.
const f: Tensor<[1, 1, 6, 6]> = conv2d(randn([1, 1, 3, 3], { seed: 6 }), { padding: 'valid' })(X)
show("kernel 3, padding 'valid'", f)

// The shapes above are known without running a kernel; reading values runs them.
const values = await c.data()
console.log(`\nthe stride-2 output has ${values.length} values, all finite: ${values.every(Number.isFinite)}`)
