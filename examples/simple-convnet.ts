/**
 * Lesson: 深度学习入门 7.5–7.6, SimpleConvNet and its filters before and
 * after training. conv (30 filters 5×5) → relu → pool 2 → affine 100 →
 * relu → affine 10, trained on MNIST with Adam; the 30 first-layer filters
 * are written as pictures before and after (the lesson's figure 7-24: random
 * noise before, edge and blob detectors after), in the lesson's `gray_r`.
 *
 *   npx tsx examples/simple-convnet.ts
 */
import { pipe } from 'fp-ts/lib/function.js'
import { writeFileSync } from 'node:fs'
import { conv2d, relu, maxPool2d, flatten, linear, randn, zeros, type Tensor } from '../src/index.ts'
import { conv2dParams, linearParams } from '../src/nn/index.ts'
import { adam } from '../src/optim/index.ts'
import { batches } from '../src/data/index.ts'
import { fit } from '../src/train/index.ts'
import { filtersPng } from '../src/viz/index.ts'
import { QUICK, mnist, outPath } from './common.ts'

// The lesson's sizes: filter_num 30, filter_size 5, pad 0, stride 1, hidden_size 100.
// conv: (28 − 5 + 2·0) / 1 + 1 = 24; pool 2: 12; flattened 30·12·12 = 4,320 features.
const initial = () => ({
  c1: conv2dParams({ inChannels: 1, outChannels: 30, kernelSize: 5 }, { seed: 1 }),
  a1: linearParams({ inFeatures: 4320, outFeatures: 100 }, { seed: 2 }),
  a2: linearParams({ inFeatures: 100, outFeatures: 10 }, { seed: 3 }),
})
type Params = ReturnType<typeof initial>
const simpleConvNet = (p: Params) => (x: Tensor<[number, 1, 28, 28]>) =>
  pipe(x, conv2d(p.c1), relu, maxPool2d({ kernelSize: 2 }), flatten, linear(p.a1), relu, linear(p.a2))

// ---------------------------------------------------------------- the lesson's two shape bugs

// Bug 1: the lesson computes `conv_output_size = (input_size − filter_size + 2·filter_pad) / (filter_stride + 1)`
// = (28 − 5) / 2 = 11.5, so `pool_output_size = int(30 · (11.5/2)²) = 992`, and sizes the affine layer 992 → 100.
// The compiler computes the real 4,320 and rejects the layer where it meets the tensor:
//   error: linear: input has 4320 features but weight expects 992
const wrongAffine = { weight: randn([100, 992]), bias: zeros([100]) }
const bug1 = (p: Params, x: Tensor<[number, 1, 28, 28]>) => {
  const features = pipe(x, conv2d(p.c1), relu, maxPool2d({ kernelSize: 2 }), flatten) // Tensor<[number, 4320]>
  // @ts-expect-error linear: input has 4320 features but weight expects 992
  return linear(wrongAffine)(features)
}

// Bug 2: the lesson sizes the conv bias `b1` as hidden_size (100) instead of filter_num (30):
//   error: conv2d: bias has 100 values but weight has 30 output channels
const wrongBias = { weight: randn([30, 1, 5, 5]), bias: zeros([100]) }
// @ts-expect-error conv2d: bias has 100 values but weight has 30 output channels
const bug2 = (x: Tensor<[number, 1, 28, 28]>) => conv2d(wrongBias)(x)
void [bug1, bug2]

// ---------------------------------------------------------------- train, and the filters before and after

const { train, test } = mnist(QUICK ? 640 : 8000, QUICK ? 500 : 2000)
const params = initial()
const before = outPath('simple-convnet-filters-before.png')
const after = outPath('simple-convnet-filters-after.png')
const picture = { colorMap: 'gray_r', columns: 10, scale: 6, margin: 2 } as const
writeFileSync(before, await filtersPng(params.c1.weight, picture))

const epochs = QUICK ? 1 : 3
const result = await fit({
  model: (p: Params, x: Tensor<[number, 1, 28, 28]>) => simpleConvNet(p)(x),
  params, optimizer: adam({ lr: 1e-3 }), epochs,
  train: (epoch) => batches(train, { batchSize: 100, shuffle: true, seed: epoch, dropLast: true }),
  validation: () => batches(test, { batchSize: 500 }),
})
writeFileSync(after, await filtersPng(result.params.c1.weight, picture))
console.log(`SimpleConvNet: test accuracy ${(100 * (result.history.valAccuracy.at(-1) as number)).toFixed(2)}% after ${epochs} epoch(s) on ${train.count} images`)
console.log(`30 filters before training: ${before}`)
console.log(`30 filters after training: ${after}`)
