/**
 * Shape rules of pooling, resampling and batch norm (PyTorch semantics), each
 * type-level rule beside its run-time twin:
 *
 *   out = ⌊(in + 2·pad − (dilation·(k − 1) + 1)) / stride⌋ + 1     (⌈…⌉ with ceilMode,
 *         minus one when the last window would start past the input and left padding)
 *   pad ≤ ⌊k / 2⌋, stride defaults to the kernel size.
 *
 * Every message is written once (see errors.ts).
 */
import type { Add, Sub, Mul, Div, Lt, Gte, Differ } from '../../types/nat.ts'
import type { ShapeError, FirstError, Prefixed, UnknownShape } from '../../types/errors.ts'
import type { Shape, IsTuple } from '../../types/shape.ts'
import {
  fail, shapeText, axisValue, layoutText, expectsInput, kernelExceedsInput,
  type Spatial, type AxisValue, type ShapeText, type LayoutText,
} from './errors.ts'
import { checkOptions, checkSpelling, type CheckOptions, type CheckSpelling } from './options.ts'

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
/** What the run-time rules, kernels and exporters read from either pooling op's options. */
export interface PoolWindowOptions extends MaxPoolOptions, AvgPoolOptions {}

/**
 * upsample's options: an integer scale factor or a target size (size wins when both are
 * given; with neither, the shape rule says so), the mode, and PyTorch's alignCorners.
 * Both keys are optional in the type, so an editor offers them both.
 */
export interface UpsampleOptions {
  readonly scaleFactor?: Spatial
  readonly size?: Spatial
  readonly mode?: 'nearest' | 'bilinear'
  readonly alignCorners?: boolean
}

/** The keys of the pooling and upsampling options and what each takes, in the order they are checked. */
export const maxPoolSpec = [['kernelSize', 'positive'], ['stride', 'positive'], ['padding', 'nonNegative'], ['dilation', 'positive'], ['ceilMode', 'flag']] as const
export type MaxPoolSpec = typeof maxPoolSpec
export const avgPoolSpec = [
  ['kernelSize', 'positive'], ['stride', 'positive'], ['padding', 'nonNegative'], ['ceilMode', 'flag'], ['countIncludePad', 'flag'],
] as const
export type AvgPoolSpec = typeof avgPoolSpec
export const upsampleSpec = [['scaleFactor', 'positive'], ['size', 'positive'], ['mode', 'mode'], ['alignCorners', 'flag']] as const
export type UpsampleSpec = typeof upsampleSpec
const outputSizeSpec = [['outputSize', 'positive']] as const
export type OutputSizeSpec = typeof outputSizeSpec
/** The spec of a pooling op by name. */
export const poolSpec = (op: string) => (op.startsWith('maxPool') ? maxPoolSpec : avgPoolSpec)

// ------------------------------------------------------------ messages

export const paddingExceedsHalfKernel = <Op extends string, P extends number, K extends number>(op: Op, padding: P, kernel: K) =>
  `${op}: padding ${padding} exceeds half the kernel ${kernel}` as const
/** "maxPool2d: padding 2 exceeds half the kernel 3" */
export type paddingExceedsHalfKernel<Op extends string, P extends number, K extends number> = ReturnType<typeof paddingExceedsHalfKernel<Op, P, K>>

export const needsScaleOrSize = 'upsample: needs scaleFactor or size'
export type needsScaleOrSize = typeof needsScaleOrSize

export const batchNormChannels = <C extends number, PC extends number>(channels: C, parameters: PC) =>
  `batchNorm2d: input has ${channels} channels but parameters have ${parameters}` as const
/** "batchNorm2d: input has 6 channels but parameters have 16" */
export type batchNormChannels<C extends number, PC extends number> = ReturnType<typeof batchNormChannels<C, PC>>

export const batchNormParameters = <Got extends string>(got: Got) => `batchNorm2d: parameters must be [C], got ${got}` as const
/** "batchNorm2d: parameters must be [C], got [1, 6]" */
export type batchNormParameters<Got extends string> = ReturnType<typeof batchNormParameters<Got>>

/** The layout of every image op here. */
const image = layoutText(2)

// ------------------------------------------------------------ pooling

/** One spatial axis of a pooling window. */
export type PoolAxis<Op extends string, In extends number, K extends number, S extends number, P extends number, D extends number, Ceil> =
  Lt<Div<K, 2>, P> extends true
    ? ShapeError<paddingExceedsHalfKernel<Op, P, K>>
    : Add<In, Mul<2, P>> extends infer Padded extends number
      ? Add<Mul<D, Sub<K, 1>>, 1> extends infer E extends number
        ? Ceil extends true
          // Ceil mode keeps a first window that overshoots the padded input by less than a stride.
          ? Sub<Sub<Add<Padded, S>, 1>, E> extends infer Span extends number
            ? `${Span}` extends `-${string}`
              ? ShapeError<kernelExceedsInput<Op, E, Padded>>
              : Add<Div<Span, S>, 1> extends infer Out extends number
                // PyTorch: the last window must start inside the input or the left padding.
                ? Gte<Mul<Sub<Out, 1>, S>, Add<In, P>> extends true ? Sub<Out, 1> : Out
                : never
            : never
          : Lt<Padded, E> extends true
            ? ShapeError<kernelExceedsInput<Op, E, Padded>>
            : Add<Div<Sub<Padded, E>, S>, 1>
        : never
      : never

/** Output size of one pooling axis, with PyTorch's ceilMode rule. */
export const poolAxis = (
  op: string, input: number, kernel: number, stride: number, padding: number, dilation: number, ceilMode: boolean,
): number => {
  if (padding > Math.floor(kernel / 2)) fail(paddingExceedsHalfKernel(op, padding, kernel))
  const padded = input + 2 * padding
  const effective = dilation * (kernel - 1) + 1
  // Ceil mode keeps a first window that overshoots the padded input by less than a stride.
  const span = ceilMode ? padded + stride - 1 - effective : padded - effective
  if (span < 0) fail(kernelExceedsInput(op, effective, padded))
  if (!ceilMode) return Math.floor(span / stride) + 1
  const out = Math.floor(span / stride) + 1
  // The last window must start inside the input or the left padding.
  return (out - 1) * stride >= input + padding ? out - 1 : out
}

/** maxPool1d/2d/3d and avgPool1d/2d/3d over input [N, C, …spatial]. */
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
        : ShapeError<expectsInput<Op, LayoutText<Rank>, ShapeText<X>>>
      : ShapeError<expectsInput<Op, LayoutText<Rank>, ShapeText<X>>>

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

/** Per-axis parameters of a pooling window, defaults applied (stride = kernel). */
export const poolParams = (options: PoolWindowOptions, axis: number) => {
  const kernel = axisValue(options.kernelSize, axis, 1)
  return {
    kernel,
    stride: axisValue(options.stride, axis, kernel),
    padding: axisValue(options.padding, axis, 0),
    dilation: axisValue(options.dilation, axis, 1),
  }
}

export const poolShape = (op: string, rank: number, x: readonly number[], options: PoolWindowOptions): number[] => {
  checkSpelling(op, options, poolSpec(op), rank)
  checkOptions(op, options, ['kernelSize', 'stride', 'dilation'], ['padding'])
  if (x.length !== rank + 2) fail(expectsInput(op, layoutText(rank), shapeText(x)))
  const spatial = x.slice(2).map((input, i) => {
    const p = poolParams(options, i)
    return poolAxis(op, input, p.kernel, p.stride, p.padding, p.dilation, options.ceilMode === true)
  })
  return [x[0], x[1], ...spatial]
}

const expectImage = (op: string, x: readonly number[]) => {
  if (x.length !== 4) fail(expectsInput(op, image, shapeText(x)))
}

// ------------------------------------------------------------ adaptive and global pooling

/** adaptiveAvgPool2d/3d(outputSize): [N, C, …spatial] → [N, C, …outputSize]. */
export type AdaptivePoolShape<Op extends string, Rank extends number, X extends Shape, Size extends Spatial> =
  CheckSpelling<Op, { outputSize: Size }, OutputSizeSpec, Rank> extends infer E extends ShapeError<string>
  ? E
  : IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [infer N extends number, infer C extends number, ...infer Sp extends Shape]
    ? [Sp['length']] extends [Rank]
      ? CheckOptions<Op, { outputSize: Size }, ['outputSize'], []> extends infer E extends ShapeError<string>
        ? E
        : [N, C, ...AdaptiveSizes<Size, Sp>]
      : ShapeError<expectsInput<Op, LayoutText<Rank>, ShapeText<X>>>
    : ShapeError<expectsInput<Op, LayoutText<Rank>, ShapeText<X>>>
/** The output size on each axis of Sp. */
type AdaptiveSizes<Size, Sp extends Shape, Acc extends number[] = []> = Sp extends readonly [unknown, ...infer Rest extends Shape]
  ? AdaptiveSizes<Size, Rest, [...Acc, AxisValue<Size, Acc['length'], 1>]>
  : Acc

export const adaptivePoolShape = (op: string, rank: number, x: readonly number[], outputSize: Spatial): number[] => {
  checkSpelling(op, { outputSize }, outputSizeSpec, rank)
  if (x.length !== rank + 2) fail(expectsInput(op, layoutText(rank), shapeText(x)))
  checkOptions(op, { outputSize }, ['outputSize'], [])
  return [x[0], x[1], ...x.slice(2).map((_, i) => axisValue(outputSize, i, 1))]
}

/** global average/max pool: [N, C, H, W] → [N, C]. */
export type GlobalPoolShape<Op extends string, X extends Shape> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [infer N extends number, infer C extends number, unknown, unknown]
    ? [N, C]
    : ShapeError<expectsInput<Op, LayoutText<2>, ShapeText<X>>>

export const globalPoolShape = (op: string, x: readonly number[]): number[] => {
  expectImage(op, x)
  // The mean of an empty window is NaN (as PyTorch); its maximum has no value. Sizes are not
  // known to the type-level rule, so this message is the run-time rule's alone.
  if (op === 'globalMaxPool2d' && x[2] * x[3] === 0) fail(`${op}: cannot take the maximum of an empty ${x[2]}×${x[3]} window`)
  return [x[0], x[1]]
}

// ------------------------------------------------------------ upsampling

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
        : ShapeError<needsScaleOrSize>
    : ShapeError<expectsInput<'upsample', LayoutText<2>, ShapeText<X>>>

export const upsampleShape = (x: readonly number[], options: UpsampleOptions): number[] => {
  checkSpelling('upsample', options, upsampleSpec, 2)
  expectImage('upsample', x)
  const [n, c, h, w] = x
  if (options.size !== undefined) {
    checkOptions('upsample', options, ['size'], [])
    return [n, c, axisValue(options.size, 0, h), axisValue(options.size, 1, w)]
  }
  if (options.scaleFactor !== undefined) {
    checkOptions('upsample', options, ['scaleFactor'], [])
    return [n, c, h * axisValue(options.scaleFactor, 0, 1), w * axisValue(options.scaleFactor, 1, 1)]
  }
  return fail(needsScaleOrSize)
}

// ------------------------------------------------------------ batch norm

/** batchNorm2d: [N, C, H, W] with per-channel parameters [C]. */
export type BatchNormShape<X extends Shape, P extends Shape> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [unknown, infer C extends number, unknown, unknown]
    ? P extends readonly [infer PC extends number]
      ? Differ<C, PC> extends true ? ShapeError<batchNormChannels<C, PC>> : X
      : ShapeError<batchNormParameters<ShapeText<P>>>
    : ShapeError<expectsInput<'batchNorm2d', LayoutText<2>, ShapeText<X>>>

export const batchNormShape = (x: readonly number[], param: readonly number[]): number[] => {
  expectImage('batchNorm2d', x)
  if (param.length !== 1) fail(batchNormParameters(shapeText(param)))
  if (param[0] !== x[1]) fail(batchNormChannels(x[1], param[0]))
  return [...x]
}
