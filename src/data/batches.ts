/**
 * Mini-batches of a Dataset as tensors. Shuffling is seeded, so a run can be
 * reproduced exactly; pass a different seed per epoch (e.g. `seed + epoch`)
 * to see a new order each epoch.
 */
import { fromArray, type Tensor } from '../tensor.ts'
import { IMAGE_PIXELS, IMAGE_SIZE, checkDataset, type Dataset } from './dataset.ts'
import { permutation } from './random.ts'

/**
 * Mean and standard deviation of the MNIST training pixels (in 0..1), as used by the PyTorch examples.
 *
 * @example
 * import { MNIST_MEAN, MNIST_STD, normalize } from 'shapewise/data'
 * const [x] = normalize(Float32Array.of(MNIST_MEAN + MNIST_STD))
 * x // → 1
 */
export const MNIST_MEAN = 0.1307
/**
 * See MNIST_MEAN.
 *
 * @example
 * import { MNIST_STD } from 'shapewise/data'
 * MNIST_STD // → 0.3081
 */
export const MNIST_STD = 0.3081

export interface BatchOptions {
  readonly batchSize: number
  /** Visit the examples in a seeded random order (default false: dataset order, as PyTorch's DataLoader). */
  readonly shuffle?: boolean
  /** Seed of the shuffle (default 0); the same seed gives the same order on every run. */
  readonly seed?: number
  /** Skip a final batch smaller than batchSize (default false). */
  readonly dropLast?: boolean
}

export interface Batch {
  /** Images as NCHW: `[n, 1, 28, 28]`, n = batchSize except perhaps for the last batch. */
  readonly x: Tensor<[number, 1, 28, 28]>
  /** Class indices, `[n]`. */
  readonly y: Tensor<[number], 'int32'>
}

export interface HostBatch {
  readonly images: Float32Array
  readonly labels: Int32Array
  readonly count: number
  /** Positions in the dataset of the examples, in batch order. */
  readonly indices: Uint32Array
}

function checkOptions(opts: BatchOptions): void {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new RangeError(`batches: batchSize must be a positive integer, got ${opts.batchSize}`)
}

/**
 * How many batches one epoch of `count` examples gives.
 *
 * @example
 * import { batchCount } from 'shapewise/data'
 * batchCount(10, { batchSize: 4 }) // → 3
 * batchCount(10, { batchSize: 4, dropLast: true }) // → 2
 */
export function batchCount(count: number, opts: BatchOptions): number {
  checkOptions(opts)
  return opts.dropLast ? Math.floor(count / opts.batchSize) : Math.ceil(count / opts.batchSize)
}

/**
 * The batches of one epoch as host arrays (no tensors, no device): what
 * `batches` wraps, and the place to go for custom pipelines or inspection.
 *
 * @example
 * import { hostBatches } from 'shapewise/data'
 * const ds = { images: new Float32Array(5 * 784), labels: Int32Array.of(0, 1, 2, 3, 4), count: 5 }
 * const sizes = [...hostBatches(ds, { batchSize: 2 })].map((b) => b.count) // → [2, 2, 1]
 * const first = [...hostBatches(ds, { batchSize: 5, shuffle: true, seed: 1 })][0].labels
 * first.length // → 5
 */
export function* hostBatches(ds: Dataset, opts: BatchOptions): Generator<HostBatch, void, undefined> {
  checkDataset(ds, 'batches')
  checkOptions(opts)
  const order = opts.shuffle ? permutation(ds.count, opts.seed ?? 0) : Uint32Array.from({ length: ds.count }, (_, i) => i)
  const total = batchCount(ds.count, opts)
  for (let b = 0; b < total; b++) {
    const indices = order.subarray(b * opts.batchSize, Math.min((b + 1) * opts.batchSize, ds.count))
    const n = indices.length
    const images = new Float32Array(n * IMAGE_PIXELS)
    const labels = new Int32Array(n)
    for (let k = 0; k < n; k++) {
      const i = indices[k]
      images.set(ds.images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS), k * IMAGE_PIXELS)
      labels[k] = ds.labels[i]
    }
    yield { images, labels, count: n, indices: indices.slice() }
  }
}

/**
 * The batches of one epoch as tensors. Each batch is two fresh constant
 * tensors; dispose them (or run the step in `scope`) when done with them.
 *
 * @example
 * import { batches } from 'shapewise/data'
 * const ds = { images: new Float32Array(5 * 784), labels: Int32Array.of(0, 1, 2, 3, 4), count: 5 }
 * for (const { x, y } of batches(ds, { batchSize: 4, dropLast: true })) {
 *   x.shape // → [4, 1, 28, 28]
 *   await y.data() // → [0, 1, 2, 3]
 * }
 */
export function* batches(ds: Dataset, opts: BatchOptions): Generator<Batch, void, undefined> {
  for (const b of hostBatches(ds, opts)) {
    const x = fromArray(b.images, [b.count, 1, IMAGE_SIZE, IMAGE_SIZE])
    const y = fromArray(b.labels, [b.count], 'int32')
    yield { x, y }
  }
}

/**
 * `(x − mean) / std` for every pixel, into a new array (the input is left as it is).
 *
 * @example
 * import { normalize } from 'shapewise/data'
 * normalize(Float32Array.of(0, 1), 0.5, 0.5) // → [-1, 1]
 */
export function normalize(images: Float32Array, mean = MNIST_MEAN, std = MNIST_STD): Float32Array {
  if (!(std > 0) || !Number.isFinite(std)) throw new RangeError(`normalize: std must be a positive finite number, got ${std}`)
  const out = new Float32Array(images.length)
  // Divide rather than multiply by 1/std: bit-identical to torchvision's Normalize.
  for (let i = 0; i < images.length; i++) out[i] = (images[i] - mean) / std
  return out
}
