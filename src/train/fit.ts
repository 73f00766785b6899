/**
 * A `fit`-style training loop over a jitted step: what Keras users call and
 * what PyTorch users write by hand, as one function. The step (forward,
 * loss, backward, optimizer update) is traced once by `jit` and donates the
 * old parameters and optimizer state, so memory stays flat; everything else
 * (progress, history, evaluation, schedules, callbacks) happens on the host
 * between steps.
 */
import { fromArray, type Tensor } from '../tensor.ts'
import type { Shape } from '../../types/index.ts'
import type { Mode } from '../layer.ts'
import type { BatchStatisticsRecorder } from '../ops/pool.ts'
import { batchNorm2dRunningStats } from '../nn/batch-norm.ts'
import { jit } from '../autodiff/jit.ts'
import { valueAndGradWithAux } from '../autodiff/transforms.ts'
import { abs, less, where, sum, equal } from '../core/ops.ts'
import { argmax } from '../ops/reduce.ts'
import { crossEntropy } from '../nn/losses.ts'
import { isTensor, leaves, unflattenLike, type AnyTensor, type Tree } from '../tree.ts'
import { withLearningRate, type Optimizer, type OptimizerState } from '../optim/optimizers.ts'
import type { Schedule } from '../optim/schedules.ts'
import { ProgressBar, formatAccuracy, formatRate, type ProgressOptions } from './progress.ts'

/** What a model sees besides its parameters and input: the mode, and a per-step seed for dropout. */
export interface StepContext extends Mode {
  /** A new value every training step; spread the context into dropout: `dropout({ rate: 0.5, ...context })`. */
  readonly seed: Tensor<[], 'int32'>
  /**
   * In a training step: collects what each `batchNorm2d(p, context)` normalised, so the step also
   * returns the parameters with their running statistics updated (PyTorch's train-mode update).
   */
  readonly recordStatistics?: BatchStatisticsRecorder
}

/** A classifier: parameters and a batch `[N, …]` to logits `[N, classes]`. */
export type Model<P extends Tree, X extends Shape> = (params: P, x: Tensor<X>, context: StepContext) => Tensor<[number, number]>

/** One batch: inputs and integer class labels. */
export interface LabelledBatch<X extends Shape> {
  readonly x: Tensor<X>
  readonly y: Tensor<[number], 'int32'>
}

/** The batches of one epoch (a new iterator per epoch: `(epoch) => batches(ds, { shuffle: true, seed: epoch, … })`). */
export type BatchSource<X extends Shape> = (epoch: number) => Iterable<LabelledBatch<X>> | AsyncIterable<LabelledBatch<X>>

/** Metrics per epoch, as columns (`lineChart({ series: [{ name: 'loss', values: history.loss }] })`). */
export interface History {
  readonly epoch: number[]
  /** Mean training loss and accuracy (0..1) of the epoch. */
  readonly loss: number[]
  readonly accuracy: number[]
  /** On the validation batches after the epoch (NaN when there are none). */
  readonly valLoss: number[]
  readonly valAccuracy: number[]
  /** Learning rate of the epoch's last step. */
  readonly lr: number[]
  readonly seconds: number[]
  readonly imagesPerSecond: number[]
  /** Every step's loss, for a per-step curve. */
  readonly stepLoss: number[]
}

export interface EpochRecord {
  readonly epoch: number
  readonly loss: number
  readonly accuracy: number
  readonly valLoss: number
  readonly valAccuracy: number
  readonly lr: number
  readonly seconds: number
  readonly imagesPerSecond: number
}

/** What a callback sees at the end of an epoch. The tensors are current; read or save them before returning. */
export interface EpochEnd<P extends Tree, S> {
  readonly epoch: number
  /** Steps taken so far (the optimizer's step count). */
  readonly step: number
  readonly params: P
  readonly optimizerState: OptimizerState<S>
  readonly record: EpochRecord
  readonly history: History
}

export interface Callback<P extends Tree = Tree, S = unknown> {
  /** Return 'stop' to end training after this epoch. */
  onEpochEnd?(event: EpochEnd<P, S>): void | 'stop' | Promise<void | 'stop'>
}

export interface FitOptions<P extends Tree, S, X extends Shape> {
  readonly model: Model<P, X>
  readonly params: P
  readonly optimizer: Optimizer<S>
  /** To resume: the state saved with the parameters (default `optimizer.init(params)`). */
  readonly optimizerState?: OptimizerState<S>
  readonly train: BatchSource<X>
  /** Evaluated after every epoch in evaluation mode (no dropout, batch norm's running statistics). */
  readonly validation?: BatchSource<X>
  readonly epochs: number
  /** Steps per epoch, for the progress bar's length (optional). */
  readonly stepsPerEpoch?: number
  /** Learning rate per step (or per epoch with `scheduleBy: 'epoch'`), numbered from 0. */
  readonly schedule?: Schedule
  readonly scheduleBy?: 'step' | 'epoch'
  /** Mean loss of a batch (default crossEntropy). */
  readonly loss?: (logits: Tensor<[number, number]>, labels: Tensor<[number], 'int32'>) => Tensor<[]>
  readonly callbacks?: readonly Callback<P, S>[]
  /** Progress display options, or false for none. */
  readonly progress?: ProgressOptions | false
  /** Seed of the per-step dropout seeds (default 0). */
  readonly seed?: number
}

export type StopReason =
  | { readonly reason: 'completed' }
  | { readonly reason: 'callback'; readonly epoch: number }
  /** The step that produced it changed nothing: params and state are those before it. */
  | { readonly reason: 'non-finite loss'; readonly step: number; readonly loss: number }

export interface FitResult<P extends Tree, S> {
  readonly params: P
  readonly optimizerState: OptimizerState<S>
  readonly history: History
  readonly stopped: StopReason
  readonly seconds: number
}

const FLOAT32_MAX = 3.4028234663852886e38

/** `fresh` where `ok`, else `old`, leaf by leaf; non-tensor leaves (an optimizer's null slots) are kept as they are. */
const select = (ok: AnyTensor, fresh: unknown, old: unknown): unknown => {
  if (isTensor(fresh)) return where(ok, fresh, old as AnyTensor)
  if (Array.isArray(fresh)) return fresh.map((f, i) => select(ok, f, (old as unknown[])[i]))
  if (fresh && typeof fresh === 'object') return Object.fromEntries(Object.entries(fresh).map(([k, f]) => [k, select(ok, f, (old as Record<string, unknown>)[k])]))
  return fresh
}
const int32Scalar = (v: number): Tensor<[], 'int32'> => fromArray(Int32Array.of(v | 0), [], 'int32')
const correctCount = (logits: AnyTensor, labels: AnyTensor): AnyTensor =>
  sum(where(equal(argmax({ axis: 1 })(logits as Tensor<[number, number]>) as AnyTensor, labels), 1, 0))

/**
 * The jitted training step `fit` runs: forward in training mode, loss,
 * gradients, optimizer update. If the loss is not finite the step returns
 * the parameters and state it was given, unchanged (a select on the device,
 * before their buffers are given up), so a NaN loses nothing.
 *
 * @example
 * import { flatten, linear, pipe, type Tensor } from 'shapewise'
 * import { batches } from 'shapewise/data'
 * import { linearParams } from 'shapewise/nn'
 * import { adam } from 'shapewise/optim'
 * // Eight tiny "images": class 0 bright on the left half, class 1 on the right.
 * const images = new Float32Array(8 * 784).map((_, i) => ((i % 28 < 14) === (i < 4 * 784) ? 1 : 0))
 * const data = { images, labels: Int32Array.of(0, 0, 0, 0, 1, 1, 1, 1), count: 8 }
 * const params = { fc: linearParams({ inFeatures: 784, outFeatures: 2 }) }
 * const model = (p: typeof params, x: Tensor<[number, 1, 28, 28]>) => pipe(x, flatten, linear(p.fc))
 * import { tensor } from 'shapewise'
 * import { trainingStep } from 'shapewise/train'
 * const optimizer = adam({ lr: 0.01 })
 * const step = trainingStep(model, optimizer)
 * const [batch] = batches(data, { batchSize: 8 })
 * const out = await step(params, optimizer.init(params), batch.x, batch.y, tensor(0, 'int32')) // { params, state, loss, correct }
 * out.loss.shape // → []
 * await out.state.step.data() // → [1]
 */
export function trainingStep<P extends Tree, S, X extends Shape>(
  model: Model<P, X>,
  optimizer: Optimizer<S>,
  loss: FitOptions<P, S, X>['loss'] = crossEntropy as never,
) {
  return jit(
    (params: P, state: OptimizerState<S>, x: Tensor<X>, y: Tensor<[number], 'int32'>, seed: Tensor<[], 'int32'>) => {
      // New running statistics of each batch norm, by the position of its leaf in the parameters.
      const statistics = new Map<number, AnyTensor>()
      const forward = (p: P) => {
        const position = new Map(leaves(p).map((leaf, i) => [leaf, i]))
        const recordStatistics: BatchStatisticsRecorder = (bn, input, momentum) => {
          const [mean, variance] = [position.get(bn.runningMean as AnyTensor), position.get(bn.runningVar as AnyTensor)]
          if (mean === undefined || variance === undefined) return // statistics that are not parameters stay as they are
          const next = batchNorm2dRunningStats(bn as never, input as never, { momentum })
          statistics.set(mean, next.runningMean as AnyTensor).set(variance, next.runningVar as AnyTensor)
        }
        const logits = model(p, x, { training: true, seed, recordStatistics })
        return [loss(logits, y) as AnyTensor, logits] as const
      }
      // P is generic here, so the compile-time dtype check of the differentiated argument cannot resolve;
      // valueAndGradWithAux still checks the dtypes of the actual parameters at run time.
      const [[value, logits], grads] = valueAndGradWithAux(forward)(params as never)
      const [updated, nextState] = optimizer.update(params, grads as never, state)
      // The optimizer saw zero gradients for the running statistics; they take the batch's blend instead.
      const next = statistics.size === 0 ? updated : (unflattenLike(updated, leaves(updated).map((leaf, i) => statistics.get(i) ?? leaf)) as unknown as P)
      const finite = less(abs(value), FLOAT32_MAX) // false for NaN and ±Infinity
      const keep = <T,>(fresh: T, old: T): T => select(finite, fresh, old) as T
      return { params: keep(next, params), state: keep(nextState as never, state as never) as OptimizerState<S>, loss: value as Tensor<[]>, correct: correctCount(logits as AnyTensor, y as AnyTensor) as Tensor<[]> }
    },
    { donate: [0, 1] },
  )
}

/**
 * The jitted evaluation step: forward in evaluation mode, the batch's mean
 * loss and its count of correct predictions.
 *
 * @example
 * import { flatten, linear, pipe, type Tensor } from 'shapewise'
 * import { batches } from 'shapewise/data'
 * import { linearParams } from 'shapewise/nn'
 * import { adam } from 'shapewise/optim'
 * // Eight tiny "images": class 0 bright on the left half, class 1 on the right.
 * const images = new Float32Array(8 * 784).map((_, i) => ((i % 28 < 14) === (i < 4 * 784) ? 1 : 0))
 * const data = { images, labels: Int32Array.of(0, 0, 0, 0, 1, 1, 1, 1), count: 8 }
 * const params = { fc: linearParams({ inFeatures: 784, outFeatures: 2 }) }
 * const model = (p: typeof params, x: Tensor<[number, 1, 28, 28]>) => pipe(x, flatten, linear(p.fc))
 * import { tensor } from 'shapewise'
 * import { evaluationStep } from 'shapewise/train'
 * const evaluate = evaluationStep(model)
 * const [batch] = batches(data, { batchSize: 8 })
 * const { loss, correct } = await evaluate(params, batch.x, batch.y, tensor(0, 'int32'))
 * const correctAtMostAll = (await correct.data())[0] <= 8 // → true
 */
export function evaluationStep<P extends Tree, X extends Shape>(model: Model<P, X>, loss: FitOptions<P, unknown, X>['loss'] = crossEntropy as never) {
  return jit((params: P, x: Tensor<X>, y: Tensor<[number], 'int32'>, seed: Tensor<[], 'int32'>) => {
    const logits = model(params, x, { training: false, seed })
    return { loss: loss(logits, y), correct: correctCount(logits as AnyTensor, y as AnyTensor) as Tensor<[]> }
  })
}

const emptyHistory = (): History => ({ epoch: [], loss: [], accuracy: [], valLoss: [], valAccuracy: [], lr: [], seconds: [], imagesPerSecond: [], stepLoss: [] })

const scalarOf = async (t: Tensor<[]>): Promise<number> => {
  const [v] = await t.data()
  t.dispose()
  return v
}

/**
 * Mean loss and accuracy of a model over some batches, in evaluation mode.
 *
 * @example
 * import { flatten, linear, pipe, type Tensor } from 'shapewise'
 * import { batches } from 'shapewise/data'
 * import { linearParams } from 'shapewise/nn'
 * import { adam } from 'shapewise/optim'
 * // Eight tiny "images": class 0 bright on the left half, class 1 on the right.
 * const images = new Float32Array(8 * 784).map((_, i) => ((i % 28 < 14) === (i < 4 * 784) ? 1 : 0))
 * const data = { images, labels: Int32Array.of(0, 0, 0, 0, 1, 1, 1, 1), count: 8 }
 * const params = { fc: linearParams({ inFeatures: 784, outFeatures: 2 }) }
 * const model = (p: typeof params, x: Tensor<[number, 1, 28, 28]>) => pipe(x, flatten, linear(p.fc))
 * import { evaluate, evaluationStep } from 'shapewise/train'
 * const result = await evaluate(evaluationStep(model), params, batches(data, { batchSize: 4 }))
 * result.count // → 8
 * result.accuracy >= 0 && result.accuracy <= 1 // → true
 */
export async function evaluate<P extends Tree, X extends Shape>(
  step: ReturnType<typeof evaluationStep<P, X>>,
  params: P,
  source: Iterable<LabelledBatch<X>> | AsyncIterable<LabelledBatch<X>>,
): Promise<{ loss: number; accuracy: number; count: number }> {
  let [lossSum, correct, count] = [0, 0, 0]
  const seed = int32Scalar(0)
  for await (const batch of source) {
    const n = batch.x.shape[0] as number
    const out = await step(params, batch.x, batch.y, seed)
    lossSum += (await scalarOf(out.loss)) * n
    correct += await scalarOf(out.correct)
    count += n
    batch.x.dispose()
    batch.y.dispose()
  }
  seed.dispose()
  return count ? { loss: lossSum / count, accuracy: correct / count, count } : { loss: NaN, accuracy: NaN, count }
}

/**
 * Trains a classifier: `epochs` passes over `train`, one jitted step per
 * batch, with a progress display, a history of metrics, evaluation on
 * `validation` after each epoch, a learning-rate schedule and callbacks
 * (`checkpoint`, `earlyStopping`). A non-finite loss stops training and
 * returns the parameters and optimizer state from before that step. Each
 * batch's tensors are disposed after its step. Batch norm's running
 * statistics are not updated by `fit` (they are not parameters): a model
 * evaluated with `training: false` reads them as they were given.
 *
 * @example
 * import { flatten, linear, pipe, type Tensor } from 'shapewise'
 * import { batches } from 'shapewise/data'
 * import { linearParams } from 'shapewise/nn'
 * import { adam } from 'shapewise/optim'
 * // Eight tiny "images": class 0 bright on the left half, class 1 on the right.
 * const images = new Float32Array(8 * 784).map((_, i) => ((i % 28 < 14) === (i < 4 * 784) ? 1 : 0))
 * const data = { images, labels: Int32Array.of(0, 0, 0, 0, 1, 1, 1, 1), count: 8 }
 * const params = { fc: linearParams({ inFeatures: 784, outFeatures: 2 }) }
 * const model = (p: typeof params, x: Tensor<[number, 1, 28, 28]>) => pipe(x, flatten, linear(p.fc))
 * import { fit } from 'shapewise/train'
 * const { params: trained, history, stopped } = await fit({
 *   model: (p, x) => model(p, x),
 *   params, optimizer: adam({ lr: 0.01 }), epochs: 3, progress: false,
 *   train: (epoch) => batches(data, { batchSize: 4, shuffle: true, seed: epoch }),
 *   validation: () => batches(data, { batchSize: 8 }),
 * })
 * stopped.reason // → 'completed'
 * history.loss.length // → 3
 * history.valAccuracy[2] // → 1
 */
export async function fit<P extends Tree, S, X extends Shape>(options: FitOptions<P, S, X>): Promise<FitResult<P, S>> {
  const { epochs, schedule, scheduleBy = 'step', callbacks = [] } = options
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new RangeError(`fit: epochs must be a positive integer, got ${epochs}`)
  if (options.stepsPerEpoch !== undefined && !(Number.isInteger(options.stepsPerEpoch) && options.stepsPerEpoch >= 1))
    throw new RangeError(`fit: stepsPerEpoch must be a positive integer, got ${options.stepsPerEpoch}`)
  const step = trainingStep(options.model, options.optimizer, options.loss)
  const evalStep = options.validation ? evaluationStep(options.model, options.loss) : undefined
  const progress = options.progress === false ? undefined : new ProgressBar(options.progress)
  const history = emptyHistory()
  const started = performance.now()
  let params = options.params
  let state = options.optimizerState ?? options.optimizer.init(params)
  let stepIndex = 0
  let stopped: StopReason = { reason: 'completed' }
  const seedBase = (options.seed ?? 0) * 1_000_003

  for (let epoch = 1; epoch <= epochs && stopped.reason === 'completed'; epoch++) {
    const epochStart = performance.now()
    let [done, seen, correct, lossSum, lr] = [0, 0, 0, 0, NaN]
    for await (const batch of options.train(epoch)) {
      if (schedule) {
        lr = schedule(scheduleBy === 'step' ? stepIndex : epoch - 1)
        state = withLearningRate(state, lr)
      }
      const n = batch.x.shape[0] as number
      const seed = int32Scalar(seedBase + stepIndex)
      const out = await step(params, state, batch.x, batch.y, seed)
      for (const t of [batch.x, batch.y, seed]) t.dispose()
      params = out.params
      state = out.state
      const loss = await scalarOf(out.loss)
      const right = await scalarOf(out.correct)
      stepIndex++
      if (!Number.isFinite(loss)) {
        // The step kept the old values (see trainingStep): params and state are those before it.
        stopped = { reason: 'non-finite loss', step: stepIndex, loss }
        progress?.note(`stopped: loss is ${loss} at step ${stepIndex} (epoch ${epoch}); the parameters from before that step are returned`)
        break
      }
      history.stepLoss.push(loss)
      ;[done, seen, correct, lossSum] = [done + 1, seen + n, correct + right, lossSum + loss]
      progress?.update({
        epoch, epochs, done, total: options.stepsPerEpoch, loss: lossSum / done, accuracy: correct / seen,
        imagesPerSecond: seen / ((performance.now() - epochStart) / 1000),
      })
    }
    if (stopped.reason !== 'completed') break
    if (done === 0) throw new RangeError(`fit: epoch ${epoch} has no training batches`)
    const seconds = (performance.now() - epochStart) / 1000
    const validation = evalStep && options.validation ? await evaluate(evalStep, params, options.validation(epoch)) : undefined
    if (Number.isNaN(lr)) lr = (await state.lr.data())[0]
    const record: EpochRecord = {
      epoch, loss: lossSum / done, accuracy: correct / seen, valLoss: validation?.loss ?? NaN, valAccuracy: validation?.accuracy ?? NaN,
      lr, seconds, imagesPerSecond: seen / seconds,
    }
    for (const key of Object.keys(record) as (keyof EpochRecord)[]) history[key].push(record[key])
    progress?.endEpoch(epochLine(record, epochs, done))
    for (const callback of callbacks) {
      const verdict = await callback.onEpochEnd?.({ epoch, step: stepIndex, params, optimizerState: state, record, history })
      if (verdict === 'stop') stopped = { reason: 'callback', epoch }
    }
  }
  return { params, optimizerState: state, history, stopped, seconds: (performance.now() - started) / 1000 }
}

/**
 * `epoch 3/10  125 steps  loss 0.1234  acc 96.10%  val_loss 0.0987  val_acc 97.00%  1,234 img/s  6.1 s`
 *
 * @example
 * import { epochLine } from 'shapewise/train'
 * const line = epochLine({ epoch: 3, loss: 0.1234, accuracy: 0.961, valLoss: NaN, valAccuracy: NaN, lr: 1e-3, seconds: 6.1, imagesPerSecond: 1234 }, 10, 125)
 * line // → 'epoch 3/10  125 steps  loss 0.1234  acc 96.10%  1,234 img/s  6.1 s'
 */
export const epochLine = (r: EpochRecord, epochs: number, steps: number): string =>
  [
    `epoch ${r.epoch}/${epochs}`,
    `${steps} steps`,
    `loss ${r.loss.toFixed(4)}`,
    `acc ${formatAccuracy(r.accuracy)}`,
    ...(Number.isNaN(r.valLoss) ? [] : [`val_loss ${r.valLoss.toFixed(4)}`, `val_acc ${formatAccuracy(r.valAccuracy)}`]),
    formatRate(r.imagesPerSecond),
    `${r.seconds.toFixed(1)} s`,
  ].join('  ')
