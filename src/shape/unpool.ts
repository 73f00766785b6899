/**
 * Shape rules of maxUnpool1d/2d/3d (PyTorch's F.max_unpool), the type-level rule beside its run-time
 * twin, and the checks of the indices it scatters by:
 *
 *   out = (in − 1)·stride + kernel − 2·pad      (PyTorch's default, stride defaulting to the kernel)
 *   outputSize, when given, must lie strictly between out − stride and out + stride
 *   indices: int32, the shape of the input (what maxPool's `returnIndices` gives)
 *
 * Every message is written once (see errors.ts).
 */
import type { Add, Sub, Mul, Lt, Differ } from '../../types/nat.ts'
import type { ShapeError, FirstError, Prefixed, UnknownShape } from '../../types/errors.ts'
import type { Shape, IsTuple } from '../../types/shape.ts'
import type { DType } from './dtype.ts'
import { outputNotPositive } from './conv.ts'
import { fail, shapeText, axisValue, layoutText, expectsInput, type Spatial, type AxisValue, type ShapeText, type LayoutText } from './errors.ts'
import { checkOptions, checkSpelling, type CheckOptions, type CheckSpelling } from './options.ts'
import type { Prop } from './pool.ts'

export interface MaxUnpoolOptions {
  readonly kernelSize: Spatial
  /** Default: the kernel size. */
  readonly stride?: Spatial
  readonly padding?: Spatial
  /**
   * The output's spatial sizes, or its whole shape as PyTorch also takes it (the pooled input's
   * `shape`: N and C are not read); default from the pool arithmetic.
   */
  readonly outputSize?: Spatial
}

/** The keys of maxUnpool's options and what each takes, in the order they are checked. */
export const maxUnpoolSpec = [['kernelSize', 'positive'], ['stride', 'positive'], ['padding', 'nonNegative'], ['outputSize', 'positive']] as const
export type MaxUnpoolSpec = typeof maxUnpoolSpec

// ------------------------------------------------------------ messages

export const indicesShape = <Op extends string, Got extends string, Input extends string>(op: Op, got: Got, input: Input) =>
  `${op}: indices are ${got} but the input is ${input}; pass the indices maxPool returned with these values` as const
/** "maxUnpool2d: indices are [1, 1, 2, 2] but the input is [1, 1, 3, 3]; pass the indices maxPool returned with these values" */
export type indicesShape<Op extends string, Got extends string, Input extends string> = ReturnType<typeof indicesShape<Op, Got, Input>>

export const indicesDType = <Op extends string, D extends DType>(op: Op, dtype: D) =>
  `${op}: indices must be int32 (as maxPool's returnIndices gives them), got ${dtype}` as const
/** "maxUnpool2d: indices must be int32 (as maxPool's returnIndices gives them), got float32" */
export type indicesDType<Op extends string, D extends DType> = ReturnType<typeof indicesDType<Op, D>>

export const outputSizeOutOfRange = <Op extends string, Size extends number, Axis extends number, Low extends number, High extends number>(
  op: Op, size: Size, axis: Axis, low: Low, high: High,
) => `${op}: outputSize ${size} on spatial axis ${axis} must be greater than ${low} and less than ${high}` as const
/** "maxUnpool2d: outputSize 9 on spatial axis 0 must be greater than 2 and less than 6" */
export type outputSizeOutOfRange<Op extends string, Size extends number, Axis extends number, Low extends number, High extends number> =
  ReturnType<typeof outputSizeOutOfRange<Op, Size, Axis, Low, High>>

// ------------------------------------------------------------ indices

/** The indices' dtype: int32, or a dtype known only at run time; else the message. */
export type IndicesDType<Op extends string, D extends DType> = [D] extends ['int32'] ? true : DType extends D ? true : ShapeError<indicesDType<Op, D>>

/** Run-time twin of IndicesDType (a DTypeError, as every dtype refusal). */
export const checkIndicesDType = (op: string, dtype: DType, error: (message: string) => Error): void => {
  if (dtype !== 'int32') throw error(indicesDType(op, dtype))
}

/** Whether two shapes may be equal: same rank, no dim known to differ (a `number` dim may be anything). */
type MayEqual<A extends Shape, B extends Shape> = A extends readonly [infer a extends number, ...infer RA extends Shape]
  ? B extends readonly [infer b extends number, ...infer RB extends Shape]
    ? Differ<a, b> extends true ? false : MayEqual<RA, RB>
    : false
  : B extends readonly [] ? true : false

// ------------------------------------------------------------ output size

/** One spatial axis: PyTorch's default size, or the outputSize given for it, checked against that default. */
export type UnpoolAxis<Op extends string, In extends number, K extends number, S extends number, P extends number, Size, Axis extends number> =
  Sub<Add<Mul<Sub<In, 1>, S>, K>, Mul<2, P>> extends infer Default extends number
    ? number extends Default
      ? [Size] extends [number] ? Size : number
      : `${Default}` extends `-${string}` | '0'
        ? ShapeError<outputNotPositive<Op, Default>>
        : [Size] extends [number]
          // out − stride < size < out + stride, written without negative numbers; an unknown
          // operand makes a comparison `boolean`, which passes (the run-time twin checks it).
          ? [Lt<Default, Add<Size, S>>] extends [false]
            ? ShapeError<outputSizeOutOfRange<Op, Size, Axis, Sub<Default, S>, Add<Default, S>>>
            : [Lt<Size, Add<Default, S>>] extends [false] ? ShapeError<outputSizeOutOfRange<Op, Size, Axis, Sub<Default, S>, Add<Default, S>>> : Size
          : Default
    : never

/** The default size of one axis, or the checked outputSize (run-time twin of UnpoolAxis). */
export const unpoolAxis = (op: string, input: number, kernel: number, stride: number, padding: number, size: number | undefined, axis: number): number => {
  const fallback = (input - 1) * stride + kernel - 2 * padding
  if (fallback <= 0) fail(outputNotPositive(op, fallback))
  if (size === undefined) return fallback
  if (!(fallback - stride < size && size < fallback + stride)) fail(outputSizeOutOfRange(op, size, axis, fallback - stride, fallback + stride))
  return size
}

/** maxUnpool1d/2d/3d of values X with indices of shape I: [N, C, …spatial] → [N, C, …output sizes]. */
export type MaxUnpoolShape<Op extends string, Rank extends number, X extends Shape, I extends Shape, O> = UnpoolShapeOf<Op, Rank, X, I, SpatialOutputSize<O, Rank>>
type UnpoolShapeOf<Op extends string, Rank extends number, X extends Shape, I extends Shape, O> =
  CheckSpelling<Op, O, MaxUnpoolSpec, Rank> extends infer E extends ShapeError<string>
  ? E
  : IsTuple<X> extends false
  ? UnknownShape
  : CheckOptions<Op, O, ['kernelSize', 'stride', 'outputSize'], ['padding']> extends infer E extends ShapeError<string>
    ? E
    : X extends readonly [infer N extends number, infer C extends number, ...infer Sp extends Shape]
      ? [Sp['length']] extends [Rank]
        ? IsTuple<I> extends true
          ? MayEqual<I, X> extends true
            ? Prefixed<[N, C], FirstError<UnpoolAxes<Op, Sp, O>>>
            : ShapeError<indicesShape<Op, ShapeText<I>, ShapeText<X>>>
          : Prefixed<[N, C], FirstError<UnpoolAxes<Op, Sp, O>>>
        : ShapeError<expectsInput<Op, LayoutText<Rank>, ShapeText<X>>>
      : ShapeError<expectsInput<Op, LayoutText<Rank>, ShapeText<X>>>

type UnpoolAxes<Op extends string, Sp extends Shape, O, Acc extends unknown[] = []> = Sp extends readonly [
  infer In extends number,
  ...infer Rest extends Shape,
]
  ? UnpoolAxes<Op, Rest, O, [
      ...Acc,
      UnpoolAxis<
        Op, In,
        AxisValue<Prop<O, 'kernelSize'>, Acc['length'], 1>,
        AxisValue<Prop<O, 'stride'>, Acc['length'], AxisValue<Prop<O, 'kernelSize'>, Acc['length'], 1>>,
        AxisValue<Prop<O, 'padding'>, Acc['length'], 0>,
        O extends { readonly outputSize: infer V } ? AxisValue<V, Acc['length'], number> : undefined,
        Acc['length']
      >,
    ]>
  : Acc

/** The options with a whole-shape outputSize ([N, C, …spatial], as PyTorch takes it too) cut to its spatial sizes. */
export type SpatialOutputSize<O, Rank extends number> = O extends { readonly outputSize: readonly [number, number, ...infer Sp extends readonly number[]] }
  ? [Sp['length']] extends [Rank] ? Omit<O, 'outputSize'> & { readonly outputSize: Sp } : O
  : O
/** Run-time twin of SpatialOutputSize. */
export const spatialOutputSize = <O extends MaxUnpoolOptions>(options: O, rank: number): O => {
  const size = options.outputSize
  return Array.isArray(size) && size.length === rank + 2 ? { ...options, outputSize: size.slice(2) } : options
}

/** Run-time twin of MaxUnpoolShape: the output shape of unpooling values x by indices of shape `indices`. */
export const maxUnpoolShape = (op: string, rank: number, x: readonly number[], indices: readonly number[], given: MaxUnpoolOptions): number[] => {
  const options = spatialOutputSize(given, rank)
  checkSpelling(op, options, maxUnpoolSpec, rank)
  checkOptions(op, options, ['kernelSize', 'stride', 'outputSize'], ['padding'])
  if (x.length !== rank + 2) fail(expectsInput(op, layoutText(rank), shapeText(x)))
  if (indices.length !== x.length || indices.some((d, i) => d !== x[i])) fail(indicesShape(op, shapeText(indices), shapeText(x)))
  const spatial = x.slice(2).map((input, axis) => {
    const kernel = axisValue(options.kernelSize, axis, 1)
    const size = options.outputSize === undefined ? undefined : axisValue(options.outputSize, axis, 1)
    return unpoolAxis(op, input, kernel, axisValue(options.stride, axis, kernel), axisValue(options.padding, axis, 0), size, axis)
  })
  return [x[0], x[1], ...spatial]
}
