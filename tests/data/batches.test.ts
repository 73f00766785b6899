import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  batchCount,
  batches,
  hostBatches,
  IMAGE_PIXELS,
  MNIST_MEAN,
  MNIST_STD,
  normalize,
  type BatchOptions,
  type Dataset,
} from '../../src/data/index.ts'
import type { Tensor } from '../../src/tensor.ts'

/** Image i is filled with the value i and labelled i % 10, so a batch shows which examples it holds. */
const fake = (count: number): Dataset => {
  const images = new Float32Array(count * IMAGE_PIXELS)
  for (let i = 0; i < count; i++) images.fill(i, i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS)
  return { images, labels: Int32Array.from({ length: count }, (_, i) => i % 10), count }
}

const orderOf = (ds: Dataset, opts: BatchOptions) => Array.from(hostBatches(ds, opts), (b) => Array.from(b.indices))
const sizesOf = (ds: Dataset, opts: BatchOptions) => Array.from(hostBatches(ds, opts), (b) => b.count)

describe('batches', () => {
  const ds = fake(10)

  it('cuts an epoch into batchSize pieces, keeping or dropping a short last batch', () => {
    expect(sizesOf(ds, { batchSize: 4 })).toEqual([4, 4, 2])
    expect(sizesOf(ds, { batchSize: 4, dropLast: true })).toEqual([4, 4])
    expect(sizesOf(ds, { batchSize: 5, dropLast: true })).toEqual([5, 5])
    expect(sizesOf(ds, { batchSize: 10 })).toEqual([10])
    expect(sizesOf(ds, { batchSize: 64 })).toEqual([10])
    expect(sizesOf(ds, { batchSize: 64, dropLast: true })).toEqual([])
    expect(sizesOf(fake(0), { batchSize: 3 })).toEqual([])
    expect(batchCount(10, { batchSize: 4 })).toBe(3)
    expect(batchCount(10, { batchSize: 4, dropLast: true })).toBe(2)
    expect(batchCount(8000, { batchSize: 64 })).toBe(125)
    expect(batchCount(60_000, { batchSize: 128, dropLast: true })).toBe(468)
  })

  it('keeps dataset order without shuffle, whatever the seed', () => {
    expect(orderOf(ds, { batchSize: 4 })).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    expect(orderOf(ds, { batchSize: 4, seed: 99 })).toEqual(orderOf(ds, { batchSize: 4 }))
  })

  it('shuffles reproducibly: the same seed gives the same order, other seeds other orders', () => {
    const big = fake(200)
    const a = orderOf(big, { batchSize: 16, shuffle: true, seed: 5 })
    expect(orderOf(big, { batchSize: 16, shuffle: true, seed: 5 })).toEqual(a)
    expect(orderOf(big, { batchSize: 16, shuffle: true, seed: 6 })).not.toEqual(a)
    expect(orderOf(big, { batchSize: 16, shuffle: true })).toEqual(orderOf(big, { batchSize: 16, shuffle: true, seed: 0 }))
    expect(a.flat()).not.toEqual(Array.from({ length: 200 }, (_, i) => i))
  })

  it('visits every example exactly once per epoch (at most once with dropLast)', () => {
    const big = fake(1000)
    for (const seed of [0, 1, 2]) {
      const seen = new Uint8Array(1000)
      for (const i of orderOf(big, { batchSize: 64, shuffle: true, seed }).flat()) seen[i]++
      expect(seen.every((c) => c === 1)).toBe(true)

      const dropped = orderOf(big, { batchSize: 64, shuffle: true, seed, dropLast: true }).flat()
      expect(dropped.length).toBe(15 * 64)
      expect(new Set(dropped).size).toBe(dropped.length)
    }
  })

  it('gathers the pixels and labels of the examples it names', () => {
    for (const b of hostBatches(fake(30), { batchSize: 7, shuffle: true, seed: 3 })) {
      b.indices.forEach((i, k) => {
        expect(b.labels[k]).toBe(i % 10)
        const pixels = b.images.subarray(k * IMAGE_PIXELS, (k + 1) * IMAGE_PIXELS)
        expect(pixels.every((v) => v === i)).toBe(true)
      })
    }
  })

  it('yields NCHW float32 images and int32 labels as tensors, typed with an unknown batch dim', () => {
    const got = Array.from(batches(ds, { batchSize: 4, shuffle: true, seed: 1 }))
    const host = Array.from(hostBatches(ds, { batchSize: 4, shuffle: true, seed: 1 }))
    expect(got.map((b) => b.x.shape)).toEqual([[4, 1, 28, 28], [4, 1, 28, 28], [2, 1, 28, 28]])
    expect(got.map((b) => b.y.shape)).toEqual([[4], [4], [2]])
    got.forEach((b, i) => {
      expect(b.x.dtype).toBe('float32')
      expect(b.y.dtype).toBe('int32')
      // Constant tensors keep their host values on the graph node: compare without touching a device.
      expect(Array.from(b.x.node.data!)).toEqual(Array.from(host[i].images))
      expect(Array.from(b.y.node.data!)).toEqual(Array.from(host[i].labels))
      b.x.dispose()
      b.y.dispose()
    })
    const [first] = got
    expectTypeOf(first.x).toEqualTypeOf<Tensor<[number, 1, 28, 28]>>()
    expectTypeOf(first.y).toEqualTypeOf<Tensor<[number], 'int32'>>()
  })

  it('rejects bad options and inconsistent datasets before yielding anything', () => {
    expect(() => hostBatches(ds, { batchSize: 0 }).next()).toThrow(/batchSize must be a positive integer, got 0/)
    expect(() => hostBatches(ds, { batchSize: 2.5 }).next()).toThrow(/batchSize/)
    const broken = { ...ds, count: 11 }
    expect(() => batches(broken, { batchSize: 4 }).next()).toThrow(/7840 pixels is not 11 images of 28×28/)
    expect(() => hostBatches({ ...ds, labels: new Int32Array(3) }, { batchSize: 4 }).next()).toThrow(/3 labels for 10 images/)
  })
})

describe('normalize', () => {
  it('computes (x − mean) / std with the MNIST constants by default, into a new array', () => {
    expect(MNIST_MEAN).toBe(0.1307)
    expect(MNIST_STD).toBe(0.3081)
    const x = Float32Array.from([0, 0.1307, 1])
    const z = normalize(x)
    expect(z).not.toBe(x)
    expect(Array.from(x)).toEqual([0, Math.fround(0.1307), 1])
    expect(z[0]).toBeCloseTo(-0.1307 / 0.3081, 6)
    expect(z[1]).toBeCloseTo(0, 6)
    expect(z[2]).toBeCloseTo((1 - 0.1307) / 0.3081, 6)
  })

  it('takes any mean and std, and refuses a std that is not positive', () => {
    expect(Array.from(normalize(Float32Array.from([1, 3, 5]), 3, 2))).toEqual([-1, 0, 1])
    expect(normalize(new Float32Array(0)).length).toBe(0)
    expect(() => normalize(new Float32Array(1), 0, 0)).toThrow(/std must be a positive finite number/)
    expect(() => normalize(new Float32Array(1), 0, -1)).toThrow(RangeError)
  })
})
