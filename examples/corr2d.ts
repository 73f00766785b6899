/**
 * Lesson: cross-correlation, the operation a "convolution" layer computes,
 * and edge detection with the kernel K = [1, −1].
 * Run: npx tsx examples/corr2d.ts
 */
import { tensor, fromArray, conv2d, reshape, permute, type Tensor } from '../src/index.ts'

/** 2-D cross-correlation of an image [h, w] with a kernel [kh, kw], through conv2d on [1, 1, h, w]. */
const corr2d = (x: Tensor<[number, number]>, k: Tensor<[number, number]>) => {
  const image = reshape([1, 1, ...x.shape])(x)
  const kernel = reshape([1, 1, ...k.shape])(k)
  return conv2d(kernel)(image)
}

const x = tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
const k = tensor([[0, 1], [2, 3]])
console.log('corr2d(X, K) =', (await corr2d(x, k).array())[0][0])

// A 6×8 image, black (0) in columns 2..5, white (1) elsewhere.
const image = fromArray(Array.from({ length: 48 }, (_, i) => (i % 8 >= 2 && i % 8 < 6 ? 0 : 1)), [6, 8])
console.log('\nX =')
for (const row of await image.array()) console.log(row.map((v) => String(v).padStart(3)).join(''))
const edge = tensor([[1, -1]])
const y = corr2d(image, edge)
console.log('\nY = corr2d(X, [[1, -1]]): 1 for white→black, −1 for black→white edges')
for (const row of (await y.array())[0][0]) console.log(row.map((v) => String(v).padStart(3)).join(''))

// The same kernel on the transposed image sees no vertical edges at all.
const transposed = permute([1, 0])(image)
const none = corr2d(transposed, edge)
console.log('\ncorr2d(Xᵀ, K) is all zeros:', (await none.data()).every((v) => v === 0))
