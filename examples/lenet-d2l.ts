/**
 * Lesson: LeNet as d2l 6.6 wrote it — sigmoid activations and average
 * pooling, trained with plain SGD at lr 0.9 on Fashion-MNIST — beside the
 * modern LeNet (relu, max pooling, Adam). Prints d2l's layer-by-layer shape
 * table (computed by the compiler; the annotations are checked), then trains
 * both on the same images and prints their accuracies.
 *
 *   npx tsx examples/lenet-d2l.ts
 */
import { pipe } from 'fp-ts/lib/function.js'
import { conv2d, sigmoid, avgPool2d, flatten, linear, type Tensor } from '../src/index.ts'
import { conv2dParams, linearParams, summary } from '../src/nn/index.ts'
import { sgd, adam } from '../src/optim/index.ts'
import { loadFashionMnist, batches, normalize } from '../src/data/index.ts'
import { fit } from '../src/train/index.ts'
import { classic, classicParams, type ClassicParams } from './lenet.ts'
import { QUICK, sample } from './common.ts'

const d2lParams = () => ({
  c1: conv2dParams({ inChannels: 1, outChannels: 6, kernelSize: 5 }, { seed: 11, init: 'xavierUniform' }),
  c2: conv2dParams({ inChannels: 6, outChannels: 16, kernelSize: 5 }, { seed: 12, init: 'xavierUniform' }),
  f1: linearParams({ inFeatures: 400, outFeatures: 120 }, { seed: 13, init: 'xavierUniform' }),
  f2: linearParams({ inFeatures: 120, outFeatures: 84 }, { seed: 14, init: 'xavierUniform' }),
  f3: linearParams({ inFeatures: 84, outFeatures: 10 }, { seed: 15, init: 'xavierUniform' }),
})
type D2lParams = ReturnType<typeof d2lParams>
const d2lLeNet = (p: D2lParams) => (x: Tensor<[number, 1, 28, 28]>): Tensor<[number, 10]> =>
  pipe(
    x,
    conv2d(p.c1, { padding: 2 }), sigmoid, avgPool2d({ kernelSize: 2, stride: 2 }), // [N, 6, 14, 14]
    conv2d(p.c2), sigmoid, avgPool2d({ kernelSize: 2, stride: 2 }),                 // [N, 16, 5, 5]
    flatten,                                                                        // [N, 400]
    linear(p.f1), sigmoid, linear(p.f2), sigmoid, linear(p.f3),                     // [N, 10]
  )

// d2l prints each layer's output shape for X = torch.rand(size=(1, 1, 28, 28)).
const initial = d2lParams()
console.log("d2l's LeNet, layer by layer:")
console.log(summary((x) => d2lLeNet(initial)(x as never), [1, 1, 28, 28], initial))

// ---------------------------------------------------------------- train both on the same images

const data = loadFashionMnist()
const train = sample(data.train, QUICK ? 1024 : 20000, 1)
const test = sample(data.test, QUICK ? 500 : 5000, 2)
for (const ds of [train, test]) ds.images.set(normalize(ds.images, 0.2860, 0.3530))
const epochs = QUICK ? 1 : 5
const common = {
  epochs,
  train: (epoch: number) => batches(train, { batchSize: 256, shuffle: true, seed: epoch }),
  validation: () => batches(test, { batchSize: 500 }),
}
console.log(`\nd2l LeNet (sigmoid, average pooling, SGD lr 0.9), ${epochs} epoch(s) on ${train.count} Fashion-MNIST images:`)
const old = await fit({ ...common, model: (p: D2lParams, x: Tensor<[number, 1, 28, 28]>) => d2lLeNet(p)(x), params: initial, optimizer: sgd({ lr: 0.9 }) })
console.log(`modern LeNet (relu, max pooling, Adam lr 2e-3):`)
const modern = await fit({ ...common, model: (p: ClassicParams, x: Tensor<[number, 1, 28, 28]>) => classic(p)(x), params: classicParams(), optimizer: adam({ lr: 2e-3 }) })
const pct = (v: number | undefined) => `${(100 * (v as number)).toFixed(1)}%`
console.log(`\ntest accuracy: d2l LeNet ${pct(old.history.valAccuracy.at(-1))}, modern LeNet ${pct(modern.history.valAccuracy.at(-1))}`)
