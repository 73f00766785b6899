/**
 * What the lesson examples share: a quick mode for the test suite
 * (SHAPEWISE_EXAMPLES_QUICK=1: a few hundred images, a few steps), the
 * folder pictures go to, and seeded MNIST subsets.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadMnist, splitTrainTest, subset, permutation, normalize, type Dataset } from '../src/data/index.ts'

/** True when the test suite runs the example: train briefly, same outputs. */
export const QUICK = process.env.SHAPEWISE_EXAMPLES_QUICK === '1'

/** Where an example writes its pictures: $SHAPEWISE_EXAMPLES_OUT, else out/. */
export const outPath = (file: string): string => {
  const dir = resolve(process.env.SHAPEWISE_EXAMPLES_OUT ?? 'out')
  mkdirSync(dir, { recursive: true })
  return join(dir, file)
}

/** A seeded random `count` of a data set (the files are sorted by class in places). */
export const sample = (ds: Dataset, count: number, seed = 0): Dataset =>
  count < ds.count ? subset(ds, permutation(ds.count, seed).subarray(0, count)) : ds

/** MNIST (the `mnist` package's 10,000 digits) split 8,000 / 2,000, normalised, cut to the sizes asked for. */
export const mnist = (trainCount: number, testCount: number): { train: Dataset; test: Dataset } => {
  const { train, test } = splitTrainTest(loadMnist(), 2000, 0)
  const [a, b] = [sample(train, trainCount), sample(test, testCount)]
  for (const ds of [a, b]) ds.images.set(normalize(ds.images))
  return { train: a, test: b }
}
