/**
 * Shape rules of pooling and resampling (PyTorch semantics):
 *
 *   out = ⌊(in + 2·pad − (dilation·(k − 1) + 1)) / stride⌋ + 1     (⌈…⌉ with ceilMode,
 *         minus one when the last window would start past the input and left padding)
 *   pad ≤ ⌊k / 2⌋, stride defaults to the kernel size.
 *
 * src/shape/pool.ts is the run-time twin of every rule here.
 */
import type { Add, Sub, Mul, Div, CeilDiv, Lt, Gte, Differ } from './nat.ts'
import type { ShapeError, ShapeText, FirstError, Prefixed, UnknownShape } from './errors.ts'
import type { Shape, IsTuple } from './shape.ts'
import type { Spatial, AxisValue, LayoutText, CheckOptions, CheckSpelling } from './options.ts'

export interface PoolOptions {
  readonly kernelSize: Spatial
  readonly stride?: Spatial
  readonly padding?: Spatial
  readonly ceilMode?: boolean
}
export interface MaxPoolOptions extends PoolOptions {
  readonly dilation?: Spatial
}
export interface AvgPoolOptions extends PoolOptions {
  readonly countIncludePad?: boolean
}

/** One spatial axis of a pooling window. */
export type PoolAxis<Op extends string, In extends number, K extends number, S extends number, P extends number, D extends number, Ceil> =
  Lt<Div<K, 2>, P> extends true
    ? ShapeError<`${Op}: padding ${P} exceeds half the kernel ${K}`>
    : Add<In, Mul<2, P>> extends infer Padded extends number
      ? Add<Mul<D, Sub<K, 1>>, 1> extends infer E extends number
        ? Ceil extends true
          // Ceil mode keeps a first window that overshoots the padded input by less than a stride.
          ? Sub<Sub<Add<Padded, S>, 1>, E> extends infer Span extends number
            ? `${Span}` extends `-${string}`
              ? ShapeError<`${Op}: kernel ${E} exceeds padded input ${Padded}`>
              : Add<Div<Span, S>, 1> extends infer Out extends number
                // PyTorch: the last window must start inside the input or the left padding.
                ? Gte<Mul<Sub<Out, 1>, S>, Add<In, P>> extends true ? Sub<Out, 1> : Out
                : never
            : never
          : Lt<Padded, E> extends true
            ? ShapeError<`${Op}: kernel ${E} exceeds padded input ${Padded}`>
            : Add<Div<Sub<Padded, E>, S>, 1>
        : never
      : never

/** maxPool1d/2d and avgPool1d/2d over input [N, C, …spatial]. */
export type PoolShape<Op extends string, Rank extends number, X extends Shape, O> =
  CheckSpelling<Op, O, Op extends `maxPool${string}` ? MaxPoolSpec : AvgPoolSpec, Rank> extends infer E extends ShapeError<string>
  ? E
  : IsTuple<X> extends false
  ? UnknownShape
  : CheckOptions<Op, O, ['kernelSize', 'stride', 'dilation'], ['padding']> extends infer E extends ShapeError<string>
    ? E
    : X extends readonly [infer N extends number, infer C extends number, ...infer Sp extends Shape]
      ? [Sp['length']] extends [Rank]
        ? Prefixed<[N, C], FirstError<PoolAxes<Op, Sp, O>>>
        : ShapeError<`${Op}: expects input ${LayoutText<Rank>}, got ${ShapeText<X>}`>
      : ShapeError<`${Op}: expects input ${LayoutText<Rank>}, got ${ShapeText<X>}`>

type PoolAxes<Op extends string, Sp extends Shape, O, Acc extends unknown[] = []> = Sp extends readonly [
  infer In extends number,
  ...infer Rest extends Shape,
]
  ? PoolAxes<Op, Rest, O, [
      ...Acc,
      PoolAxis<
        Op, In,
        AxisValue<Prop<O, 'kernelSize'>, Acc['length'], 1>,
        AxisValue<Prop<O, 'stride'>, Acc['length'], AxisValue<Prop<O, 'kernelSize'>, Acc['length'], 1>>,
        AxisValue<Prop<O, 'padding'>, Acc['length'], 0>,
        AxisValue<Prop<O, 'dilation'>, Acc['length'], 1>,
        Prop<O, 'ceilMode'>
      >,
    ]>
  : Acc
type Prop<O, K extends string> = O extends { readonly [P in K]?: infer V } ? V : undefined

/** adaptiveAvgPool2d(outputSize): [N, C, H, W] → [N, C, h, w]. */
export type AdaptivePoolShape<Op extends string, X extends Shape, Size extends Spatial> =
  CheckSpelling<Op, { outputSize: Size }, OutputSizeSpec, 2> extends infer E extends ShapeError<string>
  ? E
  : IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [infer N extends number, infer C extends number, unknown, unknown]
    ? CheckOptions<Op, { outputSize: Size }, ['outputSize'], []> extends infer E extends ShapeError<string>
      ? E
      : [N, C, AxisValue<Size, 0, 1>, AxisValue<Size, 1, 1>]
    : ShapeError<`${Op}: expects input [N, C, H, W], got ${ShapeText<X>}`>

/** global average/max pool: [N, C, H, W] → [N, C]. */
export type GlobalPoolShape<Op extends string, X extends Shape> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [infer N extends number, infer C extends number, unknown, unknown]
    ? [N, C]
    : ShapeError<`${Op}: expects input [N, C, H, W], got ${ShapeText<X>}`>

export type UpsampleOptions =
  | { readonly scaleFactor: Spatial; readonly mode?: 'nearest' | 'bilinear'; readonly alignCorners?: boolean }
  | { readonly size: Spatial; readonly mode?: 'nearest' | 'bilinear'; readonly alignCorners?: boolean }

/** upsample by an integer scale factor or to a target size: [N, C, H, W] → [N, C, H', W']. */
export type UpsampleShape<X extends Shape, O> =
  CheckSpelling<'upsample', O, UpsampleSpec, 2> extends infer E extends ShapeError<string>
  ? E
  : IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [infer N extends number, infer C extends number, infer H extends number, infer W extends number]
    ? O extends { readonly size: infer Size }
      ? CheckOptions<'upsample', O, ['size'], []> extends infer E extends ShapeError<string>
        ? E
        : [N, C, AxisValue<Size, 0, H>, AxisValue<Size, 1, W>]
      : O extends { readonly scaleFactor: infer F }
        ? CheckOptions<'upsample', O, ['scaleFactor'], []> extends infer E extends ShapeError<string>
          ? E
          : [N, C, Mul<H, AxisValue<F, 0, 1>>, Mul<W, AxisValue<F, 1, 1>>]
        : ShapeError<'upsample: needs scaleFactor or size'>
    : ShapeError<`upsample: expects input [N, C, H, W], got ${ShapeText<X>}`>

/** batchNorm2d: [N, C, H, W] with per-channel parameters [C]. */
export type BatchNormShape<X extends Shape, P extends Shape> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [unknown, infer C extends number, unknown, unknown]
    ? P extends readonly [infer PC extends number]
      ? Differ<C, PC> extends true ? ShapeError<`batchNorm2d: input has ${C} channels but parameters have ${PC}`> : X
      : ShapeError<`batchNorm2d: parameters must be [C], got ${ShapeText<P>}`>
    : ShapeError<`batchNorm2d: expects input [N, C, H, W], got ${ShapeText<X>}`>

/** The keys of the pooling and upsampling options and what each takes, in the order they are checked (src/ops/pool.ts spells the same lists). */
export type MaxPoolSpec = readonly [['kernelSize', 'positive'], ['stride', 'positive'], ['padding', 'nonNegative'], ['dilation', 'positive'], ['ceilMode', 'flag']]
export type AvgPoolSpec = readonly [
  ['kernelSize', 'positive'], ['stride', 'positive'], ['padding', 'nonNegative'], ['ceilMode', 'flag'], ['countIncludePad', 'flag'],
]
export type UpsampleSpec = readonly [['scaleFactor', 'positive'], ['size', 'positive'], ['mode', 'mode'], ['alignCorners', 'flag']]
export type OutputSizeSpec = readonly [['outputSize', 'positive']]
