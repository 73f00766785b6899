/**
 * Shape rules of convolution and transposed convolution (PyTorch semantics),
 * each type-level rule beside its run-time twin:
 *
 *   conv:       out = ⌊(in + 2·pad − (dilation·(k − 1) + 1)) / stride⌋ + 1
 *   'same':     out = in at stride 1 (extra pad on the right for even kernels);
 *               out = ⌈in / stride⌉ for stride > 1 (TF/ONNX SAME_UPPER)
 *   transposed: out = (in − 1)·stride − 2·pad + dilation·(k − 1) + outputPadding + 1
 *
 * Weights are [Co, Ci/groups, k…] for conv and [Ci, Co/groups, k…] for
 * transposed conv. Every message is written once (see errors.ts).
 */
import type { Add, Sub, Mul, Div, CeilDiv, Lt, Differ, MayDivide } from '../../types/nat.ts'
import type { ShapeError, FirstError, Prefixed, UnknownShape } from '../../types/errors.ts'
import type { Shape, IsTuple } from '../../types/shape.ts'
import {
  fail, shapeText, axisValue, layoutText, expectsInput, kernelExceedsInput, biasShape,
  type Spatial, type AxisValue, type ShapeText, type LayoutText,
} from './errors.ts'
import { checkOptions, checkSpelling, type CheckOptions, type CheckSpelling } from './options.ts'

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

/** The keys of ConvOptions and what each takes, in the order they are checked. */
export const convSpec = [['stride', 'positive'], ['padding', 'padding'], ['dilation', 'positive'], ['groups', 'count']] as const
export type ConvSpec = typeof convSpec
export const convTransposeSpec = [
  ['stride', 'positive'], ['padding', 'nonNegative'], ['outputPadding', 'nonNegative'], ['dilation', 'positive'], ['groups', 'count'],
] as const
export type ConvTransposeSpec = typeof convTransposeSpec

// ------------------------------------------------------------ messages

export const outputPaddingTooLarge = <Op extends string, OP extends number, S extends number, D extends number>(op: Op, outputPadding: OP, stride: S, dilation: D) =>
  `${op}: outputPadding ${outputPadding} must be smaller than stride ${stride} or dilation ${dilation}` as const
/** "convTranspose2d: outputPadding 2 must be smaller than stride 2 or dilation 1" */
export type outputPaddingTooLarge<Op extends string, OP extends number, S extends number, D extends number> =
  ReturnType<typeof outputPaddingTooLarge<Op, OP, S, D>>

export const outputNotPositive = <Op extends string, Out extends number>(op: Op, out: Out) => `${op}: output size ${out} is not positive` as const
/** "convTranspose2d: output size 0 is not positive" */
export type outputNotPositive<Op extends string, Out extends number> = ReturnType<typeof outputNotPositive<Op, Out>>

/** How a conv's weight lays out its dims: [Co, Ci/groups, k…], or [Ci, Co/groups, k…] when transposed. */
const weightDims = { conv: 'Co, Ci/groups', transposed: 'Ci, Co/groups' } as const
export const weightLayout = <Op extends string, Kind extends keyof typeof weightDims, Rank extends number, Got extends string>(
  op: Op, kind: Kind, rank: Rank, got: Got,
) => `${op}: weight must be [${weightDims[kind]}, ${rank} kernel dims], got ${got}` as const
/** "conv2d: weight must be [Co, Ci/groups, 2 kernel dims], got [6, 1, 5]" */
export type weightLayout<Op extends string, Kind extends keyof typeof weightDims, Rank extends number, Got extends string> =
  ReturnType<typeof weightLayout<Op, Kind, Rank, Got>>

export const channelMismatch = <Op extends string, C extends number, Expected extends number, Note extends string>(op: Op, c: C, expected: Expected, note: Note) =>
  `${op}: input has ${c} channels but weight expects ${expected}${note}` as const
/** "conv2d: input has 3 channels but weight expects 1", with GroupsNote after it when there are groups. */
export type channelMismatch<Op extends string, C extends number, Expected extends number, Note extends string = ''> =
  ReturnType<typeof channelMismatch<Op, C, Expected, Note>>

export const groupsNote = <G extends number, Cig extends number>(groups: G, perGroup: Cig) => ` (groups ${groups} × ${perGroup} channels per group)` as const
/** With groups, the expected channels are groups × the weight's channels per group: the message says so. */
export type GroupsNote<G extends number, Cig extends number> = G extends 1 ? '' : ReturnType<typeof groupsNote<G, Cig>>

export const notDivisibleByGroups = <Op extends string, Count extends number, Side extends 'input' | 'output', G extends number>(
  op: Op, count: Count, side: Side, groups: G,
) => `${op}: ${count} ${side} channels are not divisible by groups ${groups}` as const
/** "conv2d: 6 output channels are not divisible by groups 4" */
export type notDivisibleByGroups<Op extends string, Count extends number, Side extends 'input' | 'output', G extends number> =
  ReturnType<typeof notDivisibleByGroups<Op, Count, Side, G>>

export const biasCount = <Op extends string, B extends number, Co extends number>(op: Op, values: B, outChannels: Co) =>
  `${op}: bias has ${values} values but weight has ${outChannels} output channels` as const
/** "conv2d: bias has 5 values but weight has 6 output channels" */
export type biasCount<Op extends string, B extends number, Co extends number> = ReturnType<typeof biasCount<Op, B, Co>>

// ------------------------------------------------------------ one axis

/** One spatial axis of a convolution. */
export type ConvAxis<Op extends string, In extends number, K extends number, S extends number, P, D extends number> =
  P extends 'same'
    ? S extends 1 ? In : CeilDiv<In, S>
    : ConvAxisPadded<Op, Add<In, Mul<2, P extends number ? P : 0>>, Add<Mul<D, Sub<K, 1>>, 1>, S>
type ConvAxisPadded<Op extends string, Padded extends number, Effective extends number, S extends number> =
  Lt<Padded, Effective> extends true
    ? ShapeError<kernelExceedsInput<Op, Effective, Padded>>
    : Add<Div<Sub<Padded, Effective>, S>, 1>

/** Output size of one conv axis; padding 'same' follows PyTorch at stride 1, SAME_UPPER beyond. */
export const convAxis = (op: string, input: number, kernel: number, stride: number, padding: number | 'same', dilation: number): number => {
  if (padding === 'same') return stride === 1 ? input : Math.ceil(input / stride)
  const padded = input + 2 * padding
  const effective = dilation * (kernel - 1) + 1
  if (padded < effective) fail(kernelExceedsInput(op, effective, padded))
  return Math.floor((padded - effective) / stride) + 1
}

/** [left, right] padding of one axis for 'same' (extra on the right), or the symmetric padding. */
export const convPadding = (input: number, kernel: number, stride: number, padding: number | 'same', dilation: number): [number, number] => {
  if (padding !== 'same') return [padding, padding]
  const out = Math.ceil(input / stride)
  const total = Math.max((out - 1) * stride + dilation * (kernel - 1) + 1 - input, 0)
  return [Math.floor(total / 2), total - Math.floor(total / 2)]
}

/** The padding of one axis: 'same', or a number ('valid' is 0). */
type PaddingOnAxis<P, I extends number> = P extends 'same' ? 'same' : P extends 'valid' ? 0 : AxisValue<P, I, 0>
export const paddingOnAxis = (padding: ConvOptions['padding'], axis: number): number | 'same' =>
  padding === 'same' ? 'same' : padding === 'valid' ? 0 : axisValue(padding, axis, 0)

/** One spatial axis of a transposed convolution. */
export type ConvTransposeAxis<Op extends string, In extends number, K extends number, S extends number, P extends number, OP extends number, D extends number> =
  Lt<OP, S> extends false
    ? Lt<OP, D> extends false
      ? ShapeError<outputPaddingTooLarge<Op, OP, S, D>>
      : ConvTransposeSize<Op, In, K, S, P, OP, D>
    : ConvTransposeSize<Op, In, K, S, P, OP, D>
type ConvTransposeSize<Op extends string, In extends number, K extends number, S extends number, P extends number, OP extends number, D extends number> =
  Sub<Add<Mul<Sub<In, 1>, S>, Add<Mul<D, Sub<K, 1>>, Add<OP, 1>>>, Mul<2, P>> extends infer Out extends number
    ? `${Out}` extends '0' | `-${string}` ? ShapeError<outputNotPositive<Op, Out>> : Out
    : never

export const convTransposeAxis = (
  op: string, input: number, kernel: number, stride: number, padding: number, outputPadding: number, dilation: number,
): number => {
  if (outputPadding >= stride && outputPadding >= dilation) fail(outputPaddingTooLarge(op, outputPadding, stride, dilation))
  const out = (input - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1
  if (out < 1) fail(outputNotPositive(op, out))
  return out
}

// ------------------------------------------------------------ channels and bias

type Group<O> = O extends { readonly groups: infer G extends number } ? G : 1

type ConvChannels<Op extends string, C extends number, Co extends number, Cig extends number, G extends number, Bias> =
  Mul<Cig, G> extends infer Expected extends number
    ? Differ<C, Expected> extends true
      ? ShapeError<channelMismatch<Op, C, Expected, GroupsNote<G, Cig>>>
      : MayDivide<Co, G> extends false
        ? ShapeError<notDivisibleByGroups<Op, Co, 'output', G>>
        : BiasCheck<Op, Co, Bias>
    : never

type BiasCheck<Op extends string, Co extends number, Bias> = Bias extends readonly [infer B extends number]
  ? Differ<B, Co> extends false ? true : ShapeError<biasCount<Op, B, Co>>
  : Bias extends Shape ? ShapeError<biasShape<Op, Co, ShapeText<Bias>>> : true
const checkBias = (op: string, outChannels: number, bias: readonly number[] | undefined) => {
  if (bias === undefined) return
  if (bias.length !== 1) fail(biasShape(op, outChannels, shapeText(bias)))
  if (bias[0] !== outChannels) fail(biasCount(op, bias[0], outChannels))
}

// ------------------------------------------------------------ conv

/** conv1d / conv2d / conv3d: input [N, C, …spatial], weight [Co, Ci/groups, …k], optional bias [Co]. */
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
              : ShapeError<weightLayout<Op, 'conv', Rank, ShapeText<W>>>
            : ShapeError<weightLayout<Op, 'conv', Rank, ShapeText<W>>>
          : ShapeError<expectsInput<Op, LayoutText<Rank>, ShapeText<X>>>
        : ShapeError<expectsInput<Op, LayoutText<Rank>, ShapeText<X>>>

type ConvAxes<Op extends string, Sp extends Shape, K extends Shape, O, Acc extends unknown[] = []> = Sp extends readonly [
  infer In extends number,
  ...infer Rest extends Shape,
]
  ? ConvAxes<Op, Rest, K, O, [
      ...Acc,
      ConvAxis<
        Op, In, K[Acc['length']],
        AxisValue<Prop<O, 'stride'>, Acc['length'], 1>,
        PaddingOnAxis<Prop<O, 'padding'>, Acc['length']>,
        AxisValue<Prop<O, 'dilation'>, Acc['length'], 1>
      >,
    ]>
  : Acc

type Prop<O, K extends string> = O extends { readonly [P in K]?: infer V } ? V : undefined

/** conv1d (rank 1) / conv2d (rank 2) / conv3d (rank 3): input [N, C, …], weight [Co, Ci/groups, …k]. */
export const convShape = (
  op: string, rank: number, x: readonly number[], w: readonly number[], bias: readonly number[] | undefined, options: ConvOptions,
): number[] => {
  checkSpelling(op, options, convSpec, rank)
  checkOptions(op, options, ['stride', 'dilation', 'groups'], ['padding'])
  if (x.length !== rank + 2) fail(expectsInput(op, layoutText(rank), shapeText(x)))
  if (w.length !== rank + 2) fail(weightLayout(op, 'conv', rank, shapeText(w)))
  const groups = options.groups ?? 1
  const [n, c] = x
  const [co, cig] = w
  if (c !== cig * groups) fail(channelMismatch(op, c, cig * groups, groups === 1 ? '' : groupsNote(groups, cig)))
  if (co % groups !== 0) fail(notDivisibleByGroups(op, co, 'output', groups))
  checkBias(op, co, bias)
  const spatial = x.slice(2).map((input, i) =>
    convAxis(op, input, w[2 + i], axisValue(options.stride, i, 1), paddingOnAxis(options.padding, i), axisValue(options.dilation, i, 1)),
  )
  return [n, co, ...spatial]
}

// ------------------------------------------------------------ transposed conv

/** convTranspose1d / convTranspose2d / convTranspose3d: input [N, Ci, …spatial], weight [Ci, Co/groups, …k], optional bias [Co]. */
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
                  : ShapeError<notDivisibleByGroups<Op, Ci, 'input', Group<O>>>
                : ShapeError<channelMismatch<Op, C, Ci>>
              : ShapeError<weightLayout<Op, 'transposed', Rank, ShapeText<W>>>
            : ShapeError<weightLayout<Op, 'transposed', Rank, ShapeText<W>>>
          : ShapeError<expectsInput<Op, LayoutText<Rank>, ShapeText<X>>>
        : ShapeError<expectsInput<Op, LayoutText<Rank>, ShapeText<X>>>

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

/** convTranspose1d / convTranspose2d / convTranspose3d: input [N, Ci, …], weight [Ci, Co/groups, …k]. */
export const convTransposeShape = (
  op: string, rank: number, x: readonly number[], w: readonly number[], bias: readonly number[] | undefined, options: ConvTransposeOptions,
): number[] => {
  checkSpelling(op, options, convTransposeSpec, rank)
  checkOptions(op, options, ['stride', 'dilation', 'groups'], ['padding', 'outputPadding'])
  if (x.length !== rank + 2) fail(expectsInput(op, layoutText(rank), shapeText(x)))
  if (w.length !== rank + 2) fail(weightLayout(op, 'transposed', rank, shapeText(w)))
  const groups = options.groups ?? 1
  const [n, c] = x
  const [ci, cog] = w
  if (c !== ci) fail(channelMismatch(op, c, ci, ''))
  if (ci % groups !== 0) fail(notDivisibleByGroups(op, ci, 'input', groups))
  checkBias(op, cog * groups, bias)
  const spatial = x.slice(2).map((input, i) =>
    convTransposeAxis(
      op, input, w[2 + i], axisValue(options.stride, i, 1), axisValue(options.padding, i, 0),
      axisValue(options.outputPadding, i, 0), axisValue(options.dilation, i, 1),
    ),
  )
  return [n, cog * groups, ...spatial]
}
