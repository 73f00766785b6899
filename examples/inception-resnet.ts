/**
 * Lesson: the Inception block (d2l 7.4) and residual blocks (d2l 7.6).
 *
 * Inception: four parallel paths — 1×1; 1×1 → 3×3; 1×1 → 5×5; 3×3 max pool
 * → 1×1 — concatenated on the channel axis. Written as a function of
 * any batch size, so one definition serves every batch; the compiler adds up
 * the channels of the concat (64 + 128 + 32 + 32 = 256 for d2l's first block).
 *
 * ResNet: residual blocks (main branch + identity, or a 1×1 stride-2
 * shortcut where the shape changes), stacked into a small ResNet and
 * trained on Fashion-MNIST with `fit`; writes the loss curve.
 *
 *   npx tsx examples/inception-resnet.ts [--epochs N]
 */
import { pipe } from 'fp-ts/lib/function.js'
import { writeFileSync } from 'node:fs'
import { conv2d, relu, maxPool2d, concat, randn, residual, sequential, globalAvgPool2d, flatten, linear, type Tensor } from '../src/index.ts'
import { conv2dParams, linearParams, countParameters } from '../src/nn/index.ts'
import { adam, cosineDecay } from '../src/optim/index.ts'
import { loadFashionMnist, batches, batchCount, normalize } from '../src/data/index.ts'
import { fit } from '../src/train/index.ts'
import { lineChartPng } from '../src/viz/index.ts'
import { QUICK, sample, outPath } from './common.ts'

// ---------------------------------------------------------------- Inception

const conv = <const Ci extends number, const Co extends number, const K extends number>(ci: Ci, co: Co, k: K) =>
  conv2dParams({ inChannels: ci, outChannels: co, kernelSize: k }, { seed: ci * 1000 + co * 10 + k })
/** d2l's first Inception block of GoogLeNet: 192 channels in, 64 + 128 + 32 + 32 out. */
const inceptionParams = {
  p1: conv(192, 64, 1),
  p2: [conv(192, 96, 1), conv(96, 128, 3)],
  p3: [conv(192, 16, 1), conv(16, 32, 5)],
  p4: conv(192, 32, 1),
} as const
// A generic-batch function: the compiler carries N through the four branches and the concat.
const inception = <N extends number>(x: Tensor<[N, 192, 28, 28]>): Tensor<[N, 256, 28, 28]> => {
  const p = inceptionParams
  const p1 = pipe(x, conv2d(p.p1), relu)
  const p2 = pipe(x, conv2d(p.p2[0]), relu, conv2d(p.p2[1], { padding: 1 }), relu)
  const p3 = pipe(x, conv2d(p.p3[0]), relu, conv2d(p.p3[1], { padding: 2 }), relu)
  const p4 = pipe(x, maxPool2d({ kernelSize: 3, stride: 1, padding: 1 }), conv2d(p.p4), relu)
  return concat([p1, p2, p3, p4], 1)
}
const block: Tensor<[2, 256, 28, 28]> = inception(randn([2, 192, 28, 28], { seed: 1 }))
const values = await block.data()
console.log(`Inception block: [2, 192, 28, 28] → [${block.shape.join(', ')}] (64 + 128 + 32 + 32 channels), ${countParameters(inceptionParams).toLocaleString('en-US')} parameters, all finite: ${values.every(Number.isFinite)}`)

// ---------------------------------------------------------------- a small ResNet

const resnetParams = () => ({
  stem: conv(1, 16, 3),
  b1: { a: conv(16, 16, 3), b: conv(16, 16, 3) },
  b2: { a: conv(16, 32, 3), b: conv(32, 32, 3), shortcut: conv(16, 32, 1) },
  b3: { a: conv(32, 32, 3), b: conv(32, 32, 3) },
  fc: linearParams({ inFeatures: 32, outFeatures: 10 }, { seed: 9 }),
})
type ResNetParams = ReturnType<typeof resnetParams>
const resnet = (p: ResNetParams) => (x: Tensor<[number, 1, 28, 28]>): Tensor<[number, 10]> =>
  pipe(
    x,
    conv2d(p.stem, { padding: 1 }), relu,                                                                              // [N, 16, 28, 28]
    residual(sequential(conv2d(p.b1.a, { padding: 1 }), relu, conv2d(p.b1.b, { padding: 1 }))), relu,                    // [N, 16, 28, 28]
    residual(sequential(conv2d(p.b2.a, { padding: 1, stride: 2 }), relu, conv2d(p.b2.b, { padding: 1 })), conv2d(p.b2.shortcut, { stride: 2 })), relu, // [N, 32, 14, 14]
    residual(sequential(conv2d(p.b3.a, { padding: 1 }), relu, conv2d(p.b3.b, { padding: 1 }))), relu,                    // [N, 32, 14, 14]
    globalAvgPool2d, flatten, linear(p.fc),                                                                            // [N, 10]
  )

const epochsArg = process.argv.indexOf('--epochs')
const epochs = epochsArg >= 0 ? Number(process.argv[epochsArg + 1]) : QUICK ? 1 : 10
const data = loadFashionMnist()
const train = sample(data.train, QUICK ? 128 : data.train.count, 1)
const test = sample(data.test, QUICK ? 100 : data.test.count, 2)
for (const ds of [train, test]) ds.images.set(normalize(ds.images, 0.2860, 0.3530))
const params = resnetParams()
console.log(`\nResNet (3 residual blocks, ${countParameters(params).toLocaleString('en-US')} parameters) on Fashion-MNIST: ${train.count} train / ${test.count} test, ${epochs} epoch(s)`)
const stepsPerEpoch = batchCount(train.count, { batchSize: 64, dropLast: true })
const result = await fit({
  model: (p: ResNetParams, x: Tensor<[number, 1, 28, 28]>) => resnet(p)(x),
  params, optimizer: adam({ lr: 2e-3 }), epochs, stepsPerEpoch,
  schedule: cosineDecay({ initial: 2e-3, total: epochs * stepsPerEpoch }),
  train: (epoch) => batches(train, { batchSize: 64, shuffle: true, seed: epoch, dropLast: true }),
  validation: () => batches(test, { batchSize: 100 }),
})
const curve = outPath('resnet-loss.png')
writeFileSync(curve, lineChartPng({
  title: 'ResNet on Fashion-MNIST', xLabel: 'epoch', yLabel: 'loss',
  series: [
    { name: 'training loss (per step)', values: result.history.stepLoss, x: result.history.stepLoss.map((_, i) => (i + 1) / stepsPerEpoch) },
    { name: 'test loss', values: result.history.valLoss, x: result.history.epoch },
  ],
}))
console.log(`ResNet test accuracy: ${(100 * (result.history.valAccuracy.at(-1) as number)).toFixed(2)}% after ${epochs} epoch(s), trained in ${result.seconds.toFixed(1)} s`)
console.log(`loss curve: ${curve}`)
