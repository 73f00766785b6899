/**
 * What every shape rule shares, each type beside its run-time twin: the error a
 * rule throws, how shapes and layouts read in messages, per-axis option values,
 * and the messages several op families use.
 *
 * A message is written once, as a function that builds its text with `as const`;
 * the type of the same name is that function's return type, so the type-level
 * rule (`ShapeError<expectsInput<Op, …>>`) and the run-time twin
 * (`fail(expectsInput(op, …))`) cannot say different things.
 */

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

/** "[4, -1]": a shape as it appears in messages. */
export type ShapeText<S extends readonly number[]> = `[${JoinDims<S>}]`
type JoinDims<S extends readonly number[]> = S extends readonly [infer H extends number]
  ? `${H}`
  : S extends readonly [infer H extends number, ...infer R extends readonly number[]]
    ? `${H}, ${JoinDims<R>}`
    : S extends readonly []
      ? ''
      : '...'
export const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`

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
export const axisValue = (value: Spatial | undefined, axis: number, fallback: number): number =>
  value === undefined ? fallback : typeof value === 'number' ? value : value.length === 1 ? value[0] : value[axis] ?? fallback

/** Names of the dims of a [N, C, …spatial] input, for messages: [N, C, L], [N, C, H, W] or [N, C, D, H, W]. */
const namedLayouts = { 1: '[N, C, L]', 2: '[N, C, H, W]', 3: '[N, C, D, H, W]' } as const
const spatialDims = <Rank extends number>(rank: Rank) => `[N, C, …${rank} spatial dims]` as const
export type LayoutText<Rank extends number> = Rank extends keyof typeof namedLayouts
  ? (typeof namedLayouts)[Rank]
  : ReturnType<typeof spatialDims<Rank>>
export const layoutText = (rank: number): string => (rank === 1 || rank === 2 || rank === 3 ? namedLayouts[rank] : spatialDims(rank))

// ------------------------------------------------------------ messages shared by several families

export const expectsInput = <Op extends string, Layout extends string, Got extends string>(op: Op, layout: Layout, got: Got) =>
  `${op}: expects input ${layout}, got ${got}` as const
/** "conv2d: expects input [N, C, H, W], got [1, 28, 28]" */
export type expectsInput<Op extends string, Layout extends string, Got extends string> = ReturnType<typeof expectsInput<Op, Layout, Got>>

export const kernelExceedsInput = <Op extends string, Kernel extends number, Padded extends number>(op: Op, kernel: Kernel, padded: Padded) =>
  `${op}: kernel ${kernel} exceeds padded input ${padded}` as const
/** "conv2d: kernel 5 exceeds padded input 4" (the kernel's extent with its dilation). */
export type kernelExceedsInput<Op extends string, Kernel extends number, Padded extends number> =
  ReturnType<typeof kernelExceedsInput<Op, Kernel, Padded>>

export const biasShape = <Op extends string, Out extends number, Got extends string>(op: Op, out: Out, got: Got) =>
  `${op}: bias must be [${out}], got ${got}` as const
/** "linear: bias must be [10], got [10, 1]" */
export type biasShape<Op extends string, Out extends number, Got extends string> = ReturnType<typeof biasShape<Op, Out, Got>>
