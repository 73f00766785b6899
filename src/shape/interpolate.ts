/**
 * Shape rule of `interpolate` (PyTorch's F.interpolate), the type beside its run-time twin, over
 * [N, C, L], [N, C, H, W] and [N, C, D, H, W]:
 *
 *   out = size                    (given), or
 *   out = ⌊in · scaleFactor⌋      (PyTorch's floor, in double precision, whether or not the
 *                                  scale factor is recomputed afterwards)
 *
 * At the type level an integer scale factor multiplies exactly. A decimal scale factor gives the
 * literal ⌊in · scale⌋ when that floor is certain to equal the run time's floating-point one: at
 * most 6 decimals and an output below 10⁸, and, when in · scale is a whole number, a scale that is
 * exact in binary (1.5, 0.25, not 0.1, whose double may land just below the whole number).
 * Otherwise that dim is `number`. Every message is written once (see errors.ts).
 */
import type { Mul, Mod } from '../../types/nat.ts'
import type { ShapeError, FirstError, Prefixed, UnknownShape } from '../../types/errors.ts'
import type { Shape, IsTuple } from '../../types/shape.ts'
import { fail, shapeText, axisValue, type Spatial, type AxisValue, type ShapeText } from './errors.ts'
import { checkOptions, checkSpelling, valueText, type CheckOptions, type CheckSpelling } from './options.ts'

export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'trilinear' | 'bicubic'

/** F.interpolate's options, camelCased. Exactly one of `size` and `scaleFactor`. */
export interface InterpolateOptions {
  /** The output's spatial size: one number for every axis, or one per axis. */
  readonly size?: Spatial
  /** Multiplies each spatial size (output ⌊in · scale⌋); need not be an integer. */
  readonly scaleFactor?: Spatial
  /** Default 'nearest'; linear is for [N, C, L], bilinear and bicubic for [N, C, H, W], trilinear for [N, C, D, H, W]. */
  readonly mode?: InterpolateMode
  /** Linear modes and bicubic: map the corner pixels' centres onto each other (default false). */
  readonly alignCorners?: boolean
  /** With a scaleFactor: map coordinates by in/out (the computed size) rather than by 1/scaleFactor (default false). */
  readonly recomputeScaleFactor?: boolean
}

/** The keys interpolate takes, in the order they are checked ('mode' is checked by the rule itself: its own kinds). */
export const interpolateKeys = [
  ['size', 'positive'], ['scaleFactor', 'positive'], ['mode', 'mode'], ['alignCorners', 'flag'], ['recomputeScaleFactor', 'flag'],
] as const
export type InterpolateKeys = typeof interpolateKeys
const interpolateSpelling = [['size', 'positive'], ['scaleFactor', 'positive'], ['alignCorners', 'flag'], ['recomputeScaleFactor', 'flag']] as const
type InterpolateSpelling = typeof interpolateSpelling

/** The spatial ranks each mode takes. */
export const modeRanks = {
  nearest: [1, 2, 3],
  'nearest-exact': [1, 2, 3],
  linear: [1],
  bilinear: [2],
  trilinear: [3],
  bicubic: [2],
} as const satisfies Record<InterpolateMode, readonly number[]>
type ModeRank<M extends InterpolateMode> = (typeof modeRanks)[M][number]

/** The modes that interpolate between neighbours, where alignCorners means something. */
export const interpolatingModes = ['linear', 'bilinear', 'trilinear', 'bicubic'] as const satisfies readonly InterpolateMode[]
type NearestMode = Exclude<InterpolateMode, (typeof interpolatingModes)[number]>

// ------------------------------------------------------------ messages

const layouts = { 1: '[N, C, L]', 2: '[N, C, H, W]', 3: '[N, C, D, H, W]' } as const
const anyLayout = '[N, C, L], [N, C, H, W] or [N, C, D, H, W]'
type Layouts<Ranks extends number> = [Ranks] extends [1 | 2 | 3] ? ([1 | 2 | 3] extends [Ranks] ? typeof anyLayout : (typeof layouts)[Ranks & keyof typeof layouts]) : never
const layoutsOf = (ranks: readonly number[]): string => (ranks.length > 1 ? anyLayout : layouts[ranks[0] as 1 | 2 | 3])

export const modeExpectsInput = <Mode extends string, Layout extends string, Got extends string>(mode: Mode, layout: Layout, got: Got) =>
  `interpolate: mode '${mode}' expects input ${layout}, got ${got}` as const
/** "interpolate: mode 'bilinear' expects input [N, C, H, W], got [1, 3, 8]" */
export type modeExpectsInput<Mode extends string, Layout extends string, Got extends string> = ReturnType<typeof modeExpectsInput<Mode, Layout, Got>>

export const unknownMode = <Got extends string>(got: Got) =>
  `interpolate: mode must be 'nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear' or 'bicubic', got ${got}` as const
/** "interpolate: mode must be 'nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear' or 'bicubic', got 'cubic'" */
export type unknownMode<Got extends string> = ReturnType<typeof unknownMode<Got>>

export const alignCornersWithNearest = <Mode extends string>(mode: Mode) =>
  `interpolate: alignCorners applies to the modes linear, bilinear, trilinear and bicubic, not '${mode}'` as const
/** "interpolate: alignCorners applies to the modes linear, bilinear, trilinear and bicubic, not 'nearest'" (also alignCorners: false, as PyTorch) */
export type alignCornersWithNearest<Mode extends string> = ReturnType<typeof alignCornersWithNearest<Mode>>

export const sizeAndScaleFactor = 'interpolate: give size or scaleFactor, not both'
export type sizeAndScaleFactor = typeof sizeAndScaleFactor
export const needsSizeOrScaleFactor = 'interpolate: needs size or scaleFactor'
export type needsSizeOrScaleFactor = typeof needsSizeOrScaleFactor
export const recomputeWithSize = 'interpolate: recomputeScaleFactor applies to a scaleFactor, not to a size'
export type recomputeWithSize = typeof recomputeWithSize

export const scaleNotPositive = <V extends number>(value: V) => `interpolate: scaleFactor must be a positive number, got ${value}` as const
/** "interpolate: scaleFactor must be a positive number, got 0" */
export type scaleNotPositive<V extends number> = ReturnType<typeof scaleNotPositive<V>>

export const emptyOutput = <In extends number, Scale extends number>(input: In, scale: Scale) =>
  `interpolate: scaleFactor ${scale} leaves no element of an axis of ${input} (⌊${input} × ${scale}⌋ = 0)` as const
/** "interpolate: scaleFactor 0.2 leaves no element of an axis of 4 (⌊4 × 0.2⌋ = 0)" */
export type emptyOutput<In extends number, Scale extends number> = ReturnType<typeof emptyOutput<In, Scale>>

// ------------------------------------------------------------ ⌊in · scale⌋ at the type level

type Chars<S extends string, Acc extends unknown[] = []> = S extends `${string}${infer R}` ? Chars<R, [...Acc, 0]> : Acc
type StripZeros<S extends string> = S extends `0${infer R}` ? (R extends '' ? '0' : StripZeros<R>) : S
type Natural<S extends string> = StripZeros<S> extends `${infer N extends number}` ? N : never
type Reverse<S extends string, Acc extends string = ''> = S extends `${infer H}${infer R}` ? Reverse<R, `${H}${Acc}`> : Acc
type Power<Base extends number, Digits extends string, Acc extends number = 1> = Digits extends `${string}${infer R}` ? Power<Base, R, Mul<Acc, Base>> : Acc
/**
 * Division of a reversed digit string by 10^(digits of Fraction), by dropping its low digits:
 * [the quotient's digits, reversed; whether the dropped digits were all 0].
 */
type DropLow<Reversed extends string, Fraction extends string, Whole extends boolean = true> = Fraction extends `${string}${infer F}`
  ? Reversed extends `${infer D}${infer R}` ? DropLow<R, F, D extends '0' ? Whole : false> : ['', Whole]
  : [Reversed, Whole]

/** ⌊In · Whole.Fraction⌋ when certain to equal the double-precision floor, else number (see the file's comment). */
type FloorDecimal<In extends number, Scale extends number, Whole extends string, Fraction extends string> =
  Chars<Fraction>['length'] extends 1 | 2 | 3 | 4 | 5 | 6
    ? Natural<`${Whole}${Fraction}`> extends infer M extends number
      ? DropLow<Reverse<`${Mul<In, M>}`>, Fraction> extends [infer Quotient extends string, infer IsWhole extends boolean]
        ? Quotient extends ''
          ? ShapeError<emptyOutput<In, Scale>>
          : Chars<Quotient>['length'] extends 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8
            // A whole product is exact only for a scale that is exact in binary (M divisible by 5^digits).
            ? IsWhole extends true ? (Mod<M, Power<5, Fraction>> extends 0 ? Natural<Reverse<Quotient>> : number) : Natural<Reverse<Quotient>>
            : number
        : never
      : never
    : number

/** One axis scaled: an exact product for an integer scale, ⌊in · scale⌋ for a decimal one where certain, else number. */
type ScaledAxis<In extends number, Scale extends number> = number extends In | Scale
  ? number
  : `${Scale}` extends `${string}e${string}`
    ? number
    : `${Scale}` extends `${infer Whole}.${infer Fraction}`
      ? FloorDecimal<In, Scale, Whole, Fraction>
      : Mul<In, Scale>

type ScaledAxes<Sp extends Shape, F, Acc extends unknown[] = []> = Sp extends readonly [infer In extends number, ...infer Rest extends Shape]
  ? ScaledAxes<Rest, F, [...Acc, ScaledAxis<In, AxisValue<F, Acc['length'], 1>>]>
  : Acc
type SizedAxes<Sp extends Shape, Size, Acc extends number[] = []> = Sp extends readonly [infer In extends number, ...infer Rest extends Shape]
  ? SizedAxes<Rest, Size, [...Acc, AxisValue<Size, Acc['length'], In>]>
  : Acc

/** A scale factor must be a positive number (any fraction): the first value that is not, or true. */
type ScalesPositive<F> = F extends number
  ? `${F}` extends `-${string}` | '0' ? ShapeError<scaleNotPositive<F>> : true
  : F extends readonly number[] ? FirstError<{ -readonly [I in keyof F]: ScalesPositive<F[I]> }> extends infer E extends ShapeError<string> ? E : true
  : true

// ------------------------------------------------------------ the rule

type Prop<O, K extends string> = O extends { readonly [P in K]?: infer V } ? Exclude<V, undefined> : never
type ModeOf<O> = [Prop<O, 'mode'>] extends [never] ? 'nearest' : Prop<O, 'mode'>
type Has<O, K extends string> = [Prop<O, K>] extends [never] ? false : true

/** The checks that do not depend on the input's sizes, in the run-time twin's order (after the mode and rank). */
type OptionChecks<O, Mode, Rank extends number> =
  CheckSpelling<'interpolate', O, InterpolateSpelling, Rank> extends infer E extends ShapeError<string>
    ? E
    : Has<O, 'alignCorners'> extends true
      ? Mode extends NearestMode ? ShapeError<alignCornersWithNearest<Mode>> : SizeOrScale<O>
      : SizeOrScale<O>
type SizeOrScale<O> = Has<O, 'size'> extends true
  ? Has<O, 'scaleFactor'> extends true
    ? ShapeError<sizeAndScaleFactor>
    : O extends { readonly recomputeScaleFactor: true } ? ShapeError<recomputeWithSize> : CheckOptions<'interpolate', O, ['size'], []>
  : Has<O, 'scaleFactor'> extends true ? ScalesPositive<Prop<O, 'scaleFactor'>> : ShapeError<needsSizeOrScaleFactor>

/** interpolate: [N, C, …in] → [N, C, …out], out the `size` or ⌊in · scaleFactor⌋ per axis. */
export type InterpolateShape<X extends Shape, O> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [infer N extends number, infer C extends number, ...infer Sp extends Shape]
    ? ModeOf<O> extends infer Mode
      ? string extends Mode
        ? InterpolateAxes<N, C, Sp, O, Mode>
        : Mode extends InterpolateMode
          ? Sp['length'] extends ModeRank<Mode>
            ? InterpolateAxes<N, C, Sp, O, Mode>
            : ShapeError<modeExpectsInput<Mode, Layouts<ModeRank<Mode>>, ShapeText<X>>>
          : ShapeError<unknownMode<`'${Mode & string}'`>>
      : never
    : ShapeError<modeExpectsInput<ModeOf<O> & string, typeof anyLayout, ShapeText<X>>>
type InterpolateAxes<N extends number, C extends number, Sp extends Shape, O, Mode> =
  OptionChecks<O, Mode, Sp['length']> extends infer E extends ShapeError<string>
    ? E
    : Prefixed<[N, C], FirstError<Has<O, 'size'> extends true ? SizedAxes<Sp, Prop<O, 'size'>> : ScaledAxes<Sp, Prop<O, 'scaleFactor'>>>>

/** Run-time twin of InterpolateShape: the output shape, or the same message as a ShapeError. */
export const interpolateShape = (x: readonly number[], options: InterpolateOptions): number[] => {
  const mode = options.mode ?? 'nearest'
  if (!Object.hasOwn(modeRanks, mode)) fail(unknownMode(valueText(mode)))
  const ranks: readonly number[] = modeRanks[mode]
  const rank = x.length - 2
  if (!ranks.includes(rank)) fail(modeExpectsInput(mode, layoutsOf(ranks), shapeText(x)))
  checkSpelling('interpolate', options, interpolateSpelling, rank)
  if (options.alignCorners !== undefined && !(interpolatingModes as readonly string[]).includes(mode)) fail(alignCornersWithNearest(mode))
  const { size, scaleFactor } = options
  const spatial = x.slice(2)
  if (size !== undefined) {
    if (scaleFactor !== undefined) fail(sizeAndScaleFactor)
    if (options.recomputeScaleFactor === true) fail(recomputeWithSize)
    checkOptions('interpolate', options, ['size'], [])
    return [x[0], x[1], ...spatial.map((d, i) => axisValue(size, i, d))]
  }
  if (scaleFactor === undefined) return fail(needsSizeOrScaleFactor)
  for (const s of typeof scaleFactor === 'number' ? [scaleFactor] : scaleFactor) if (!(s > 0 && Number.isFinite(s))) fail(scaleNotPositive(s))
  return [x[0], x[1], ...spatial.map((d, i) => {
    const scale = axisValue(scaleFactor, i, 1)
    const out = Math.floor(d * scale)
    if (out === 0 && d > 0) fail(emptyOutput(d, scale))
    return out
  })]
}
