/** conv1d/conv2d/conv3d and their transposes: typed, data-last layers over lazy nodes. */
import type {
  Shape, Input, ShapeFn, ConvShape, ConvTransposeShape, ConvOptions, ConvTransposeOptions, ConvSpec, ConvTransposeSpec,
  CheckKeys, SpelledOptions, IfSpelled, OptionsLike,
} from '../../types/index.ts'
import type { Node } from '../graph.ts'
import { layer, type Layer } from '../layer.ts'
import { bind } from '../core/bind.ts'
import { pad, slice, sum } from '../core/ops.ts'
import type { ConvAxisParams, ConvParams, ConvTransposeParams, SpatialRank } from '../core/params.ts'
import { definePrimitive, noSecondDerivative, type Cotangents, type VjpContext } from '../core/primitive.ts'
import { axisValue } from '../shape/errors.ts'
import { convShape, convTransposeShape, convSpec, convTransposeSpec, convPadding, paddingOnAxis } from '../shape/conv.ts'
import { checkOptionsSpelling } from '../shape/options.ts'
import { wrap } from '../tensor.ts'
import type { AnyTensor } from '../tree.ts'
import { lowerConv } from './conv.wgsl.ts'
import { convWeightGradLowering } from './conv-grad.wgsl.ts'
import { splitWeights, acceptWeighted, type Weights, type WeightShape, type BiasShape } from './weights.ts'

export interface ConvFn<Op extends string, Rank extends number, W extends Shape, B, O> extends ShapeFn {
  readonly op: Op
  readonly accepts: 'float'
  readonly output: ConvShape<Op, Rank, Input<this>, W, B, O>
}
export interface ConvTransposeFn<Op extends string, Rank extends number, W extends Shape, B, O> extends ShapeFn {
  readonly op: Op
  readonly accepts: 'float'
  readonly output: ConvTransposeShape<Op, Rank, Input<this>, W, B, O>
}

/**
 * The weight gradient: out[a, b, k…] = Σ outside[n, a, o…] · inside[n, g·B + b, o·stride − padLeft + k·dilation].
 * For a conv, inside = x and outside = dy; for a transposed conv the roles swap.
 */
export const convWeightGradPrimitive = definePrimitive('convWeightGrad', {
  shape: (_, { weightShape }) => ({ shape: weightShape, dtype: 'float32' }),
  vjp: noSecondDerivative('a convolution (its weight gradient)'),
  lower: convWeightGradLowering,
})
const convWeightGrad = (inside: AnyTensor, outside: AnyTensor, weightShape: readonly number[], axes: readonly ConvAxisParams[], groups: number) =>
  wrap(bind(convWeightGradPrimitive, [inside.node, outside.node], { axes, groups, weightShape }))

/** Cropping (or zero-extending) the spatial dims of t to [padLeft, padLeft + size). */
const crop = (t: AnyTensor, padLeft: readonly number[], sizes: readonly number[]) => {
  const rank = sizes.length
  const available = t.shape.slice(2)
  const start = [0, 0, ...padLeft]
  const end = [t.shape[0], t.shape[1], ...padLeft.map((p, i) => Math.min(p + sizes[i], available[i]))]
  const cut = slice(t, start, end)
  const missing = sizes.map((s, i) => s - (end[2 + i] - padLeft[i]))
  const pads: [number, number][] = [[0, 0], [0, 0], ...missing.map((m): [number, number] => [0, Math.max(0, m)])]
  return missing.some((m) => m > 0) ? pad(cut, pads.slice(0, rank + 2)) : cut
}

const biasGrad = (dy: AnyTensor) => sum(dy, dy.shape.map((_, i) => i).filter((i) => i !== 1))

// The input gradient of a conv is a transposed conv of the cotangent (and vice versa); the weight
// gradient is its own kernel, convWeightGrad.
type ConvOp = 'conv1d' | 'conv2d' | 'conv3d'
type ConvTransposeOp = 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'

const convVjp = ({ params, inputs: [x, w, bias], dy }: VjpContext<ConvOp>): Cotangents => {
  const groups = params.groups ?? 1
  const axes = x.shape.slice(2).map((input, i) => {
    const stride = axisValue(params.stride, i, 1)
    const dilation = axisValue(params.dilation, i, 1)
    const [padLeft] = convPadding(input, w.shape[2 + i], stride, paddingOnAxis(params.padding, i), dilation)
    return { stride, padLeft, dilation }
  })
  // The transposed conv of dy covers input positions from −padLeft on. Its own padding and
  // outputPadding cut that to the input where they can (padLeft off both ends, then up to
  // stride − 1 positions back on the right): no positions computed only to be cropped (a 3×3
  // conv's gradient at 4² would compute 6²) and no crop copy. Else (a 'same' padding wider on the
  // right) the full result is cropped.
  const stride = axes.map((a) => a.stride)
  const dilation = axes.map((a) => a.dilation)
  const outputPadding = axes.map((a, i) => x.shape[2 + i] - ((dy.shape[2 + i] - 1) * a.stride - 2 * a.padLeft + a.dilation * (w.shape[2 + i] - 1) + 1))
  const fits = outputPadding.every((op, i) => op >= 0 && op < Math.max(stride[i], dilation[i]))
  const transposed: ConvTransposeParams = fits
    ? { stride, dilation, groups, rank: params.rank, padding: axes.map((a) => a.padLeft), outputPadding }
    : { stride, dilation, groups, rank: params.rank }
  const full = wrap(bind(transposes[params.rank], [dy.node, w.node], transposed))
  const dx = fits ? full : crop(full, axes.map((a) => a.padLeft), x.shape.slice(2))
  return bias ? [dx, convWeightGrad(x, dy, w.shape, axes, groups), biasGrad(dy)] : [dx, convWeightGrad(x, dy, w.shape, axes, groups)]
}

const convTransposeVjp = ({ params, inputs: [x, w, bias], dy }: VjpContext<ConvTransposeOp>): Cotangents => {
  const groups = params.groups ?? 1
  const axes = x.shape.slice(2).map((_, i) => ({
    stride: axisValue(params.stride, i, 1),
    padLeft: axisValue(params.padding, i, 0),
    dilation: axisValue(params.dilation, i, 1),
  }))
  // A conv of dy with the same weight is the adjoint; outputPadding only adds positions no input reads.
  const forward: ConvParams = { stride: axes.map((a) => a.stride), padding: axes.map((a) => a.padLeft), dilation: axes.map((a) => a.dilation), groups, rank: params.rank }
  const conv = wrap(bind(convs[params.rank], [dy.node, w.node], forward))
  const dx = conv.shape.every((d, i) => d === x.shape[i]) ? conv : crop(conv, axes.map(() => 0), x.shape.slice(2))
  return bias ? [dx, convWeightGrad(dy, x, w.shape, axes, groups), biasGrad(dy)] : [dx, convWeightGrad(dy, x, w.shape, axes, groups)]
}

const convRule = (op: ConvOp) => ([x, w, bias]: readonly Node[], params: ConvParams) =>
  ({ shape: convShape(op, params.rank, x.shape, w.shape, bias?.shape, params), dtype: 'float32' as const })
const convTransposeRule = (op: ConvTransposeOp) => ([x, w, bias]: readonly Node[], params: ConvTransposeParams) =>
  ({ shape: convTransposeShape(op, params.rank, x.shape, w.shape, bias?.shape, params), dtype: 'float32' as const })
export const conv1dPrimitive = definePrimitive('conv1d', { shape: convRule('conv1d'), vjp: convVjp, lower: lowerConv })
export const conv2dPrimitive = definePrimitive('conv2d', { shape: convRule('conv2d'), vjp: convVjp, lower: lowerConv })
export const conv3dPrimitive = definePrimitive('conv3d', { shape: convRule('conv3d'), vjp: convVjp, lower: lowerConv })
export const convTranspose1dPrimitive = definePrimitive('convTranspose1d', { shape: convTransposeRule('convTranspose1d'), vjp: convTransposeVjp, lower: lowerConv })
export const convTranspose2dPrimitive = definePrimitive('convTranspose2d', { shape: convTransposeRule('convTranspose2d'), vjp: convTransposeVjp, lower: lowerConv })
export const convTranspose3dPrimitive = definePrimitive('convTranspose3d', { shape: convTransposeRule('convTranspose3d'), vjp: convTransposeVjp, lower: lowerConv })
const primitives = {
  conv1d: conv1dPrimitive, conv2d: conv2dPrimitive, conv3d: conv3dPrimitive,
  convTranspose1d: convTranspose1dPrimitive, convTranspose2d: convTranspose2dPrimitive, convTranspose3d: convTranspose3dPrimitive,
}
/** The conv and transposed conv of each rank: each is the other's input gradient. */
const convs = { 1: conv1dPrimitive, 2: conv2dPrimitive, 3: conv3dPrimitive } as const satisfies Record<SpatialRank, unknown>
const transposes = { 1: convTranspose1dPrimitive, 2: convTranspose2dPrimitive, 3: convTranspose3dPrimitive } as const satisfies Record<SpatialRank, unknown>

const convLayer = (op: ConvOp | ConvTransposeOp, rank: SpatialRank, transposed: boolean) => (weights: Weights, options: object = {}) => {
  checkOptionsSpelling(op, options, transposed ? convTransposeSpec : convSpec, [], rank)
  return layer(op, (x) => {
    const { weight, bias } = splitWeights(weights)
    acceptWeighted(op, x, weight, bias)
    const inputs = bias ? [x.node, weight.node, bias.node] : [x.node, weight.node]
    return wrap(bind(primitives[op], inputs, { ...options, rank }))
  })
}

/**
 * A convolution layer factory: the options' keys are checked where they are
 * written (src/shape/options.ts), their values by the shape rule where the layer is applied.
 */
type ConvOf<Op extends string, Rank extends number> = <const W extends Weights, const O extends OptionsLike<ConvOptions> = {}>(
  weights: W, options?: SpelledOptions<O, CheckKeys<Op, O, ConvSpec, never>>,
) => Layer<IfSpelled<CheckKeys<Op, O, ConvSpec, never>, ConvFn<Op, Rank, WeightShape<W>, BiasShape<W>, O>>>
type ConvTransposeOf<Op extends string, Rank extends number> = <const W extends Weights, const O extends OptionsLike<ConvTransposeOptions> = {}>(
  weights: W, options?: SpelledOptions<O, CheckKeys<Op, O, ConvTransposeSpec, never>>,
) => Layer<IfSpelled<CheckKeys<Op, O, ConvTransposeSpec, never>, ConvTransposeFn<Op, Rank, WeightShape<W>, BiasShape<W>, O>>>

/**
 * 1-D convolution: input [N, C, L], weight [Co, C/groups, k].
 *
 * @example
 * import { ones, conv1d } from 'shapewise'
 * // One channel summed over a window of 3: the input [1, 1, 5] of ones gives 3 everywhere, padded ends 2.
 * const y = conv1d(ones([1, 1, 3]), { padding: 1 })(ones([1, 1, 5]))
 * await y.data() // → [2, 3, 3, 3, 2]
 */
export const conv1d = convLayer('conv1d', 1, false) as ConvOf<'conv1d', 1>

/**
 * 2-D convolution: input [N, C, H, W], weight [Co, C/groups, kh, kw].
 *
 * @example
 * import { ones, zeros, conv2d } from 'shapewise'
 * const weight = ones([6, 1, 5, 5])
 * const y = conv2d({ weight, bias: zeros([6]) }, { padding: 2 })(ones([1, 1, 28, 28]))
 * y.shape // → [1, 6, 28, 28]
 * // A wrong channel count is a compile error here, and a ShapeError at run time.
 */
export const conv2d = convLayer('conv2d', 2, false) as ConvOf<'conv2d', 2>

/**
 * 3-D convolution (volumes, video): input [N, C, D, H, W], weight [Co, C/groups, kd, kh, kw].
 *
 * @example
 * import { ones, zeros, conv3d } from 'shapewise'
 * // Kernel 3, padding 1, stride 2 halves each axis: ⌊(16 + 2 − 3) / 2⌋ + 1 = 8, and 32 → 16.
 * const y = conv3d({ weight: ones([8, 3, 3, 3, 3]), bias: zeros([8]) }, { padding: 1, stride: 2 })(ones([1, 3, 16, 32, 32]))
 * y.shape // → [1, 8, 8, 16, 16]
 * // A 2×2×2 box of ones sums 8 neighbours.
 * await conv3d(ones([1, 1, 2, 2, 2]))(ones([1, 1, 2, 2, 2])).data() // → [8]
 */
export const conv3d = convLayer('conv3d', 3, false) as ConvOf<'conv3d', 3>

/**
 * 1-D transposed convolution: input [N, Ci, L], weight [Ci, Co/groups, k].
 *
 * @example
 * import { ones, convTranspose1d } from 'shapewise'
 * const y = convTranspose1d(ones([1, 1, 2]), { stride: 2 })(ones([1, 1, 3]))
 * y.shape // → [1, 1, 6]
 * await y.data() // → [1, 1, 1, 1, 1, 1]
 */
export const convTranspose1d = convLayer('convTranspose1d', 1, true) as ConvTransposeOf<'convTranspose1d', 1>

/**
 * 2-D transposed convolution: input [N, Ci, H, W], weight [Ci, Co/groups, kh, kw].
 *
 * @example
 * import { ones, convTranspose2d } from 'shapewise'
 * // Doubles H and W, as a decoder's upsampling step.
 * convTranspose2d(ones([16, 8, 2, 2]), { stride: 2 })(ones([1, 16, 7, 7])).shape // → [1, 8, 14, 14]
 */
export const convTranspose2d = convLayer('convTranspose2d', 2, true) as ConvTransposeOf<'convTranspose2d', 2>

/**
 * 3-D transposed convolution: input [N, Ci, D, H, W], weight [Ci, Co/groups, kd, kh, kw].
 *
 * @example
 * import { ones, convTranspose3d } from 'shapewise'
 * // Kernel 4, stride 2, padding 1 doubles each axis, as a 3-D generator's upsampling step: (4 − 1)·2 − 2 + 4 = 8.
 * convTranspose3d(ones([16, 8, 4, 4, 4]), { stride: 2, padding: 1 })(ones([1, 16, 4, 4, 4])).shape // → [1, 8, 8, 8, 8]
 * // Each input value is spread over a 2×2×2 block.
 * await convTranspose3d(ones([1, 1, 2, 2, 2]), { stride: 2 })(ones([1, 1, 1, 1, 1])).data() // → [1, 1, 1, 1, 1, 1, 1, 1]
 */
export const convTranspose3d = convLayer('convTranspose3d', 3, true) as ConvTransposeOf<'convTranspose3d', 3>
