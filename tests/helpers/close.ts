/** Closeness of computed values to reference values, one rule for every numeric test. */
import { expect } from 'vitest'

/**
 * Each element within `rtol` of the reference, relative to max(|reference|, 1):
 * relative error for large values, absolute below 1 in magnitude (sums of
 * O(1) terms near zero carry absolute, not relative, rounding error). NaN
 * must meet NaN and ±Infinity itself. Reports the worst element.
 */
export const expectAllClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, name: string, rtol: number) => {
  expect(actual.length, `${name}: length`).toBe(expected.length)
  let worst = 0
  let at = -1
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]
    const e = expected[i]
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) [worst, at] = [Infinity, i]
      continue
    }
    if (!Number.isFinite(e)) {
      if (a !== e) [worst, at] = [Infinity, i]
      continue
    }
    const err = Math.abs(a - e) / Math.max(Math.abs(e), 1)
    if (!(err <= worst)) [worst, at] = [Number.isNaN(err) ? Infinity : err, i]
  }
  expect(worst, `${name}: worst relative error at ${at} (got ${actual[at]}, want ${expected[at]})`).toBeLessThanOrEqual(rtol)
}
