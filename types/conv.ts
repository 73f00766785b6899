/**
 * Shape rules of convolution and transposed convolution (PyTorch semantics):
 *
 *   conv:       out = ⌊(in + 2·pad − (dilation·(k − 1) + 1)) / stride⌋ + 1
 *   'same':     out = in at stride 1 (extra pad on the right for even kernels);
 *               out = ⌈in / stride⌉ for stride > 1 (TF/ONNX SAME_UPPER)
 *   transposed: out = (in − 1)·stride − 2·pad + dilation·(k − 1) + outputPadding + 1
 *
 * Weights are [Co, Ci/groups, k…] for conv and [Ci, Co/groups, k…] for
 * transposed conv. src/shape/conv.ts is the run-time twin of every rule here.
 */
import type { Add, Sub, Mul, Div, CeilDiv, Lt, Differ, MayDivide } from './nat.ts'
import type { ShapeError, ShapeText, FirstError, Prefixed, UnknownShape } from './errors.ts'
import type { Shape, IsTuple } from './shape.ts'
import type { Spatial, AxisValue, LayoutText, CheckOptions, CheckSpelling } from './options.ts'

export interface ConvOptions {
  readonly stride?: Spatial
  readonly padding?: Spatial | 'same' | 'valid'
  readonly dilation?: Spatial
  readonly groups?: number
}

export interface ConvTransposeOptions {
  readonly stride?: Spatial
  readonly padding?: Spatial
  readonly outputPadding?: Spatial
  readonly dilation?: Spatial
  readonly groups?: number
}

/** The keys of ConvOptions and what each takes, in the order they are checked (src/ops/conv.ts spells the same list). */
export type ConvSpec = readonly [['stride', 'positive'], ['padding', 'padding'], ['dilation', 'positive'], ['groups', 'count']]
export type ConvTransposeSpec = readonly [
  ['stride', 'positive'], ['padding', 'nonNegative'], ['outputPadding', 'nonNegative'], ['dilation', 'positive'], ['groups', 'count'],
]

/** One spatial axis of a convolution. */
export type ConvAxis<Op extends string, In extends number, K extends number, S extends number, P, D extends number> =
  P extends 'same'
    ? S extends 1 ? In : CeilDiv<In, S>
    : ConvAxisPadded<Op, Add<In, Mul<2, P extends number ? P : 0>>, Add<Mul<D, Sub<K, 1>>, 1>, S>
type ConvAxisPadded<Op extends string, Padded extends number, Effective extends number, S extends number> =
  Lt<Padded, Effective> extends true
    ? ShapeError<`${Op}: kernel ${Effective} exceeds padded input ${Padded}`>
    : Add<Div<Sub<Padded, Effective>, S>, 1>

/** One spatial axis of a transposed convolution. */
export type ConvTransposeAxis<Op extends string, In extends number, K extends number, S extends number, P extends number, OP extends number, D extends number> =
  Lt<OP, S> extends false
    ? Lt<OP, D> extends false
      ? ShapeError<`${Op}: outputPadding ${OP} must be smaller than stride ${S} or dilation ${D}`>
      : ConvTransposeSize<Op, In, K, S, P, OP, D>
    : ConvTransposeSize<Op, In, K, S, P, OP, D>
type ConvTransposeSize<Op extends string, In extends number, K extends number, S extends number, P extends number, OP extends number, D extends number> =
  Sub<Add<Mul<Sub<In, 1>, S>, Add<Mul<D, Sub<K, 1>>, Add<OP, 1>>>, Mul<2, P>> extends infer Out extends number
    ? `${Out}` extends '0' | `-${string}` ? ShapeError<`${Op}: output size ${Out} is not positive`> : Out
    : never

/** conv1d / conv2d: input [N, C, …spatial], weight [Co, Ci/groups, …k], optional bias [Co]. */
export type ConvShape<Op extends string, Rank extends number, X extends Shape, W extends Shape, Bias, O> =
  CheckSpelling<Op, O, ConvSpec, Rank> extends infer E extends ShapeError<string>
    ? E
    : IsTuple<X> extends false
    ? UnknownShape
    : CheckOptions<Op, O, ['stride', 'dilation', 'groups'], ['padding']> extends infer E extends ShapeError<string>
      ? E
      : X extends readonly [infer N extends number, infer C extends number, ...infer Sp extends Shape]
        ? [Sp['length']] extends [Rank]
          ? W extends readonly [infer Co extends number, infer Cig extends number, ...infer K extends Shape]
            ? [K['length']] extends [Rank]
              ? ConvChannels<Op, C, Co, Cig, Group<O>, Bias> extends infer E extends ShapeError<string>
                ? E
                : Prefixed<[N, Co], FirstError<ConvAxes<Op, Sp, K, O>>>
              : ShapeError<`${Op}: weight must be [Co, Ci/groups, ${Rank} kernel dims], got ${ShapeText<W>}`>
            : ShapeError<`${Op}: weight must be [Co, Ci/groups, ${Rank} kernel dims], got ${ShapeText<W>}`>
          : ShapeError<`${Op}: expects input ${LayoutText<Rank>}, got ${ShapeText<X>}`>
        : ShapeError<`${Op}: expects input ${LayoutText<Rank>}, got ${ShapeText<X>}`>

type Group<O> = O extends { readonly groups: infer G extends number } ? G : 1

type ConvChannels<Op extends string, C extends number, Co extends number, Cig extends number, G extends number, Bias> =
  Mul<Cig, G> extends infer Expected extends number
    ? Differ<C, Expected> extends true
      ? ShapeError<`${Op}: input has ${C} channels but weight expects ${Expected}${GroupsText<G, Cig>}`>
      : MayDivide<Co, G> extends false
        ? ShapeError<`${Op}: ${Co} output channels are not divisible by groups ${G}`>
        : BiasCheck<Op, Co, Bias>
    : never

/** With groups, the expected channels are groups × the weight's channels per group: the message says so. */
type GroupsText<G extends number, Cig extends number> = G extends 1 ? '' : ` (groups ${G} × ${Cig} channels per group)`

type BiasCheck<Op extends string, Co extends number, Bias> = Bias extends readonly [infer B extends number]
  ? Differ<B, Co> extends false ? true : ShapeError<`${Op}: bias has ${B} values but weight has ${Co} output channels`>
  : Bias extends Shape ? ShapeError<`${Op}: bias must be [${Co}], got ${ShapeText<Bias>}`> : true

type ConvAxes<Op extends string, Sp extends Shape, K extends Shape, O, Acc extends unknown[] = []> = Sp extends readonly [
  infer In extends number,
  ...infer Rest extends Shape,
]
  ? ConvAxes<Op, Rest, K, O, [
      ...Acc,
      ConvAxis<
        Op, In, K[Acc['length']],
        AxisValue<Prop<O, 'stride'>, Acc['length'], 1>,
        PaddingValue<Prop<O, 'padding'>, Acc['length']>,
        AxisValue<Prop<O, 'dilation'>, Acc['length'], 1>
      >,
    ]>
  : Acc

type Prop<O, K extends string> = O extends { readonly [P in K]?: infer V } ? V : undefined
type PaddingValue<P, I extends number> = P extends 'same' ? 'same' : P extends 'valid' ? 0 : AxisValue<P, I, 0>

/** convTranspose1d / convTranspose2d: input [N, Ci, …spatial], weight [Ci, Co/groups, …k], optional bias [Co]. */
export type ConvTransposeShape<Op extends string, Rank extends number, X extends Shape, W extends Shape, Bias, O> =
  CheckSpelling<Op, O, ConvTransposeSpec, Rank> extends infer E extends ShapeError<string>
    ? E
    : IsTuple<X> extends false
    ? UnknownShape
    : CheckOptions<Op, O, ['stride', 'dilation', 'groups'], ['padding', 'outputPadding']> extends infer E extends ShapeError<string>
      ? E
      : X extends readonly [infer N extends number, infer C extends number, ...infer Sp extends Shape]
        ? [Sp['length']] extends [Rank]
          ? W extends readonly [infer Ci extends number, infer Cog extends number, ...infer K extends Shape]
            ? [K['length']] extends [Rank]
              ? Differ<C, Ci> extends false
                ? MayDivide<Ci, Group<O>> extends true
                  ? BiasCheck<Op, Mul<Cog, Group<O>>, Bias> extends infer E extends ShapeError<string>
                    ? E
                    : Prefixed<[N, Mul<Cog, Group<O>>], FirstError<ConvTransposeAxes<Op, Sp, K, O>>>
                  : ShapeError<`${Op}: ${Ci} input channels are not divisible by groups ${Group<O>}`>
                : ShapeError<`${Op}: input has ${C} channels but weight expects ${Ci}`>
              : ShapeError<`${Op}: weight must be [Ci, Co/groups, ${Rank} kernel dims], got ${ShapeText<W>}`>
            : ShapeError<`${Op}: weight must be [Ci, Co/groups, ${Rank} kernel dims], got ${ShapeText<W>}`>
          : ShapeError<`${Op}: expects input ${LayoutText<Rank>}, got ${ShapeText<X>}`>
        : ShapeError<`${Op}: expects input ${LayoutText<Rank>}, got ${ShapeText<X>}`>

type ConvTransposeAxes<Op extends string, Sp extends Shape, K extends Shape, O, Acc extends unknown[] = []> = Sp extends readonly [
  infer In extends number,
  ...infer Rest extends Shape,
]
  ? ConvTransposeAxes<Op, Rest, K, O, [
      ...Acc,
      ConvTransposeAxis<
        Op, In, K[Acc['length']],
        AxisValue<Prop<O, 'stride'>, Acc['length'], 1>,
        AxisValue<Prop<O, 'padding'>, Acc['length'], 0>,
        AxisValue<Prop<O, 'outputPadding'>, Acc['length'], 0>,
        AxisValue<Prop<O, 'dilation'>, Acc['length'], 1>
      >,
    ]>
  : Acc

