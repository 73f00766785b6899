import type { ShapeError, FirstError } from './errors.ts'

/** Option values of spatial ops: one number for every axis, or a per-axis tuple. */
export type Spatial = number | readonly number[]

/** The value of a spatial option on axis I, or Default when the option is absent. */
export type AxisValue<V, I extends number, Default extends number> = V extends number
  ? V
  : V extends readonly number[]
    ? V[I] extends number ? V[I] : Default
    : Default

/** Names of the spatial dims, for messages: [N, C, L] or [N, C, H, W]. */
export type LayoutText<Rank extends number> = Rank extends 1 ? '[N, C, L]' : Rank extends 2 ? '[N, C, H, W]' : `[N, C, …${Rank} spatial dims]`

/**
 * Options must be positive (stride, dilation, groups, kernel sizes) or
 * non-negative (padding) integers: the first offending value, in the order
 * the keys are listed (as the run-time twin checks them), or true.
 */
export type CheckOptions<Op extends string, O, Positive extends readonly string[], NonNegative extends readonly string[]> =
  FirstError<[...OptionChecks<Op, O, Positive, 1>, ...OptionChecks<Op, O, NonNegative, 0>]> extends infer E
    ? [E] extends [ShapeError<string>] ? E : true
    : never
type OptionChecks<Op extends string, O, Keys extends readonly string[], Min extends number> = {
  -readonly [I in keyof Keys]: Keys[I] extends keyof O ? OptionValueCheck<Op, Keys[I], O[Keys[I]], Min> : true
}
type OptionValueCheck<Op extends string, Name extends string, V, Min extends number> = V extends number
  ? ValueCheck<Op, Name, V, Min>
  : V extends readonly number[]
    ? FirstError<{ -readonly [I in keyof V]: ValueCheck<Op, Name, V[I] & number, Min> }> extends infer E
      ? [E] extends [ShapeError<string>] ? E : true
      : never
    : true
/** One option value: below the minimum first, then not an integer (the run-time twin's order). */
type ValueCheck<Op extends string, Name extends string, V extends number, Min extends number> = number extends V
  ? true
  : BelowMin<V, Min> extends true
    ? ShapeError<`${Op}: ${Name} must be ${Min extends 1 ? 'a positive' : 'a non-negative'} integer, got ${V}`>
    : `${V}` extends `${string}.${string}`
      ? ShapeError<`${Op}: ${Name} must be an integer, got ${V}`>
      : true
type BelowMin<V extends number, Min extends number> = `${V}` extends `-${string}`
  ? true
  : Min extends 1 ? (`${V}` extends '0' | `0.${string}` ? true : false) : false
