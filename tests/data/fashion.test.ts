import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, IMAGE_PIXELS, loadFashionMnist, writeIdx, type Dataset } from '../../src/data/index.ts'
import { notBytePixels } from './helpers.ts'

const installed = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'))

// CI installs Debian's dataset-fashion-mnist (.ci/run); without it these tests fail with the loader's
// own message naming the package, rather than being skipped.
describe('loadFashionMnist (Debian dataset-fashion-mnist)', () => {
  it('finds the Debian files', () => expect(installed, `install the Debian package dataset-fashion-mnist (${FASHION_MNIST_DIR})`).toBe(true))
  let train: Dataset
  let test: Dataset
  beforeAll(() => {
    const t = performance.now()
    ;({ train, test } = loadFashionMnist())
    console.log(`loadFashionMnist: ${(performance.now() - t).toFixed(0)} ms`)
  })

  it('has 60,000 training and 10,000 test examples of 28×28', () => {
    expect(train.count).toBe(60_000)
    expect(test.count).toBe(10_000)
    expect(train.images.length).toBe(60_000 * IMAGE_PIXELS)
    expect(test.images.length).toBe(10_000 * IMAGE_PIXELS)
    expect(train.labels).toBeInstanceOf(Int32Array)
    expect(test.labels.length).toBe(10_000)
  })

  it('has labels 0..9, balanced (6,000 / 1,000 per class), with ten class names', () => {
    expect(FASHION_MNIST_CLASSES).toHaveLength(10)
    for (const [ds, per] of [[train, 6000], [test, 1000]] as const) {
      const counts = new Array(10).fill(0)
      for (const l of ds.labels) counts[l]++
      expect(counts).toEqual(new Array(10).fill(per))
    }
    // The first training labels of Fashion-MNIST (ankle boot, T-shirt, T-shirt, dress, T-shirt).
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([9, 0, 0, 3, 0])
  })

  it('has pixels k/255 in 0..1', () => {
    let min = Infinity
    let max = -Infinity
    for (const v of test.images) {
      if (v < min) min = v
      if (v > max) max = v
    }
    expect(min).toBe(0)
    expect(max).toBe(1)
    expect(notBytePixels(train.images)).toBe(0)
  })
})

describe('loadFashionMnist on other folders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shapewise-fashion-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('names the Debian package when the files are missing', () => {
    expect(() => loadFashionMnist(join(dir, 'absent'))).toThrow(/train-images-idx3-ubyte\.gz not found.*dataset-fashion-mnist/s)
  })

  it('reads a small look-alike set, gzipped or not, and checks the files agree', () => {
    const images = Uint8Array.from({ length: 3 * IMAGE_PIXELS }, (_, i) => i % 256)
    writeIdx(join(dir, 'train-images-idx3-ubyte.gz'), [3, 28, 28], images)
    writeIdx(join(dir, 'train-labels-idx1-ubyte.gz'), [3], Uint8Array.from([1, 2, 3]))
    writeIdx(join(dir, 't10k-images-idx3-ubyte'), [1, 28, 28], new Uint8Array(IMAGE_PIXELS).fill(255))
    writeIdx(join(dir, 't10k-labels-idx1-ubyte'), [1], Uint8Array.from([9]))
    const { train, test } = loadFashionMnist(dir)
    expect(train.count).toBe(3)
    expect(Array.from(train.labels)).toEqual([1, 2, 3])
    expect(train.images[255]).toBe(1)
    expect(train.images[1]).toBe(Math.fround(1 / 255))
    expect(test.images.every((v) => v === 1)).toBe(true)

    writeIdx(join(dir, 't10k-labels-idx1-ubyte'), [2], Uint8Array.from([9, 9]))
    expect(() => loadFashionMnist(dir)).toThrow(/t10k-labels-idx1-ubyte has 2 labels but .*t10k-images-idx3-ubyte has 1 images/)
    writeIdx(join(dir, 't10k-labels-idx1-ubyte'), [1], Uint8Array.from([10]))
    expect(() => loadFashionMnist(dir)).toThrow(/label 10 at index 0 is not a class 0..9/)
    writeIdx(join(dir, 't10k-labels-idx1-ubyte'), [1], Int32Array.from([1]))
    expect(() => loadFashionMnist(dir)).toThrow(/expected 1-d uint8 data, found 1-d int32/)
    writeIdx(join(dir, 't10k-images-idx3-ubyte'), [1, 32, 32], new Uint8Array(1024))
    writeIdx(join(dir, 't10k-labels-idx1-ubyte'), [1], Uint8Array.from([1]))
    expect(() => loadFashionMnist(dir)).toThrow(/images are 32×32, expected 28×28/)
  })
})
