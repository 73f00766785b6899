/**
 * Shared helpers of the transformation, memory and error tests: deterministic
 * values, float64 finite differences, closeness checks, and a record of what
 * the executor is asked to run (install with `vi.mock`, see `spyExecutor`).
 */
import { expect } from 'vitest'

/** n deterministic values in about [-1, 1] (a different sequence per seed). */
export const values = (n: number, seed = 0): number[] =>
  Array.from({ length: n }, (_, i) => Math.round(Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453 % 1 * 1e6) / 1e6)

/** Row-major float64 matrix product of [m, k] and [k, n]. */
export const matmul64 = (a: readonly number[], b: readonly number[], m: number, k: number, n: number): number[] =>
  Array.from({ length: m * n }, (_, idx) => {
    const i = Math.floor(idx / n)
    const j = idx % n
    let s = 0
    for (let t = 0; t < k; t++) s += a[i * k + t] * b[t * n + j]
    return s
  })

/** Transpose of a row-major [m, n] matrix. */
export const transpose64 = (a: readonly number[], m: number, n: number): number[] =>
  Array.from({ length: m * n }, (_, idx) => a[(idx % m) * n + Math.floor(idx / m)])

/**
 * Central differences of a float64 function of several flat inputs: the
 * gradient with respect to each input, shaped like the inputs.
 */
export const finiteDifferences = (f: (inputs: number[][]) => number, inputs: readonly (readonly number[])[], h = 1e-6): number[][] =>
  inputs.map((input, which) =>
    input.map((_, i) => {
      const at = (delta: number) => f(inputs.map((x, w) => (w === which ? x.map((v, j) => (j === i ? v + delta : v)) : [...x])))
      return (at(h) - at(-h)) / (2 * h)
    }),
  )

/** |actual − expected| ≤ atol + rtol·|expected| elementwise, with NaN matching NaN and ±Infinity matching exactly. */
export const expectClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, { rtol = 1e-4, atol = 1e-5, name = 'values' } = {}) => {
  expect(actual.length, `${name}: length`).toBe(expected.length)
  const bad: string[] = []
  for (let i = 0; i < expected.length; i++) {
    const [a, e] = [actual[i], expected[i]]
    const ok = Number.isNaN(e) ? Number.isNaN(a) : Number.isFinite(e) ? Math.abs(a - e) <= atol + rtol * Math.abs(e) : a === e
    if (!ok && bad.length < 5) bad.push(`[${i}] got ${a}, expected ${e}`)
  }
  expect(bad, `${name}: elements differ`).toEqual([])
}

/** What one execute() call was asked to do. */
export interface ExecuteCall {
  readonly dispatches: number
  readonly steps: number
  readonly reads: number
}

/**
 * For `vi.mock('../../src/runtime/executor.ts', spyExecutor(calls))`: the real
 * executor, recording the size of each plan it runs.
 */
export const spyExecutor =
  (calls: ExecuteCall[]) =>
  async (importOriginal: () => Promise<unknown>) => {
    const real = (await importOriginal()) as typeof import('../../src/runtime/executor.ts')
    const execute = ((plan, reads = [] as never, opts) => {
      calls.push({ dispatches: plan.steps.filter((s) => s.kind === 'dispatch').length, steps: plan.steps.length, reads: reads.length })
      return real.execute(plan, reads, opts)
    }) as typeof real.execute
    return { ...real, execute }
  }

/** The error `promise` rejects with (fails if it resolves). */
export const rejection = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection, but the promise resolved')
}
