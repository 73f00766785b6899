/**
 * Lesson: im2col (深度学习入门 7.4). A convolution unrolls every receptive
 * field of the input into a row — a matrix of (N·out_h·out_w) rows and
 * (C·fh·fw) columns — so the whole convolution is one matrix product with
 * the filters unrolled the same way. The lesson's shapes: a 1×3×7×7 input
 * with 5×5 filters gives (9, 75); a batch of 10 gives (90, 75). Then
 * conv = im2col + matmul equals `conv2d`.
 *
 * im2col is the library's `unfold` ([N, C·fh·fw, L], PyTorch's layout) with
 * its windows moved to the rows.
 *
 *   npx tsx examples/im2col.ts
 */
import { conv2d, unfold, reshape, permute, matmul, transpose, add, randn, type Tensor } from '../src/index.ts'

type Any4 = Tensor<[number, number, number, number]>

/** The lesson's im2col(input, filter_h, filter_w, stride, pad): [N·oh·ow, C·fh·fw], columns ordered (channel, row, column). */
const im2col = (x: Any4, fh: number, fw: number, stride = 1, padding = 0): Tensor<[number, number]> => {
  const columns = unfold({ kernelSize: [fh, fw], stride, padding })(x) // [N, C·fh·fw, L]
  const [n, size, windows] = columns.shape
  return reshape([n * windows, size])(permute([0, 2, 1])(columns))
}

const x1 = randn([1, 3, 7, 7], { seed: 1 })
const unfolded: Tensor<[1, 75, 9]> = unfold({ kernelSize: 5 })(x1) // the compiler computes 3·5·5 = 75 and 3·3 = 9
console.log(`unfold(x1, kernel 5).shape = [${unfolded.shape.join(', ')}]`)
const col1 = im2col(x1, 5, 5, 1, 0)
console.log(`im2col(x1 [1, 3, 7, 7], 5, 5, stride=1, pad=0).shape = (${col1.shape.join(', ')})`)
const x2 = randn([10, 3, 7, 7], { seed: 2 })
const col2 = im2col(x2, 5, 5, 1, 0)
console.log(`im2col(x2 [10, 3, 7, 7], 5, 5, stride=1, pad=0).shape = (${col2.shape.join(', ')})`)

// The lesson's Convolution.forward: out = col · W.reshape(FN, −1)ᵀ + b, reshaped to (N, out_h, out_w, FN), transposed to NCHW.
const weight = randn([4, 3, 5, 5], { seed: 3 })
const bias = randn([4], { seed: 4 })
const forward = (x: Any4, stride: number, padding: number) => {
  const [n, , h, w] = x.shape
  const [oh, ow] = [Math.floor((h + 2 * padding - 5) / stride) + 1, Math.floor((w + 2 * padding - 5) / stride) + 1]
  const col = im2col(x, 5, 5, stride, padding)
  const colW = transpose(0, 1)(reshape([4, 75])(weight)) // [75, FN]
  const out = matmul(col, colW as Tensor<[number, number]>) // [N·oh·ow, FN]
  return permute([0, 3, 1, 2])(reshape([n, oh, ow, 4])(out) as Any4) as Any4
}
for (const [name, x, stride, padding] of [['x2, stride 1, pad 0', x2, 1, 0], ['x2, stride 2, pad 2', x2, 2, 2]] as const) {
  const viaIm2col = await add(forward(x, stride, padding), reshape([1, 4, 1, 1])(bias)).data()
  // stride and padding come from the loop's table (a union of literals): widen them to number for conv2d.
  const direct = await conv2d({ weight, bias }, { stride: stride as number, padding: padding as number })(x).data()
  const diff = Array.from(direct).reduce((m, v, i) => Math.max(m, Math.abs(v - viaIm2col[i])), 0)
  console.log(`${name}: conv2d and im2col + matmul agree, max |difference| = ${diff.toExponential(1)} over ${direct.length} values`)
}
