/** Reads the PyTorch fixtures written by tests/fixtures/generate.py (format: tests/fixtures/README.md). */
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { fromArray, type AnyTensor } from '../../src/index.ts'
import { expectAllClose } from './close.ts'

export interface FixtureTensor {
  readonly shape: number[]
  readonly dtype: 'float32' | 'int32' | 'bool'
  readonly data: (number | string)[]
}
export interface FixtureCase {
  readonly name: string
  readonly op: string
  readonly attrs: Record<string, any>
  readonly inputs: FixtureTensor[]
  readonly output: FixtureTensor
  readonly extraOutputs?: Record<string, FixtureTensor>
  readonly grads: { seed: FixtureTensor; inputs: (FixtureTensor | null)[] } | null
}

const forward = fileURLToPath(new URL('../fixtures/forward/', import.meta.url))

/** The families of tests/fixtures/forward/ (one JSON file each), sorted. */
export const fixtureFamilies = (): string[] =>
  readdirSync(forward).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort()

export const loadFixtures = (family: string): FixtureCase[] => JSON.parse(readFileSync(`${forward}/${family}.json`, 'utf8')).cases

/** Non-finite values are stored as the strings "NaN", "Infinity", "-Infinity". */
export const values = (t: FixtureTensor): number[] => t.data.map((v) => (typeof v === 'string' ? Number(v) : v))

/** A constant tensor holding a fixture tensor's values, shape and dtype (typed loosely: fixture shapes are known at run time only). */
export const tensorOf = (t: FixtureTensor): AnyTensor => fromArray(values(t), t.shape, t.dtype) as unknown as AnyTensor

/**
 * float32 results agree with PyTorch to relative error 1e-5. Values smaller
 * than 1 in magnitude are compared absolutely at 1e-5 instead: summation
 * order differs between our kernels and PyTorch's, so results near zero of
 * sums of O(1) terms carry absolute, not relative, rounding error.
 */
export const expectClose = (actual: ArrayLike<number>, expected: FixtureTensor, name: string, rtol = 1e-5) =>
  expectAllClose(actual, values(expected), name, rtol)

/** Compares a computed tensor with a fixture tensor: int32 and bool exactly, float32 with expectClose. */
export const expectFixture = (actual: ArrayLike<number>, expected: FixtureTensor, name: string, rtol?: number) => {
  if (expected.dtype === 'float32') return expectClose(actual, expected, name, rtol)
  expect(Array.from(actual), `${name}: values`).toEqual(values(expected))
}
