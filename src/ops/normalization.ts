/**
 * layerNorm, groupNorm and instanceNorm2d (PyTorch's F.layer_norm, F.group_norm, F.instance_norm
 * without running statistics): each subtracts the mean and divides by √(variance + eps) over some
 * axes of one example — the biased variance, as PyTorch — then scales and shifts by the optional
 * affine `weight` and `bias`. Composed from public ops (mean, sub, mul, add, sqrt, div, reshape),
 * so their gradients come from those ops' rules. Each message is written once, as a template type
 * and its run-time twin.
 */
import type { Shape, Input, ShapeFn, ShapeError, ShapeText, IsTuple, UnknownShape, Differ, MayDivide } from '../../types/index.ts'
import { layer, type Layer } from '../layer.ts'
import { acceptDType } from '../shape/dtype.ts'
import { fail, shapeText } from '../shape/errors.ts'
import type { Tensor } from '../tensor.ts'
import type { AnyTensor } from '../tree.ts'
import { add, div, mul, sqrt, sub } from './elementwise.ts'
import { reshape } from './layout.ts'
import { mean } from './reduce.ts'

/** The affine parameters, both optional (PyTorch's `elementwise_affine` / `affine`). */
export interface NormParams<P extends Shape = Shape> {
  readonly weight?: Tensor<P>
  readonly bias?: Tensor<P>
}
export interface NormOptions {
  /** Added to the variance before the square root (1e-5, as PyTorch). */
  readonly eps?: number
}

// ---------------------------------------------------------------- messages

export type EndsWith<X extends Shape, P extends Shape> = `layerNorm: input ${ShapeText<X>} does not end with normalizedShape ${ShapeText<P>}`
const endsWith = (x: Shape, p: Shape) => `layerNorm: input ${shapeText(x)} does not end with normalizedShape ${shapeText(p)}`

export type ExpectsChannels<Op extends string, X extends Shape, Layout extends string> = `${Op}: expects input ${Layout}, got ${ShapeText<X>}`
const expectsChannels = (op: string, x: Shape, layout: string) => `${op}: expects input ${layout}, got ${shapeText(x)}`

export type GroupsNotDividing<X extends Shape, C extends number, G extends number> = `groupNorm: input ${ShapeText<X>} has ${C} channels, not divisible by numGroups = ${G}`
const groupsNotDividing = (x: Shape, g: number) => `groupNorm: input ${shapeText(x)} has ${x[1]} channels, not divisible by numGroups = ${g}`

export type ParamMismatch<Op extends string, X extends Shape, P extends Shape, Want extends Shape> = `${Op}: input ${ShapeText<X>} needs weight and bias ${ShapeText<Want>}, got ${ShapeText<P>}`
const paramMismatch = (op: string, x: Shape, p: Shape, want: Shape) => `${op}: input ${shapeText(x)} needs weight and bias ${shapeText(want)}, got ${shapeText(p)}`

// ---------------------------------------------------------------- shape rules

/** Equal ranks and no pair of known dims that differ. */
type SameDims<A extends Shape, B extends Shape> = A extends readonly [infer a extends number, ...infer ar extends Shape]
  ? B extends readonly [infer b extends number, ...infer br extends Shape]
    ? Differ<a, b> extends true ? false : SameDims<ar, br>
    : false
  : B extends readonly [] ? true : false

/** The parameters' shape P against the one the input needs (any P when no parameters were given). */
type ParamRule<Op extends string, X extends Shape, P extends Shape, Want extends Shape> = IsTuple<P> extends false
  ? X
  : SameDims<P, Want> extends true ? X : ShapeError<ParamMismatch<Op, X, P, Want>>

/** The last N['length'] dims of X (never when X has fewer). */
type Suffix<X extends Shape, N extends Shape> = X['length'] extends N['length'] ? X : X extends readonly [unknown, ...infer R extends Shape] ? Suffix<R, N> : never

/** Same shape, for an input whose last dims are the normalized shape N; weight and bias N. */
export type LayerNormShape<X extends Shape, N extends Shape, P extends Shape> = IsTuple<X> extends false
  ? UnknownShape
  : [Suffix<X, N>] extends [never]
    ? ShapeError<EndsWith<X, N>>
    : SameDims<Suffix<X, N>, N> extends true ? ParamRule<'layerNorm', X, P, N> : ShapeError<EndsWith<X, N>>

/** Same shape, for [N, C, d1, …] with C divisible by G; weight and bias [C]. */
export type GroupNormShape<X extends Shape, G extends number, P extends Shape> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [unknown, infer C extends number, ...unknown[]]
    ? MayDivide<C, G> extends true ? ParamRule<'groupNorm', X, P, [C]> : ShapeError<GroupsNotDividing<X, C, G>>
    : ShapeError<ExpectsChannels<'groupNorm', X, '[N, C, d1, …]'>>

/** Same shape, for [N, C, H, W]; weight and bias [C]. */
export type InstanceNorm2dShape<X extends Shape, P extends Shape> = IsTuple<X> extends false
  ? UnknownShape
  : X extends readonly [unknown, infer C extends number, unknown, unknown]
    ? ParamRule<'instanceNorm2d', X, P, [C]>
    : ShapeError<ExpectsChannels<'instanceNorm2d', X, '[N, C, H, W]'>>

export interface LayerNormFn<N extends Shape, P extends Shape> extends ShapeFn {
  readonly op: 'layerNorm'
  readonly accepts: 'float'
  readonly output: LayerNormShape<Input<this>, N, P>
}
export interface GroupNormFn<G extends number, P extends Shape> extends ShapeFn {
  readonly op: 'groupNorm'
  readonly accepts: 'float'
  readonly output: GroupNormShape<Input<this>, G, P>
}
export interface InstanceNorm2dFn<P extends Shape> extends ShapeFn {
  readonly op: 'instanceNorm2d'
  readonly accepts: 'float'
  readonly output: InstanceNorm2dShape<Input<this>, P>
}

// ---------------------------------------------------------------- layers

type T = AnyTensor
type Binary = (a: T, b: T | number) => T
const [addAny, subAny, mulAny, divAny] = [add, sub, mul, div] as unknown as Binary[]
const apply = <F>(f: F, x: T) => (f as unknown as (t: T) => T)(x)

/** (x − mean) / √(var + eps) over `axes`, with the biased variance. */
const standardize = (x: T, axes: number[], eps: number): T => {
  const centered = subAny(x, apply(mean({ axis: axes, keepDims: true }), x))
  const variance = apply(mean({ axis: axes, keepDims: true }), mulAny(centered, centered))
  return divAny(centered, apply(sqrt, addAny(variance, eps)))
}

/** x · weight + bias, the parameters reshaped by `along` to broadcast against x. */
const affine = (x: T, params: NormParams, along: (p: T) => T): T => {
  const scaled = params.weight ? mulAny(x, along(params.weight as T)) : x
  return params.bias ? addAny(scaled, along(params.bias as T)) : scaled
}

/** The checks every norm makes before building anything: dtypes, eps, and the parameters' shape. */
const checkNorm = (op: string, x: T, params: NormParams, want: Shape, eps: number) => {
  acceptDType(op, 'input', x.dtype, 'float')
  if (!(eps >= 0)) fail(`${op}: eps must be a non-negative number, got ${eps}`)
  for (const p of [params.weight, params.bias]) {
    if (!p) continue
    acceptDType(op, 'parameter', p.dtype, 'float')
    if (shapeText(p.shape) !== shapeText(want)) fail(paramMismatch(op, x.shape, p.shape, want))
  }
}

/** Per channel [C] as [C, 1, …, 1] for an input [N, C, d1, …]. */
const perChannel = (rank: number) => (p: T) => apply(reshape([p.shape[0], ...Array<number>(rank - 2).fill(1)]), p)

/**
 * Layer normalisation (Transformers, ConvNeXt): over the last dims, which must equal
 * `normalizedShape`; weight and bias have that shape (see `layerNormParams` in shapewise/nn).
 *
 * @example
 * import { randn, layerNorm } from 'shapewise'
 * import { layerNormParams } from 'shapewise/nn'
 * const y = layerNorm([16, 16], layerNormParams({ normalizedShape: [16, 16] }))(randn([4, 8, 16, 16])) // Tensor<[4, 8, 16, 16]>
 */
export const layerNorm = <const N extends Shape, P extends Shape = N>(
  normalizedShape: N, params: NormParams<P> = {}, options: NormOptions = {},
): Layer<LayerNormFn<N, P>> => {
  if (!normalizedShape.every((d) => Number.isInteger(d) && d >= 1)) fail(`layerNorm: normalizedShape must be positive integers, got ${shapeText(normalizedShape)}`)
  const eps = options.eps ?? 1e-5
  return layer<LayerNormFn<N, P>>('layerNorm', (input) => {
    const x = input as T
    const k = normalizedShape.length
    if (x.rank < k || shapeText(x.shape.slice(x.rank - k)) !== shapeText(normalizedShape)) fail(endsWith(x.shape, normalizedShape))
    checkNorm('layerNorm', x, params, normalizedShape, eps)
    const axes = normalizedShape.map((_, i) => x.rank - k + i)
    return affine(standardize(x, axes, eps), params, (p) => p) as never
  })
}

/**
 * Group normalisation (Wu & He): the channels of [N, C, d1, …] in `numGroups` groups, each group
 * of each example normalised over its channels and positions; weight and bias [C] (see
 * `groupNormParams` in shapewise/nn). One group is layer norm over [C, d1, …]; C groups is
 * instance norm.
 *
 * @example
 * import { randn, groupNorm } from 'shapewise'
 * import { groupNormParams } from 'shapewise/nn'
 * const y = groupNorm(8, groupNormParams({ numChannels: 32 }))(randn([2, 32, 7, 7])) // Tensor<[2, 32, 7, 7]>
 */
export const groupNorm = <const G extends number, P extends Shape = [number]>(
  numGroups: G, params: NormParams<P> = {}, options: NormOptions = {},
): Layer<GroupNormFn<G, P>> => {
  const g = numGroups as number
  if (!(Number.isInteger(g) && g >= 1)) fail(`groupNorm: numGroups must be a positive integer, got ${g}`)
  const eps = options.eps ?? 1e-5
  return layer<GroupNormFn<G, P>>('groupNorm', (input) => {
    const x = input as T
    if (x.rank < 2) fail(expectsChannels('groupNorm', x.shape, '[N, C, d1, …]'))
    if (x.shape[1] % g !== 0) fail(groupsNotDividing(x.shape, g))
    checkNorm('groupNorm', x, params, [x.shape[1]], eps)
    // [N, G, C/G · d1 · …]: each group of each example is one row.
    const rows = apply(reshape([x.shape[0], g, -1]), x)
    return affine(apply(reshape(x.shape), standardize(rows, [2], eps)), params, perChannel(x.rank)) as never
  })
}

/**
 * Instance normalisation (style transfer): each channel of each image normalised over its
 * H×W positions, with the image's own statistics in training and evaluation alike (PyTorch's
 * default, `track_running_stats=False`); weight and bias [C] (see `instanceNorm2dParams`).
 *
 * @example
 * import { randn, instanceNorm2d } from 'shapewise'
 * const y = instanceNorm2d()(randn([1, 3, 64, 64])) // Tensor<[1, 3, 64, 64]>
 */
export const instanceNorm2d = <P extends Shape = [number]>(params: NormParams<P> = {}, options: NormOptions = {}): Layer<InstanceNorm2dFn<P>> => {
  const eps = options.eps ?? 1e-5
  return layer<InstanceNorm2dFn<P>>('instanceNorm2d', (input) => {
    const x = input as T
    if (x.rank !== 4) fail(expectsChannels('instanceNorm2d', x.shape, '[N, C, H, W]'))
    checkNorm('instanceNorm2d', x, params, [x.shape[1]], eps)
    return affine(standardize(x, [2, 3], eps), params, perChannel(4)) as never
  })
}
