/**
 * Lesson: what the convolution layers of a trained LeNet see. Trains the
 * classic LeNet-5 briefly with `fit`, then writes one digit and the
 * activations of each conv layer for it as pictures: 6 maps of 28×28 after
 * the first convolution (edges and strokes), 16 of 10×10 after the second.
 *
 *   npx tsx examples/feature-maps.ts
 */
import { pipe } from 'fp-ts/lib/function.js'
import { writeFileSync } from 'node:fs'
import { conv2d, relu, maxPool2d, fromArray, type Tensor } from '../src/index.ts'
import { adam } from '../src/optim/index.ts'
import { batches } from '../src/data/index.ts'
import { fit } from '../src/train/index.ts'
import { featureMapsPng, imageGridPng } from '../src/viz/index.ts'
import { classic, classicParams, type ClassicParams } from './lenet.ts'
import { QUICK, mnist, outPath } from './common.ts'

const { train, test } = mnist(QUICK ? 640 : 8000, 500)
const { params, history } = await fit({
  model: (p: ClassicParams, x: Tensor<[number, 1, 28, 28]>) => classic(p)(x),
  params: classicParams(), optimizer: adam({ lr: 2e-3 }), epochs: 1,
  train: (epoch) => batches(train, { batchSize: 64, shuffle: true, seed: epoch, dropLast: true }),
  validation: () => batches(test, { batchSize: 500 }),
})
console.log(`trained 1 epoch on ${train.count} digits: held-out accuracy ${(100 * history.valAccuracy[0]).toFixed(1)}%`)

// One digit of the held-out set, and what each conv layer makes of it.
const digit = fromArray(test.images.slice(0, 784), [1, 1, 28, 28])
const conv1: Tensor<[1, 6, 28, 28]> = pipe(digit, conv2d(params.c1, { padding: 2 }), relu)
const conv2: Tensor<[1, 16, 10, 10]> = pipe(conv1, maxPool2d({ kernelSize: 2 }), conv2d(params.c2), relu)

const files = {
  digit: outPath('feature-maps-digit.png'),
  conv1: outPath('feature-maps-conv1.png'),
  conv2: outPath('feature-maps-conv2.png'),
}
writeFileSync(files.digit, await imageGridPng(digit, { scale: 4, labels: [`label ${test.labels[0]}`] }))
writeFileSync(files.conv1, await featureMapsPng({ values: await conv1.data(), shape: [6, 28, 28] }, { scale: 3, margin: 2, columns: 6 }))
writeFileSync(files.conv2, await featureMapsPng({ values: await conv2.data(), shape: [16, 10, 10] }, { scale: 6, margin: 2, columns: 8 }))
console.log(`the digit, label ${test.labels[0]}, as a picture: ${files.digit}`)
console.log(`conv1 + relu, 6 maps of 28×28: ${files.conv1}`)
console.log(`conv2 + relu, 16 maps of 10×10: ${files.conv2}`)
