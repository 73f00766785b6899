import type { ShapeError, FirstError, UnknownShape } from './errors.ts'
import type { ShapeFn } from './layer.ts'

/** Option values of spatial ops: one number for every axis, or a per-axis tuple (one element: every axis, as in PyTorch). */
export type Spatial = number | readonly number[]

/** The value of a spatial option on axis I, or Default when the option is absent. */
export type AxisValue<V, I extends number, Default extends number> = V extends number
  ? V
  : V extends readonly [infer Only extends number]
    ? Only
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

// ------------------------------------------------------------ spelling

/**
 * What an option takes: 'positive' and 'nonNegative' a number or a tuple of
 * one number per spatial axis (values checked by the shape rule), 'padding'
 * also 'same' / 'valid', 'count' one number, 'flag' a boolean, 'mode' an
 * upsampling mode, 'axes' a reduction's axis or axes (any number of them).
 */
export type OptionKind = 'positive' | 'nonNegative' | 'padding' | 'count' | 'flag' | 'mode' | 'axes'

/** The options an op takes, in the order they are checked: [name, kind] pairs. */
export type OptionSpec = readonly (readonly [string, OptionKind])[]

/**
 * The keys of an options object, checked where it is written (the op's
 * options argument): an unknown key (a typo, next to valid keys too), then a
 * missing required key, or true. Keys are known even when values are type
 * parameters (a block generic in its stride), so this never defers.
 * src/shape/options.ts is the run-time twin, with the same texts.
 */
export type CheckKeys<Op extends string, O, Spec extends OptionSpec, Required extends string> =
  UnknownKey<Op, O, Spec> extends infer E extends ShapeError<string> ? E : MissingKey<Op, O, Required>

/**
 * The values of an options object against their kinds, checked first by the
 * shape rule (where generic values are known): a value of the wrong kind
 * ('SAME', a string stride), a tuple whose length is neither 1 (every axis, as
 * in PyTorch) nor the number of spatial axes, and a union of literals
 * (`padding: 0 | 1` would make every later dim a union), or true.
 */
export type CheckSpelling<Op extends string, O, Spec extends OptionSpec, Rank extends number> = keyof O extends never
  ? true // no options (the common case): nothing to check, at no cost
  : FirstError<{ -readonly [I in keyof Spec]: Spec[I][0] extends keyof O ? Spelling<Op, Spec[I][0], O[Spec[I][0]], Spec[I][1], Rank> : true }> extends infer E
    ? [E] extends [ShapeError<string>] ? E : true
    : never

/**
 * The constraint of an options type parameter: the op's keys (for completion)
 * with any value, and any other key, so that every spelling mistake reaches
 * CheckSpelling and gets its message (TypeScript alone reports a typo only
 * when it is the only key, and then with its own text).
 */
export type OptionsLike<T> = { readonly [K in keyof T]?: unknown } & { readonly [key: string]: unknown }

/** The options parameter of an op: the object itself when it is well spelled, else the message. */
export type SpelledOptions<O, Check> = Check extends ShapeError<infer Message> ? Message : O

/** The shape function of a layer built with misspelled options: an unknown shape, so later lines do not cascade. */
export interface Misspelled<Op extends string> extends ShapeFn {
  readonly op: Op
  readonly output: UnknownShape
}
/** F when the options are well spelled, else Misspelled (the error is reported at the options). */
export type IfSpelled<Check, F extends ShapeFn> = Check extends ShapeError<string> ? Misspelled<F['op']> : F

type SpecKeys<Spec extends OptionSpec> = Spec[number][0]
type JoinKeys<Spec extends OptionSpec> = Spec extends readonly [readonly [infer K extends string, OptionKind]]
  ? K
  : Spec extends readonly [readonly [infer K extends string, OptionKind], ...infer R extends OptionSpec] ? `${K}, ${JoinKeys<R>}` : ''

// A record with a string index signature has no known keys: the run-time twin checks them.
type UnknownKey<Op extends string, O, Spec extends OptionSpec> = string extends keyof O
  ? true
  : Exclude<keyof O, SpecKeys<Spec>> extends infer K
  ? [K] extends [never]
    ? true
    : K extends string ? ShapeError<`${Op}: unknown option '${K}' (known: ${JoinKeys<Spec>})`> : true
  : never
type MissingKey<Op extends string, O, Required extends string> = [Required] extends [never]
  ? true
  : Required extends keyof O ? true : ShapeError<`${Op}: ${Required} is required`>

type IsUnion<T, All = T> = T extends unknown ? ([All] extends [T] ? false : true) : never

/** One option's value against its kind. */
type Spelling<Op extends string, Name extends string, V, Kind extends OptionKind, Rank extends number> = unknown extends V
  ? true
  : SpellingOf<Op, Name, Exclude<V, undefined>, Kind, Rank>
/** An absent (or optional) option is fine: only its defined values are checked. */
type SpellingOf<Op extends string, Name extends string, V, Kind extends OptionKind, Rank extends number> = [V] extends [never]
  ? true
  : Kind extends 'flag' | 'mode' | 'axes'
    ? [V] extends [KindValue[Kind]] ? true : WrongKind<Op, Name, V, Kind, Rank>
    // a union with a plain `number` in it (`number | 'same'`) is already as wide as its result: no cost
    : true extends IsUnion<V> ? (number extends V ? true : LiteralUnion<Op, Name>)
      : V extends number
        ? true
        : V extends 'same' | 'valid'
          ? Kind extends 'padding' ? true : WrongKind<Op, Name, V, Kind, Rank>
          : V extends readonly number[]
            ? Kind extends 'count'
              ? WrongKind<Op, Name, V, Kind, Rank>
              : number extends V['length']
                ? true
                : V['length'] extends 1 | Rank
                  ? true
                  : ShapeError<`${Op}: ${Name} has ${V['length']} values for ${Rank} spatial ${Rank extends 1 ? 'axis' : 'axes'}; give one (used on every axis) or ${Rank}`>
            : WrongKind<Op, Name, V, Kind, Rank>
type LiteralUnion<Op extends string, Name extends string> =
  ShapeError<`${Op}: ${Name} is a union of values; pass one literal (or a plain number) so the output has one shape`>

interface KindValue {
  flag: boolean
  mode: 'nearest' | 'bilinear'
  axes: number | readonly number[]
}
type WrongKind<Op extends string, Name extends string, V, Kind extends OptionKind, Rank extends number> =
  ShapeError<`${Op}: ${Name} must be ${KindText<Kind, Rank>}, got ${ValueText<V>}`>
type KindText<Kind extends OptionKind, Rank extends number> = Kind extends 'count'
  ? 'a number'
  : Kind extends 'flag'
    ? 'true or false'
    : Kind extends 'mode'
      ? "'nearest' or 'bilinear'"
      : Kind extends 'axes'
      ? 'a number or an array of numbers'
      : Kind extends 'padding'
        ? `a number, ${TupleText<Rank>}, 'same' or 'valid'`
        : `a number or ${TupleText<Rank>}`
type TupleText<Rank extends number> = Rank extends 1 ? '[number]' : Rank extends 2 ? '[number, number]' : `${Rank} numbers`
/** A value as messages show it (mirror of valueText in src/shape/options.ts). */
type ValueText<V> = V extends string
  ? `'${V}'`
  : V extends number | boolean | null | undefined
    ? `${V}`
    : V extends readonly unknown[]
      ? `[${JoinValues<V>}]`
      : V extends (...args: never[]) => unknown ? 'a function' : 'an object'
type JoinValues<V extends readonly unknown[]> = V extends readonly [infer H]
  ? ValueText<H>
  : V extends readonly [infer H, ...infer R] ? `${ValueText<H>}, ${JoinValues<R>}` : V extends readonly [] ? '' : '...'
