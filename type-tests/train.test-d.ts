/**
 * Types of shapewise/train: fit infers the parameter tree from `params` and
 * the input shape from the model, and returns the same parameter type.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError, expectAssignable } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import { zeros, flatten, linear, dropout, type Tensor } from '../src/index.ts'
import { sgd, type OptimizerState } from '../src/optim/index.ts'
import { fit, checkpoint, earlyStopping, trainingStep, ProgressBar, type FitResult, type Callback, type LabelledBatch, type StepContext, type History } from '../src/train/index.ts'

type Params = { fc: { weight: Tensor<[10, 784]>; bias: Tensor<[10]> } }
const params: Params = { fc: { weight: zeros([10, 784]), bias: zeros([10]) } }
const model = (p: Params, x: Tensor<[number, 1, 28, 28]>, context: StepContext) => pipe(x, flatten, dropout({ rate: 0.5, ...context }), linear(p.fc))
declare const batches: (epoch: number) => Iterable<LabelledBatch<[number, 1, 28, 28]>>

const result = fit({ model, params, optimizer: sgd({ lr: 0.1 }), train: batches, epochs: 2, callbacks: [earlyStopping(), checkpoint<Params, unknown>({ dir: 'runs', save: async () => {} })] })
expectType<Promise<FitResult<Params, unknown>>>(result)
expectAssignable<Promise<{ params: Params; history: History }>>(result)
expectAssignable<Callback>(earlyStopping({ monitor: 'valAccuracy', patience: 2 }))
expectType<ProgressBar>(new ProgressBar({ every: 100 }))
const step = trainingStep(model, sgd({ lr: 0.1 }))
declare const state: OptimizerState<import('../src/tree.ts').Tree | null>
declare const seed: Tensor<[], 'int32'>
expectType<Promise<{ params: Params; state: OptimizerState<import('../src/tree.ts').Tree | null>; loss: Tensor<[]>; correct: Tensor<[]> }>>(step(params, state, zeros([64, 1, 28, 28]), zeros([64], 'int32'), seed))

// Batches of another image size than the model's, a metric that does not exist, and a dropout that does not say its mode are errors.
declare const cifar: (epoch: number) => Iterable<LabelledBatch<[number, 3, 32, 32]>>
//// @ts-expect-error
expectError(fit({ model, params, optimizer: sgd({ lr: 0.1 }), train: cifar, epochs: 1 }))
//// @ts-expect-error
expectError(earlyStopping({ monitor: 'valF1' }))
//// @ts-expect-error
expectError(fit({ model: (p: Params, x: Tensor<[number, 1, 28, 28]>) => pipe(x, flatten, dropout({ rate: 0.5, seed: 0 }), linear(p.fc)), params, optimizer: sgd({ lr: 0.1 }), train: batches, epochs: 1 }))
