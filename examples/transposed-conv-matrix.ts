/**
 * Lesson: the transposed convolution is the transpose of the convolution's
 * matrix (the conv/deconv note, d2l 13.10). A convolution is linear, so on a
 * flattened H×W input it is a matrix C of (output pixels × input pixels):
 * conv(x) = C·x. The transposed convolution with the same kernel and options
 * is Cᵀ: convTranspose(y) = Cᵀ·y — it maps the output size back to the input
 * size, which is why it "upsamples". Column j of C is the convolution of the
 * j-th one-hot image, which builds C for any stride, padding and dilation.
 *
 *   npx tsx examples/transposed-conv-matrix.ts
 */
import { conv2d, convTranspose2d, matmul, fromArray, tensor, transpose, type Tensor } from '../src/index.ts'

type Options = { readonly stride?: number; readonly padding?: number; readonly dilation?: number }
type Image = Tensor<[number, 1, number, number]>

/** C for a conv2d with `kernel` and `options` on one-channel h×w images: [outputs, inputs]. */
const convolutionMatrix = async (kernel: Tensor<[1, 1, number, number]>, h: number, w: number, options: Options) => {
  const n = h * w
  const basis = fromArray(Float32Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === i % n ? 1 : 0)), [n, 1, h, w]) as Image
  const columns = conv2d(kernel, options)(basis) as Image // [n, 1, oh, ow]: row j is conv(e_j)
  const [oh, ow] = [columns.shape[2], columns.shape[3]]
  const ct = fromArray(await columns.data(), [n, oh * ow])
  return { c: transpose(0, 1)(ct) as Tensor<[number, number]>, oh, ow }
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)
const rows = (values: ArrayLike<number>, width: number) =>
  Array.from({ length: values.length / width }, (_, r) => Array.from(values).slice(r * width, (r + 1) * width).map((v) => String(v).padStart(2)).join(' '))

// ---------------------------------------------------------------- d2l's example: 3×3 input, 2×2 kernel

const K = tensor([[[[1, 2], [3, 4]]]])
const X = fromArray(Float32Array.from({ length: 9 }, (_, i) => i), [1, 1, 3, 3])
const { c: C } = await convolutionMatrix(K, 3, 3, {})
console.log('C for a 2×2 kernel [[1, 2], [3, 4]] on 3×3 inputs (4 outputs × 9 inputs):')
for (const line of rows(await C.data(), 9)) console.log(`  ${line}`)
const direct = await conv2d(K)(X).data()
const viaMatrix = await matmul(C, fromArray(await X.data(), [9, 1]) as Tensor<[number, 1]>).data()
console.log(`conv2d(X, K) = [${Array.from(direct).join(', ')}]; C·x = [${Array.from(viaMatrix).join(', ')}]`)
const Y = fromArray(Float32Array.of(1, 2, 3, 4), [1, 1, 2, 2])
const up = await convTranspose2d(K)(Y).data()
const upMatrix = await matmul(transpose(0, 1)(C), fromArray(await Y.data(), [4, 1]) as Tensor<[number, 1]>).data()
console.log(`convTranspose2d(Y, K) = Cᵀ·y: ${maxDiff(up, upMatrix) === 0} (${up.length} values: 2×2 → 3×3)`)

// ---------------------------------------------------------------- the note's cases

console.log('\ncase                                   conv: in → out   |conv(x) − C·x|   |convT(y) − Cᵀ·y|')
const cases: { name: string; size: number; kernel: number; options: Options; outputPadding?: number }[] = [
  { name: 'kernel 3', size: 5, kernel: 3, options: {} },
  { name: 'kernel 3, padding 1', size: 5, kernel: 3, options: { padding: 1 } },
  { name: 'kernel 3, stride 2', size: 7, kernel: 3, options: { stride: 2 } },
  { name: 'kernel 3, stride 2, padding 1', size: 7, kernel: 3, options: { stride: 2, padding: 1 } },
  // A stride-2 conv maps 8×8 and 7×7 both to 4×4: the transpose needs outputPadding 1 to give back 8×8.
  { name: 'kernel 3, stride 2, padding 1, op 1', size: 8, kernel: 3, options: { stride: 2, padding: 1 }, outputPadding: 1 },
  { name: 'kernel 3, dilation 2', size: 7, kernel: 3, options: { dilation: 2 } },
]
for (const c of cases) {
  const kernel = fromArray(Float32Array.from({ length: c.kernel ** 2 }, (_, i) => ((i * 7) % 5) - 2), [1, 1, c.kernel, c.kernel])
  const { c: matrix, oh, ow } = await convolutionMatrix(kernel, c.size, c.size, c.options)
  const n = c.size * c.size
  const x = fromArray(Float32Array.from({ length: n }, (_, i) => Math.sin(i)), [1, 1, c.size, c.size]) as Image
  const y = fromArray(Float32Array.from({ length: oh * ow }, (_, i) => Math.cos(i)), [1, 1, oh, ow]) as Image
  const convDiff = maxDiff(await conv2d(kernel, c.options)(x).data(), await matmul(matrix, fromArray(await x.data(), [n, 1]) as Tensor<[number, 1]>).data())
  const transposed = convTranspose2d(kernel, { ...c.options, outputPadding: c.outputPadding ?? 0 })(y) as Image
  const back = `${transposed.shape[2]}×${transposed.shape[3]}`
  const tDiff = maxDiff(await transposed.data(), await matmul(transpose(0, 1)(matrix), fromArray(await y.data(), [oh * ow, 1]) as Tensor<[number, 1]>).data())
  console.log(`${c.name.padEnd(38)} ${`${c.size}×${c.size} → ${oh}×${ow}`.padEnd(16)} ${convDiff.toExponential(1).padStart(15)}   ${tDiff.toExponential(1).padStart(15)}   (convT gives ${back})`)
}
