/**
 * Lesson: learning a convolution kernel. Given X (a 6×8 image) and Y (its
 * edges under K = [1, −1]), gradient descent on ‖conv2d(X, K̂) − Y‖² recovers
 * K̂ ≈ [1, −1]. Run: npx tsx examples/edge-detector.ts
 */
import { fromArray, tensor, conv2d, sub, mul, sum, valueAndGrad, randn, type Tensor } from '../src/index.ts'

const X = fromArray(Array.from({ length: 48 }, (_, i) => (i % 8 >= 2 && i % 8 < 6 ? 0 : 1)), [1, 1, 6, 8])
const Y = conv2d(tensor([[[[1, -1]]]]))(X)

type Kernel = Tensor<[1, 1, 1, 2]>
const loss = (k: Kernel) => {
  const d = sub(conv2d(k)(X), Y)
  return sum()(mul(d, d))
}
const step = valueAndGrad(loss)

const lr = 0.03
let kernel: Kernel = randn([1, 1, 1, 2], { seed: 0 })
console.log('epoch   loss')
for (let epoch = 1; epoch <= 20; epoch++) {
  const [value, grad] = step(kernel)
  kernel = sub(kernel, mul(grad, lr))
  if (epoch % 2 === 0) console.log(`${String(epoch).padStart(5)}   ${(await value.data())[0].toFixed(3)}`)
}
const learned = await kernel.data()
console.log(`\nlearned kernel: [${Array.from(learned, (v) => v.toFixed(4)).join(', ')}] (target [1, -1])`)
