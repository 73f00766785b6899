/** Callbacks for `fit`: checkpoints and early stopping. */
import type { Tree } from '../tree.ts'
import type { OptimizerState } from '../optim/optimizers.ts'
import type { Callback, EpochRecord } from './fit.ts'

/** What a checkpoint holds (the shape of `saveCheckpoint`'s second argument in shapewise's checkpoint I/O). */
export interface CheckpointContents<P extends Tree, S> {
  readonly params: P
  readonly optimizerState: OptimizerState<S>
  readonly step: number
  readonly metadata: Readonly<Record<string, unknown>>
}
export type SaveCheckpoint<P extends Tree, S> = (dir: string, contents: CheckpointContents<P, S>) => Promise<unknown>

export interface CheckpointOptions<P extends Tree, S> {
  /** Writes one checkpoint; `saveCheckpoint` from shapewise's I/O, or your own. */
  readonly save: SaveCheckpoint<P, S>
  /** Folder per checkpoint: a function of the epoch, or a base folder that gets `epoch-001`, `epoch-002`, … */
  readonly dir: string | ((epoch: number) => string)
  /** Every how many epochs (default 1). */
  readonly every?: number
}

/**
 * Saves parameters, optimizer state, step and the epoch's metrics every
 * `every` epochs. `fit` waits for the save before the next step, so the
 * tensors saved are exactly the epoch's.
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
 * import { existsSync } from 'node:fs'
 * import { saveCheckpoint } from 'shapewise/io'
 * import { fit, checkpoint } from 'shapewise/train'
 * await fit({
 *   model: (p: typeof params, x) => model(p, x), params, optimizer: adam({ lr: 0.01 }), epochs: 2, progress: false,
 *   train: () => batches(data, { batchSize: 8 }),
 *   callbacks: [checkpoint({ save: saveCheckpoint, dir: 'runs/tiny', every: 2 })],
 * })
 * existsSync('runs/tiny/epoch-002') // → true
 * existsSync('runs/tiny/epoch-001') // → false
 */
export function checkpoint<P extends Tree, S>(options: CheckpointOptions<P, S>): Callback<P, S> {
  const every = options.every ?? 1
  if (!(Number.isInteger(every) && every >= 1)) throw new RangeError(`checkpoint: every must be a positive integer, got ${every}`)
  const dirOf = typeof options.dir === 'function' ? options.dir : (epoch: number) => `${options.dir}/epoch-${String(epoch).padStart(3, '0')}`
  return {
    async onEpochEnd({ epoch, step, params, optimizerState, record }) {
      if (epoch % every) return
      await options.save(dirOf(epoch), { params, optimizerState, step, metadata: { ...record } })
    },
  }
}

export type Monitored = Exclude<keyof EpochRecord, 'epoch' | 'seconds' | 'imagesPerSecond' | 'lr'>

export interface EarlyStoppingOptions {
  /** The metric watched (default `valLoss`). */
  readonly monitor?: Monitored
  /** Epochs without improvement before stopping (default 3). */
  readonly patience?: number
  /** Smallest change that counts as an improvement (default 0). */
  readonly minDelta?: number
  /** Whether smaller is better (default: `min` for losses, `max` for accuracies). */
  readonly mode?: 'min' | 'max'
}

/**
 * Stops training when a metric has not improved for `patience` epochs
 * (Keras' EarlyStopping). A NaN metric (no validation batches) never counts
 * as an improvement.
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
 * import { sgd } from 'shapewise/optim'
 * import { fit, earlyStopping } from 'shapewise/train'
 * // A learning rate too small to move the loss measurably: no improvement, so training stops early.
 * const { stopped } = await fit({
 *   model: (p: typeof params, x) => model(p, x), params, optimizer: sgd({ lr: 1e-30 }), epochs: 10, progress: false,
 *   train: () => batches(data, { batchSize: 8 }),
 *   callbacks: [earlyStopping({ monitor: 'loss', patience: 2, minDelta: 1e-3 })],
 * })
 * stopped // → { reason: 'callback', epoch: 3 }
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): Callback {
  const { monitor = 'valLoss', patience = 3, minDelta = 0 } = options
  if (!(Number.isInteger(patience) && patience >= 1)) throw new RangeError(`earlyStopping: patience must be a positive integer, got ${patience}`)
  if (!(minDelta >= 0)) throw new RangeError(`earlyStopping: minDelta must be ≥ 0, got ${minDelta}`)
  const sign = (options.mode ?? (monitor.toLowerCase().includes('loss') ? 'min' : 'max')) === 'min' ? 1 : -1
  let best = Infinity
  let waited = 0
  return {
    onEpochEnd({ record }) {
      const value = sign * record[monitor]
      if (value < best - minDelta) {
        best = value
        waited = 0
        return
      }
      return ++waited >= patience ? 'stop' : undefined
    },
  }
}
