/**
 * Options of the spatial ops, each check's type beside its run-time twin: the
 * keys an op takes (a typo is named where it is written), the kind of each
 * value (a number, a per-axis tuple, 'same', a flag …) and the values
 * themselves (positive or non-negative integers). Messages are written once
 * (see errors.ts).
 */
import type { ShapeError, FirstError, UnknownShape } from '../../types/errors.ts'
import type { ShapeFn } from '../../types/layer.ts'
import { fail } from './errors.ts'

// ------------------------------------------------------------ values

const atLeast = { 1: 'a positive', 0: 'a non-negative' } as const
type Minimum = keyof typeof atLeast

export const belowMinimum = <Op extends string, Name extends string, Min extends Minimum, V extends number>(op: Op, name: Name, min: Min, value: V) =>
  `${op}: ${name} must be ${atLeast[min]} integer, got ${value}` as const
/** "conv2d: stride must be a positive integer, got 0" */
export type belowMinimum<Op extends string, Name extends string, Min extends Minimum, V extends number> =
  ReturnType<typeof belowMinimum<Op, Name, Min, V>>

export const notAnInteger = <Op extends string, Name extends string, V extends number>(op: Op, name: Name, value: V) =>
  `${op}: ${name} must be an integer, got ${value}` as const
/** "conv2d: padding must be an integer, got 1.5" */
export type notAnInteger<Op extends string, Name extends string, V extends number> = ReturnType<typeof notAnInteger<Op, Name, V>>

/**
 * Options must be positive (stride, dilation, groups, kernel sizes) or
 * non-negative (padding) integers: the first offending value, in the order
 * the keys are listed, or true.
 */
export type CheckOptions<Op extends string, O, Positive extends readonly string[], NonNegative extends readonly string[]> =
  FirstError<[...OptionChecks<Op, O, Positive, 1>, ...OptionChecks<Op, O, NonNegative, 0>]> extends infer E
    ? [E] extends [ShapeError<string>] ? E : true
    : never
type OptionChecks<Op extends string, O, Keys extends readonly string[], Min extends Minimum> = {
  -readonly [I in keyof Keys]: Keys[I] extends keyof O ? OptionValueCheck<Op, Keys[I], O[Keys[I]], Min> : true
}
type OptionValueCheck<Op extends string, Name extends string, V, Min extends Minimum> = V extends number
  ? ValueCheck<Op, Name, V, Min>
  : V extends readonly number[]
    ? FirstError<{ -readonly [I in keyof V]: ValueCheck<Op, Name, V[I] & number, Min> }> extends infer E
      ? [E] extends [ShapeError<string>] ? E : true
      : never
    : true
/** One option value: below the minimum first, then not an integer. */
type ValueCheck<Op extends string, Name extends string, V extends number, Min extends Minimum> = number extends V
  ? true
  : BelowMin<V, Min> extends true
    ? ShapeError<belowMinimum<Op, Name, Min, V>>
    : `${V}` extends `${string}.${string}`
      ? ShapeError<notAnInteger<Op, Name, V>>
      : true
type BelowMin<V extends number, Min extends Minimum> = `${V}` extends `-${string}`
  ? true
  : Min extends 1 ? (`${V}` extends '0' | `0.${string}` ? true : false) : false

/** Run-time twin of CheckOptions. */
export const checkOptions = (
  op: string,
  options: object,
  positive: readonly string[],
  nonNegative: readonly string[],
): void => {
  const check = (names: readonly string[], min: Minimum) => {
    for (const name of names) {
      const value = (options as Record<string, unknown>)[name]
      if (value === undefined || typeof value === 'string' || typeof value === 'boolean') continue
      const values = typeof value === 'number' ? [value] : (value as number[])
      for (const v of values) {
        if (v < min) fail(belowMinimum(op, name, min, v))
        if (!Number.isInteger(v)) fail(notAnInteger(op, name, v))
      }
    }
  }
  check(positive, 1)
  check(nonNegative, 0)
}

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

export const unknownOption = <Op extends string, Key extends string, Known extends string>(op: Op, key: Key, known: Known) =>
  `${op}: unknown option '${key}' (known: ${known})` as const
/** "maxPool2d: unknown option 'kernel' (known: kernelSize, stride, padding, dilation, ceilMode)" */
export type unknownOption<Op extends string, Key extends string, Known extends string> = ReturnType<typeof unknownOption<Op, Key, Known>>

export const missingOption = <Op extends string, Name extends string>(op: Op, name: Name) => `${op}: ${name} is required` as const
/** "maxPool2d: kernelSize is required" */
export type missingOption<Op extends string, Name extends string> = ReturnType<typeof missingOption<Op, Name>>

export const tupleLength = <Op extends string, Name extends string, Count extends number, Rank extends number, Axes extends AxesWord<Rank>>(
  op: Op, name: Name, count: Count, rank: Rank, axes: Axes,
) => `${op}: ${name} has ${count} values for ${rank} spatial ${axes}; give one (used on every axis) or ${rank}` as const
/** "conv2d: stride has 3 values for 2 spatial axes; give one (used on every axis) or 2" */
export type tupleLength<Op extends string, Name extends string, Count extends number, Rank extends number> =
  ReturnType<typeof tupleLength<Op, Name, Count, Rank, AxesWord<Rank>>>
type AxesWord<Rank extends number> = Rank extends 1 ? 'axis' : 'axes'
const axesWord = <Rank extends number>(rank: Rank) => (rank === 1 ? 'axis' : 'axes') as AxesWord<Rank>

export const wrongKind = <Op extends string, Name extends string, Kind extends string, Got extends string>(op: Op, name: Name, kind: Kind, got: Got) =>
  `${op}: ${name} must be ${kind}, got ${got}` as const
/** "conv2d: padding must be a number, [number, number], 'same' or 'valid', got 'SAME'" */
export type wrongKind<Op extends string, Name extends string, Kind extends string, Got extends string> =
  ReturnType<typeof wrongKind<Op, Name, Kind, Got>>

/** Type-level only: a union of literals would make every later dim a union (a run-time value is always one). */
type literalUnion<Op extends string, Name extends string> =
  `${Op}: ${Name} is a union of values; pass one literal (or a plain number) so the output has one shape`

/** How each kind reads in messages; a spatial tuple reads as TupleText. */
const kindTexts = <Tuple extends string>(tuple: Tuple) => {
  const spatial = `a number or ${tuple}` as const
  return {
    positive: spatial,
    nonNegative: spatial,
    padding: `a number, ${tuple}, 'same' or 'valid'`,
    count: 'a number',
    flag: 'true or false',
    mode: "'nearest' or 'bilinear'",
    axes: 'a number or an array of numbers',
  } as const satisfies Record<OptionKind, string>
}
type KindText<Kind extends OptionKind, Rank extends number> = ReturnType<typeof kindTexts<TupleText<Rank>>>[Kind]
const kindText = (kind: OptionKind, rank: number): string => kindTexts(tupleText(rank))[kind]

const namedTuples = { 1: '[number]', 2: '[number, number]', 3: '[number, number, number]' } as const
const numbers = <Rank extends number>(rank: Rank) => `${rank} numbers` as const
type TupleText<Rank extends number> = Rank extends keyof typeof namedTuples ? (typeof namedTuples)[Rank] : ReturnType<typeof numbers<Rank>>
const tupleText = (rank: number): string => (rank === 1 || rank === 2 || rank === 3 ? namedTuples[rank] : numbers(rank))

/** A value as messages show it. */
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
/** Run-time twin of ValueText. */
export const valueText = (value: unknown): string => {
  if (typeof value === 'string') return `'${value}'`
  if (Array.isArray(value)) return `[${value.map(valueText).join(', ')}]`
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'object' && value !== null) return 'an object'
  return String(value)
}

/**
 * The keys of an options object, checked where it is written (the op's
 * options argument): an unknown key (a typo, next to valid keys too), then a
 * missing required key, or true. Keys are known even when values are type
 * parameters (a block generic in its stride), so this never defers.
 */
export type CheckKeys<Op extends string, O, Spec extends OptionSpec, Required extends string> =
  UnknownKey<Op, O, Spec> extends infer E extends ShapeError<string> ? E : MissingKey<Op, O, Required>

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
    : K extends string ? ShapeError<unknownOption<Op, K, JoinKeys<Spec>>> : true
  : never
type MissingKey<Op extends string, O, Required extends string> = [Required] extends [never]
  ? true
  : Required extends keyof O ? true : ShapeError<missingOption<Op, Required>>

/** Run-time twin of CheckKeys; an options argument that is not an object at all is caught here too. */
export const checkKeys = (op: string, options: unknown, spec: OptionSpec, required: readonly string[]): void => {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail(`${op}: options must be an object, got ${valueText(options)}`)
  const record = options as Record<string, unknown>
  const known = spec.map(([name]) => name)
  const unknown = Object.keys(record).find((key) => !known.includes(key))
  if (unknown !== undefined) fail(unknownOption(op, unknown, known.join(', ')))
  for (const name of required) if (!(name in record)) fail(missingOption(op, name))
}

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
    : true extends IsUnion<V> ? (number extends V ? true : ShapeError<literalUnion<Op, Name>>)
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
                  : ShapeError<tupleLength<Op, Name, V['length'], Rank>>
            : WrongKind<Op, Name, V, Kind, Rank>

interface KindValue {
  flag: boolean
  mode: 'nearest' | 'bilinear'
  axes: number | readonly number[]
}
type WrongKind<Op extends string, Name extends string, V, Kind extends OptionKind, Rank extends number> =
  ShapeError<wrongKind<Op, Name, KindText<Kind, Rank>, ValueText<V>>>

/** Whether one value has its kind (a tuple of the wrong length fails here with its own message). */
const spelledRight = (value: unknown, kind: OptionKind, op: string, name: string, rank: number): boolean => {
  if (kind === 'flag') return typeof value === 'boolean'
  if (kind === 'mode') return value === 'nearest' || value === 'bilinear'
  if (kind === 'axes') return typeof value === 'number' || (Array.isArray(value) && value.every((v) => typeof v === 'number'))
  if (typeof value === 'number') return true
  if (value === 'same' || value === 'valid') return kind === 'padding'
  if (kind === 'count' || !Array.isArray(value) || !value.every((v) => typeof v === 'number')) return false
  if (value.length !== 1 && value.length !== rank) fail(tupleLength(op, name, value.length, rank, axesWord(rank)))
  return true
}

/**
 * Run-time twin of CheckSpelling: the kind of each value and tuple lengths (1
 * means every axis, as in PyTorch), in the spec's order. Values themselves
 * (positive, integer) are the shape rules' business.
 */
export const checkSpelling = (op: string, options: object, spec: OptionSpec, rank: number): void => {
  const record = options as Record<string, unknown>
  for (const [name, kind] of spec) {
    const value = record[name]
    if (value !== undefined && !spelledRight(value, kind, op, name, rank)) fail(wrongKind(op, name, kindText(kind, rank), valueText(value)))
  }
}

/** Keys and values, where an op is built: a misspelled option fails at the call that wrote it. */
export const checkOptionsSpelling = (op: string, options: unknown, spec: OptionSpec, required: readonly string[], rank: number): void => {
  checkKeys(op, options, spec, required)
  checkSpelling(op, options as object, spec, rank)
}

// ------------------------------------------------------------ an op's options parameter

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
