/**
 * Types of the training side: losses, parameter initialisers, optimizers,
 * schedules, data, summaries and the run-time helpers exported with them.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError, expectAssignable } from 'tsd'
import { randn, fromArray, memory, backendInfo, DisposedError, type Tensor, type Memory } from '../src/index.ts'
import {
  crossEntropy, nllLoss, mseLoss, binaryCrossEntropyWithLogits, conv1dParams, conv2dParams, convTranspose2dParams,
  linearParams, batchNorm2dParams, batchNorm2dRunningStats, summary, assertFiniteLoss, countParameters, flattenTree,
} from '../src/nn/index.ts'
import { sgd, adam, adamW, withLearningRate, stepDecay, cosineDecay, type OptimizerState } from '../src/optim/index.ts'
import { loadMnist, splitTrainTest, batches, normalize, readIdx, type Dataset, type IdxFile } from '../src/data/index.ts'

const logits = randn([8, 10])
const labels = fromArray([0, 1, 2, 3, 4, 5, 6, 7], [8], 'int32')

// ------------------------------------------------------------ losses
expectType<Tensor<[]>>(crossEntropy(logits, labels))
expectType<Tensor<[8]>>(crossEntropy(logits, labels, { reduction: 'none' }))
expectType<Tensor<[]>>(crossEntropy(logits, labels, { labelSmoothing: 0.1, reduction: 'sum' }))
expectType<Tensor<[]>>(nllLoss(logits, labels))
//// @ts-expect-error
expectError(crossEntropy(logits, fromArray([0, 1, 2], [3], 'int32')))
//// @ts-expect-error
expectError(crossEntropy(logits, randn([8])))
// the messages name the op and int32, and the batch text is the run-time twin's (tests/nn/losses.test.ts)
// (the labels parameter of the loss instantiated for logits [8, 10] and the given labels' shape and dtype)
// float rows shaped like the logits are probability targets for crossEntropy (PyTorch's soft targets), not for nllLoss
expectType<Tensor<[]>>(crossEntropy(logits, randn([8, 10])))
//// @ts-expect-error
expectError(nllLoss(logits, randn([8, 10])))
expectType<'crossEntropy: target must be int32 class indices [8] or float32 probabilities [8, 10], got float32 [8]'>(
  {} as Parameters<typeof crossEntropy<8, 10, [], [8], 'float32'>>[1],
)
expectType<'nllLoss: labels must be int32 class indices, got float32 [8, 10]'>({} as Parameters<typeof nllLoss<8, 10, [], [8, 10], 'float32'>>[1])
expectType<'nllLoss: labels must be int32 class indices, got bool [8]'>({} as Parameters<typeof nllLoss<8, 10, [], [8], 'bool'>>[1])
expectType<'crossEntropy: input [8, 10] needs labels [8], got [3]'>({} as Parameters<typeof crossEntropy<8, 10, [], [3], 'int32'>>[1])
expectType<'crossEntropy: input [8, 10] needs labels [8], got [8, 1]'>({} as Parameters<typeof crossEntropy<8, 10, [], [8, 1], 'int32'>>[1])
// a generic batch checks: labels [N] for logits [N, C]
expectType<<N extends number>(l: Tensor<[N, 10]>, y: Tensor<[N], 'int32'>) => Tensor<[]>>(
  <N extends number>(l: Tensor<[N, 10]>, y: Tensor<[N], 'int32'>) => crossEntropy(l, y),
)
expectType<Tensor<[]>>(mseLoss(randn([2, 3]), randn([2, 3])))
expectType<Tensor<[2, 3]>>(mseLoss(randn([2, 3]), randn([2, 3]), { reduction: 'none' }))
//// @ts-expect-error
expectError(mseLoss(randn([2, 3]), randn([3, 2])))
expectType<Tensor<[]>>(binaryCrossEntropyWithLogits(randn([4]), randn([4])))

// ------------------------------------------------------------ parameters
expectType<{ weight: Tensor<[6, 1, 5, 5]>; bias: Tensor<[6]> }>(conv2dParams({ inChannels: 1, outChannels: 6, kernelSize: 5 }))
expectType<{ weight: Tensor<[8, 2, 3, 5]> }>(conv2dParams({ inChannels: 4, outChannels: 8, kernelSize: [3, 5], groups: 2, bias: false }))
expectType<{ weight: Tensor<[4, 2, 3]>; bias: Tensor<[4]> }>(conv1dParams({ inChannels: 2, outChannels: 4, kernelSize: 3 }, { init: 'kaimingNormal', seed: 1 }))
expectType<{ weight: Tensor<[16, 8, 4, 4]>; bias: Tensor<[8]> }>(convTranspose2dParams({ inChannels: 16, outChannels: 8, kernelSize: 4 }))
expectType<{ weight: Tensor<[120, 400]>; bias: Tensor<[120]> }>(linearParams({ inFeatures: 400, outFeatures: 120 }, { init: 'xavierUniform' }))
const bn = batchNorm2dParams({ numFeatures: 16 })
expectType<Tensor<[16]>>(bn.runningVar)
expectType<Tensor<[16]>>(batchNorm2dRunningStats(bn, randn([4, 16, 8, 8])).runningMean)
//// @ts-expect-error
expectError(conv2dParams({ inChannels: 1, outChannels: 6 }))

const params = { fc: linearParams({ inFeatures: 4, outFeatures: 2 }) }
expectType<number>(countParameters(params))
expectType<[string, Tensor<readonly number[], 'float32' | 'int32' | 'bool'>][]>(flattenTree(params))
expectType<string>(summary((x) => x, [1, 4], params))
expectType<void>(assertFiniteLoss(0.5, 3))

// ------------------------------------------------------------ optimizers and schedules
{
  const momentum = sgd({ lr: 0.1, momentum: 0.9 })
  const state = momentum.init(params)
  expectAssignable<OptimizerState<unknown>>(state)
  const [next, nextState] = momentum.update(params, params, state)
  expectType<typeof params>(next)
  expectType<typeof state>(nextState)
  expectType<typeof state>(withLearningRate(state, 0.01))
}
for (const optimizer of [adam({ lr: 1e-3 }), adamW({ lr: 1e-3 })]) {
  const state = optimizer.init(params)
  const [next, nextState] = optimizer.update(params, params, state)
  expectType<typeof params>(next)
  expectType<typeof state>(nextState)
}
expectType<number>(stepDecay({ initial: 0.1, stepSize: 10 })(3))
expectType<number>(cosineDecay({ initial: 0.1, total: 100 })(3))
//// @ts-expect-error
expectError(sgd({ momentum: 0.9 }))

// ------------------------------------------------------------ data
declare const ds: Dataset
expectType<Dataset>(loadMnist())
expectType<{ train: Dataset; test: Dataset }>(splitTrainTest(ds, 2000, 0))
for (const batch of batches(ds, { batchSize: 64, shuffle: true, seed: 1 })) {
  expectType<Tensor<[number, 1, 28, 28]>>(batch.x)
  expectType<Tensor<[number], 'int32'>>(batch.y)
}
expectType<Float32Array>(normalize(ds.images))
expectType<IdxFile>(readIdx('file.idx'))

// ------------------------------------------------------------ runtime helpers
expectType<Memory>(memory())
expectType<number>(memory().liveTensors)
expectType<Promise<boolean>>(backendInfo().then((info) => info.software))
expectAssignable<Error>(new DisposedError('x'))
