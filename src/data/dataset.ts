/**
 * The in-memory form every loader returns and every batcher reads: flat typed
 * arrays rather than arrays of objects, because 60,000 images as JS arrays
 * cost ~40× the memory and a batch is then a single contiguous copy.
 */
import { permutation } from './random.ts'

/**
 * Height = width of an MNIST-style image.
 *
 * @example
 * import { IMAGE_SIZE, IMAGE_PIXELS } from 'shapewise/data'
 * IMAGE_SIZE // → 28
 * IMAGE_PIXELS // → 784
 */
export const IMAGE_SIZE = 28
/**
 * Pixels per image (28 × 28).
 *
 * @example
 * import { IMAGE_PIXELS } from 'shapewise/data'
 * const images = new Float32Array(10 * IMAGE_PIXELS) // ten MNIST-sized images
 */
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE

export interface Dataset {
  /** `count × 784` pixels, image after image, each row-major 28 × 28; loaders give values in 0..1. */
  readonly images: Float32Array
  /** One class index per image. */
  readonly labels: Int32Array
  readonly count: number
}

/**
 * Throws unless the arrays agree with `count`; loaders and batchers call it so a mismatch fails early and clearly.
 *
 * @example
 * import { checkDataset } from 'shapewise/data'
 * let message = ''
 * try { checkDataset({ images: new Float32Array(784), labels: new Int32Array(2), count: 2 }, 'mine') } catch (e) { message = (e as Error).message }
 * message.startsWith('mine:') // → true
 */
export function checkDataset(ds: Dataset, where: string): void {
  if (!Number.isInteger(ds.count) || ds.count < 0) throw new RangeError(`${where}: count must be a non-negative integer, got ${ds.count}`)
  if (ds.images.length !== ds.count * IMAGE_PIXELS)
    throw new RangeError(`${where}: ${ds.images.length} pixels is not ${ds.count} images of ${IMAGE_SIZE}×${IMAGE_SIZE} (${ds.count * IMAGE_PIXELS})`)
  if (ds.labels.length !== ds.count) throw new RangeError(`${where}: ${ds.labels.length} labels for ${ds.count} images`)
}

/**
 * The examples at `indices`, in that order (copied: the result shares nothing with `ds`).
 *
 * @example
 * import { subset } from 'shapewise/data'
 * const ds = { images: new Float32Array(3 * 784), labels: Int32Array.of(7, 8, 9), count: 3 }
 * subset(ds, [2, 0]).labels // → [9, 7]
 */
export function subset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  checkDataset(ds, 'subset')
  const n = indices.length
  const images = new Float32Array(n * IMAGE_PIXELS)
  const labels = new Int32Array(n)
  for (let k = 0; k < n; k++) {
    const i = indices[k]
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) throw new RangeError(`subset: index ${i} out of range for ${ds.count} examples`)
    images.set(ds.images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS), k * IMAGE_PIXELS)
    labels[k] = ds.labels[i]
  }
  return { images, labels, count: n }
}

/**
 * Which examples go to training and which to test: a seeded random choice of
 * `testCount` test indices, the rest for training. Both lists are returned in
 * ascending order, so the split is a pure choice of members and says nothing
 * about iteration order (shuffle that per epoch with `batches`).
 *
 * @example
 * import { splitIndices } from 'shapewise/data'
 * const { train, test } = splitIndices(10, 3, 0)
 * test.length // → 3
 * train.length // → 7
 */
export function splitIndices(count: number, testCount: number, seed: number): { train: Uint32Array; test: Uint32Array } {
  if (!Number.isInteger(testCount) || testCount < 0 || testCount > count)
    throw new RangeError(`splitTrainTest: testCount must be an integer in [0, ${count}], got ${testCount}`)
  const inTest = new Uint8Array(count)
  const order = permutation(count, seed)
  for (let k = 0; k < testCount; k++) inTest[order[k]] = 1
  const train = new Uint32Array(count - testCount)
  const test = new Uint32Array(testCount)
  for (let i = 0, a = 0, b = 0; i < count; i++) {
    if (inTest[i]) test[b++] = i
    else train[a++] = i
  }
  return { train, test }
}

/**
 * A deterministic train/test split: the same (dataset, testCount, seed) gives
 * the same two disjoint sets on every run. Not stratified; with 2,000 of the
 * 10,000 MNIST digits each class gets roughly its share.
 *
 * @example
 * import { splitTrainTest } from 'shapewise/data'
 * const ds = { images: new Float32Array(100 * 784), labels: new Int32Array(100), count: 100 }
 * const { train, test } = splitTrainTest(ds, 20, 1)
 * const counts = [train.count, test.count] // → [80, 20]
 */
export function splitTrainTest(ds: Dataset, testCount = 2000, seed = 0): { train: Dataset; test: Dataset } {
  checkDataset(ds, 'splitTrainTest')
  const { train, test } = splitIndices(ds.count, testCount, seed)
  return { train: subset(ds, train), test: subset(ds, test) }
}
