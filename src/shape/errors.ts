/**
 * The run-time face of a shape rule's "no": same message text as the type-level ShapeError.
 *
 * @example
 * import { fromArray, matmul, ShapeError } from 'shapewise'
 * // The compiler catches this for literal shapes; shapes known at run time are checked when the op is called.
 * const a = fromArray(new Float32Array(6), [2, 3] as number[])
 * let error: unknown
 * try { matmul(a, a) } catch (e) { error = e }
 * error instanceof ShapeError // → true
 */
export class ShapeError extends Error {
  override readonly name = 'ShapeError'
}

export const fail = (message: string): never => {
  throw new ShapeError(message)
}

/** "[4, -1]": a shape as it appears in messages (matches ShapeText in types/errors.ts). */
export const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`

export type Spatial = number | readonly number[]

/** The value of a spatial option on axis i; a one-element tuple means every axis (mirror of AxisValue in types/options.ts). */
export const axisValue = (value: Spatial | undefined, axis: number, fallback: number): number =>
  value === undefined ? fallback : typeof value === 'number' ? value : value.length === 1 ? value[0] : value[axis] ?? fallback

export const layoutText = (rank: number): string =>
  rank === 1 ? '[N, C, L]' : rank === 2 ? '[N, C, H, W]' : `[N, C, …${rank} spatial dims]`

/** Options must be positive or non-negative integers (mirror of CheckOptions in types/conv.ts). */
export const checkOptions = (
  op: string,
  options: object,
  positive: readonly string[],
  nonNegative: readonly string[],
): void => {
  const check = (names: readonly string[], min: number) => {
    for (const name of names) {
      const value = (options as Record<string, unknown>)[name]
      if (value === undefined || typeof value === 'string' || typeof value === 'boolean') continue
      const values = typeof value === 'number' ? [value] : (value as number[])
      for (const v of values) {
        if (v < min) fail(`${op}: ${name} must be ${min === 1 ? 'a positive' : 'a non-negative'} integer, got ${v}`)
        if (!Number.isInteger(v)) fail(`${op}: ${name} must be an integer, got ${v}`)
      }
    }
  }
  check(positive, 1)
  check(nonNegative, 0)
}
