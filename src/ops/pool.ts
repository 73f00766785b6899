/** Pooling, adaptive/global pooling, upsampling and batch normalisation layers. */
import type {
  Shape, Input, ShapeFn, Spatial, PoolShape, MaxPoolOptions, AvgPoolOptions, AdaptivePoolShape, GlobalPoolShape,
  UpsampleShape, UpsampleOptions, BatchNormShape, MaxPoolSpec, AvgPoolSpec, UpsampleSpec, CheckKeys, SpelledOptions, IfSpelled, OptionsLike, OptionSpec,
  Checked, ApplyLayer, Output, DType,
} from '../../types/index.ts'
import type { Node, NodeOf } from '../graph.ts'
import { layer, checkMode, type Layer, type Mode } from '../layer.ts'
import { bind } from '../core/bind.ts'
import { add, sub, mul, div, sqrt, full, sum, equal, where, reshape, slice, broadcastTo, sameShape } from '../core/ops.ts'
import type { AdaptivePoolOp, PoolOp, PoolParams, SpatialRank } from '../core/params.ts'
import { definePrimitive, noSecondDerivative, type Cotangents, type VjpContext } from '../core/primitive.ts'
import { backward } from '../autodiff/backward.ts'
import { poolShape, adaptivePoolShape, globalPoolShape, upsampleShape, batchNormShape, poolSpec, upsampleSpec } from '../shape/pool.ts'
import type { AnyTensor } from '../tree.ts'
import {
  lowerAdaptiveAvgPool, lowerAvgPool, lowerBatchNorm2d, lowerBatchNormGradStats, lowerBatchNormInputGrad, lowerGlobalAvgPool2d, lowerGlobalMaxPool2d, lowerMaxPool,
} from './pool.wgsl.ts'
import { lowerAdaptiveAvgPoolGrad, lowerPoolGrad } from './pool-grad.wgsl.ts'
import { lowerInterpolate, lowerInterpolateGrad } from './interpolate.wgsl.ts'
import { checkOptionsSpelling } from '../shape/options.ts'
import { acceptDType } from '../shape/dtype.ts'
import { wrap, type Tensor } from '../tensor.ts'
import { stopGradient } from './gradient.ts'
import { maxPoolIndicesOf } from './pool-indices.ts'

export interface PoolFn<Op extends string, Rank extends number, O> extends ShapeFn {
  readonly op: Op
  readonly accepts: 'float'
  readonly output: PoolShape<Op, Rank, Input<this>, O>
}

// ------------------------------------------------------------ primitives
// Window ops send the cotangent back through their own gather kernels (poolGrad,
// adaptiveAvgPoolGrad, upsampleGrad: inputs [x, dy], x's shape); the rest are compositions.

const gradientOf = (x: readonly Node[]) => ({ shape: x[0].shape, dtype: 'float32' as const })
export const poolGradPrimitive = definePrimitive('poolGrad', { shape: gradientOf, vjp: noSecondDerivative('a pooling layer'), lower: lowerPoolGrad })
export const adaptiveAvgPoolGradPrimitive = definePrimitive('adaptiveAvgPoolGrad', { shape: gradientOf, vjp: noSecondDerivative('adaptive average pooling'), lower: lowerAdaptiveAvgPoolGrad })
export const upsampleGradPrimitive = definePrimitive('upsampleGrad', { shape: gradientOf, vjp: noSecondDerivative('upsample'), lower: lowerInterpolateGrad })
// A training-mode batchNorm2d sends dy back through two kernels: one per-channel reduction of x
// and dy (batchNormGradStats: mean, rstd, Σdy, Σdy·x̂ as rows of [4, C]) and one elementwise pass
// (batchNormInputGrad, inputs [x, weight, dy, those sums]).

/**
 * What the two kernels compute, as differentiable ops: their own VJPs differentiate these (a
 * derivative of a batch-normed network's gradient, such as a gradient penalty). First-order
 * training never builds them.
 */
const batchNormStatistics = (x: AnyTensor, dy: AnyTensor, eps: number) => {
  const channels = x.shape[1]
  const count = x.shape[0] * x.shape[2] * x.shape[3]
  const perChannel = (t: AnyTensor) => broadcastTo(reshape(t, [1, channels, 1, 1]), x.shape)
  const reduce = (t: AnyTensor) => sum(t, [0, 2, 3], false)
  const mean = div(reduce(x), count)
  const centered = sub(x, perChannel(mean))
  const rstd = div(full([channels], 1), sqrt(add(div(reduce(mul(centered, centered)), count), eps)))
  const normalized = mul(centered, perChannel(rstd))
  return { count, perChannel, normalized, rows: [mean, rstd, reduce(dy), reduce(mul(dy, normalized))] }
}
const batchNormInputGradient = (x: AnyTensor, gamma: AnyTensor, dy: AnyTensor, eps: number) => {
  const { count, perChannel, normalized, rows: [, rstd, sumDy, sumDyNormalized] } = batchNormStatistics(x, dy, eps)
  return mul(perChannel(mul(gamma, rstd)), sub(sub(dy, perChannel(div(sumDy, count))), mul(normalized, perChannel(div(sumDyNormalized, count)))))
}
/**
 * The cotangents of `inputs` for `f(...inputs)` seeded with `seed`: the partial derivatives of f
 * alone. f runs on stand-ins (stopGradient of each input), so the walk stops there: in a network
 * dy itself depends on x, and following dy's history here would count that path twice (the outer
 * backward follows it already).
 */
const partials = (f: (...standIns: AnyTensor[]) => AnyTensor, seed: AnyTensor, inputs: readonly AnyTensor[]) => {
  const standIns = inputs.map((t) => stopGradient(t as Tensor) as AnyTensor)
  return backward(f(...standIns).node, seed, standIns.map((t) => t.node)).map((g) => g ?? null)
}

export const batchNormGradStatsPrimitive = definePrimitive('batchNormGradStats', {
  shape: ([x]: readonly Node[]) => ({ shape: [4, x.shape[1]], dtype: 'float32' as const }),
  vjp: ({ params: { eps }, inputs: [x, dy], dy: seed }) => {
    const row = (r: number) => reshape(slice(seed, [r, 0], [r + 1, x.shape[1]]), [x.shape[1]])
    // Σ_r ⟨seed row r, statistic r⟩ as one scalar, differentiated once.
    const weighted = (xs: AnyTensor, dys: AnyTensor) =>
      batchNormStatistics(xs, dys, eps).rows.map((t, r) => sum(mul(t, row(r)))).reduce((a, b) => add(a, b))
    return partials(weighted, full([], 1), [x, dy])
  },
  lower: lowerBatchNormGradStats,
})
export const batchNormInputGradPrimitive = definePrimitive('batchNormInputGrad', {
  shape: gradientOf,
  // Its fourth input is batchNormGradStats of x and dy: the formula reaches x and dy without it, so it gets none.
  vjp: ({ inputs: [x, gamma, dy, sums], dy: seed }) => {
    const { eps } = (sums.node as NodeOf<'batchNormGradStats'>).params
    return [...partials((xs, gs, dys) => batchNormInputGradient(xs, gs, dys, eps), seed, [x, gamma, dy]), null]
  },
  lower: lowerBatchNormInputGrad,
})

const poolVjp = <P extends PoolOp>({ node, params, inputs: [x], dy }: VjpContext<P>): Cotangents => [
  wrap(bind(poolGradPrimitive, [x.node, dy.node], { ...params, forward: node.op })),
]
const poolPrimitive = (op: PoolOp, lower: typeof lowerMaxPool) => ({
  shape: ([x]: readonly Node[], params: PoolParams) => ({ shape: poolShape(op, params.rank, x.shape, params), dtype: x.dtype }),
  vjp: poolVjp,
  lower,
})
export const maxPool1dPrimitive = definePrimitive('maxPool1d', poolPrimitive('maxPool1d', lowerMaxPool))
export const maxPool2dPrimitive = definePrimitive('maxPool2d', poolPrimitive('maxPool2d', lowerMaxPool))
export const maxPool3dPrimitive = definePrimitive('maxPool3d', poolPrimitive('maxPool3d', lowerMaxPool))
export const avgPool1dPrimitive = definePrimitive('avgPool1d', poolPrimitive('avgPool1d', lowerAvgPool))
export const avgPool2dPrimitive = definePrimitive('avgPool2d', poolPrimitive('avgPool2d', lowerAvgPool))
export const avgPool3dPrimitive = definePrimitive('avgPool3d', poolPrimitive('avgPool3d', lowerAvgPool))
const pools = {
  maxPool1d: maxPool1dPrimitive, maxPool2d: maxPool2dPrimitive, maxPool3d: maxPool3dPrimitive,
  avgPool1d: avgPool1dPrimitive, avgPool2d: avgPool2dPrimitive, avgPool3d: avgPool3dPrimitive,
}

const adaptivePoolPrimitive = <P extends AdaptivePoolOp>(op: P, rank: SpatialRank) => ({
  shape: ([x]: readonly Node[], { outputSize }: { readonly outputSize: Spatial }) =>
    ({ shape: adaptivePoolShape(op, rank, x.shape, outputSize), dtype: x.dtype }),
  vjp: ({ params, inputs: [x], dy }: VjpContext<P>): Cotangents =>
    [wrap(bind(adaptiveAvgPoolGradPrimitive, [x.node, dy.node], { outputSize: params.outputSize, forward: op }))],
  lower: lowerAdaptiveAvgPool,
})
export const adaptiveAvgPool2dPrimitive = definePrimitive('adaptiveAvgPool2d', adaptivePoolPrimitive('adaptiveAvgPool2d', 2))
export const adaptiveAvgPool3dPrimitive = definePrimitive('adaptiveAvgPool3d', adaptivePoolPrimitive('adaptiveAvgPool3d', 3))
export const upsamplePrimitive = definePrimitive('upsample', {
  shape: ([x], params) => ({ shape: upsampleShape(x.shape, params), dtype: x.dtype }),
  vjp: ({ params, inputs: [x], dy }) => [wrap(bind(upsampleGradPrimitive, [x.node, dy.node], { ...params, forward: 'upsample' }))],
  lower: lowerInterpolate, // upsample is interpolate on [N, C, H, W] in its nearest and bilinear modes
})

/** dy of [N, C] spread back over [N, C, H, W]. */
const spatial = (x: AnyTensor, t: AnyTensor) => broadcastTo(reshape(t, [x.shape[0], x.shape[1], 1, 1]), x.shape)
const globalPoolRule = (op: 'globalAvgPool2d' | 'globalMaxPool2d') => ([x]: readonly Node[]) => ({ shape: globalPoolShape(op, x.shape), dtype: x.dtype })

export const globalAvgPool2dPrimitive = definePrimitive('globalAvgPool2d', {
  shape: globalPoolRule('globalAvgPool2d'),
  vjp: ({ inputs: [x], dy }) => [div(spatial(x, dy), x.shape[2] * x.shape[3])],
  lower: lowerGlobalAvgPool2d,
})
// Ties share the gradient, like max over axes.
export const globalMaxPool2dPrimitive = definePrimitive('globalMaxPool2d', {
  shape: globalPoolRule('globalMaxPool2d'),
  vjp: ({ inputs: [x], output: y, dy }) => {
    const isMax = equal(x, spatial(x, y))
    const ties = sum(where(isMax, 1, 0), [2, 3], false)
    return [where(isMax, spatial(x, div(dy, ties)), 0)]
  },
  lower: lowerGlobalMaxPool2d,
})

export const batchNorm2dPrimitive = definePrimitive('batchNorm2d', {
  shape: sameShape,
  vjp: ({ params: { training, eps }, inputs: [x, gamma, , runningMean, runningVar], dy }) => {
    if (training) {
      // The batch statistics depend on x too: dx removes the mean of dy and its projection on x̂
      // (lowerBatchNormInputGrad); the weight and bias gradients are Σdy·x̂ and Σdy per channel.
      const sums = wrap(bind(batchNormGradStatsPrimitive, [x.node, dy.node], { eps }))
      const dx = wrap(bind(batchNormInputGradPrimitive, [x.node, gamma.node, dy.node, sums.node], {}))
      const row = (r: number) => reshape(slice(sums, [r, 0], [r + 1, x.shape[1]]), gamma.shape)
      return [dx, row(3), row(2), null, null]
    }
    // Evaluation: the running statistics are constants.
    const perChannel = (t: AnyTensor) => broadcastTo(reshape(t, [1, x.shape[1], 1, 1]), x.shape)
    const rstd = perChannel(div(full(runningVar.shape, 1), sqrt(add(runningVar, eps))))
    const normalized = mul(sub(x, perChannel(runningMean)), rstd)
    const reduce = (t: AnyTensor) => sum(t, [0, 2, 3], false)
    return [mul(mul(dy, perChannel(gamma)), rstd), reduce(mul(dy, normalized)), reduce(dy), null, null]
  },
  lower: lowerBatchNorm2d,
})

// ------------------------------------------------------------ layers

const poolLayer = (op: PoolOp, rank: SpatialRank) => (options: MaxPoolOptions | AvgPoolOptions) => {
  checkOptionsSpelling(op, options, poolSpec(op), ['kernelSize'], rank)
  // returnIndices (max pools only; the spelling check refuses it elsewhere) is not the node's parameter.
  const { returnIndices, ...window } = options as MaxPoolOptions
  const pool = (x: Tensor<Shape, DType>) => {
    acceptDType(op, 'input', x.dtype, 'float')
    return wrap(bind(pools[op], [x.node], { ...window, rank }))
  }
  if (returnIndices !== true) return layer(op, pool)
  // The values are the node a plain max pool builds (its gradient too); the indices read the same input.
  return Object.assign((x: Tensor<Shape, DType>) => [pool(x), maxPoolIndicesOf(x, { ...window, rank })], { op })
}

/**
 * A pooling layer factory: the options' keys are checked where they are
 * written (src/shape/options.ts), their values by the shape rule where the layer is applied.
 */
type PoolOf<Op extends string, Rank extends number, Options, Spec extends OptionSpec> = <const O extends OptionsLike<Options>>(
  options: SpelledOptions<O, CheckKeys<Op, O, Spec, 'kernelSize'>>,
) => Layer<IfSpelled<CheckKeys<Op, O, Spec, 'kernelSize'>, PoolFn<Op, Rank, O>>>

/**
 * A max pool built with `returnIndices: true`: input → `[values, indices]`, the indices int32, of
 * the values' shape (see src/ops/pool-indices.ts). Not a Layer: it returns two tensors.
 */
export interface PoolWithIndices<F extends ShapeFn> {
  <S extends Shape, D extends DType = 'float32'>(x: Checked<Tensor<S, D>, ApplyLayer<F, S, D>>): [
    values: Tensor<Output<ApplyLayer<F, S, D>>, D>,
    indices: Tensor<Output<ApplyLayer<F, S, D>>, 'int32'>,
  ]
  readonly op: F['op']
}
/** A max pool factory: a Layer, or with `returnIndices: true` a function giving [values, indices] (either, for a boolean not known statically). */
type MaxPoolOf<Op extends string, Rank extends number> = <const O extends OptionsLike<MaxPoolOptions>>(
  options: SpelledOptions<O, CheckKeys<Op, O, MaxPoolSpec, 'kernelSize'>>,
) => IfSpelled<CheckKeys<Op, O, MaxPoolSpec, 'kernelSize'>, PoolFn<Op, Rank, O>> extends infer F extends ShapeFn
  ? O extends { readonly returnIndices: infer R }
    ? [R] extends [true] ? PoolWithIndices<F> : [R] extends [false | undefined] ? Layer<F> : Layer<F> | PoolWithIndices<F>
    : Layer<F>
  : never

/**
 * Max pooling over [N, C, L] (PyTorch's options: kernelSize, stride = kernelSize, padding, dilation, ceilMode).
 * With `returnIndices: true` it returns `[values, indices]`: each maximum's position in its (n, c)
 * row as an int32 tensor (PyTorch's, which are int64; the first maximum on ties), for maxUnpool1d.
 *
 * @example
 * import { tensor, maxPool1d } from 'shapewise'
 * await maxPool1d({ kernelSize: 2 })(tensor([[[1, 5, 2, 3]]])).data() // → [5, 3]
 * const [values, indices] = maxPool1d({ kernelSize: 2, returnIndices: true })(tensor([[[1, 5, 2, 3]]]))
 * await indices.data() // → [1, 3]
 */
export const maxPool1d = poolLayer('maxPool1d', 1) as MaxPoolOf<'maxPool1d', 1>
/**
 * Max pooling over [N, C, H, W] (PyTorch's options: kernelSize, stride = kernelSize, padding, dilation, ceilMode).
 * With `returnIndices: true` it returns `[values, indices]`: each maximum's flat position h·W + w in
 * its (n, c) plane of the input, as an int32 tensor (PyTorch's, which are int64; the first maximum
 * on ties), for maxUnpool2d.
 *
 * @example
 * import { tensor, maxPool2d } from 'shapewise'
 * await maxPool2d({ kernelSize: 2 })(tensor([[[[1, 2], [4, 3]]]])).data() // → [4]
 * const [values, indices] = maxPool2d({ kernelSize: 2, returnIndices: true })(tensor([[[[1, 2], [4, 3]]]]))
 * await indices.data() // → [2]
 */
export const maxPool2d = poolLayer('maxPool2d', 2) as MaxPoolOf<'maxPool2d', 2>
/**
 * Max pooling over [N, C, D, H, W] (PyTorch's options: kernelSize, stride = kernelSize, padding, dilation, ceilMode).
 * With `returnIndices: true` it returns `[values, indices]`: each maximum's flat position
 * (d·H + h)·W + w in its (n, c) volume, int32 (PyTorch's, which are int64; the first maximum on
 * ties), for maxUnpool3d.
 *
 * @example
 * import { ones, tensor, maxPool3d } from 'shapewise'
 * // A 2×2×2 volume: its maximum.
 * await maxPool3d({ kernelSize: 2 })(tensor([[[[[1, 5], [2, 3]], [[8, 4], [6, 7]]]]])).data() // → [8]
 * // Pool space, not time: a kernel of 1 frame × 2 × 2.
 * maxPool3d({ kernelSize: [1, 2, 2] })(ones([1, 4, 16, 8, 8])).shape // → [1, 4, 16, 4, 4]
 * const [, indices] = maxPool3d({ kernelSize: 2, returnIndices: true })(tensor([[[[[1, 5], [2, 3]], [[8, 4], [6, 7]]]]]))
 * await indices.data() // → [4]
 */
export const maxPool3d = poolLayer('maxPool3d', 3) as MaxPoolOf<'maxPool3d', 3>
/**
 * Average pooling over [N, C, L] (PyTorch's options, with countIncludePad).
 *
 * @example
 * import { tensor, avgPool1d } from 'shapewise'
 * await avgPool1d({ kernelSize: 2 })(tensor([[[1, 5, 2, 3]]])).data() // → [3, 2.5]
 */
export const avgPool1d = poolLayer('avgPool1d', 1) as PoolOf<'avgPool1d', 1, AvgPoolOptions, AvgPoolSpec>
/**
 * Average pooling over [N, C, H, W] (PyTorch's options, with countIncludePad).
 *
 * @example
 * import { ones, avgPool2d } from 'shapewise'
 * avgPool2d({ kernelSize: 2, stride: 2 })(ones([1, 6, 28, 28])).shape // → [1, 6, 14, 14]
 */
export const avgPool2d = poolLayer('avgPool2d', 2) as PoolOf<'avgPool2d', 2, AvgPoolOptions, AvgPoolSpec>
/**
 * Average pooling over [N, C, D, H, W] (PyTorch's options, with countIncludePad).
 *
 * @example
 * import { ones, avgPool3d } from 'shapewise'
 * // A video clip of 16 frames of 32×32: halve time and space.
 * avgPool3d({ kernelSize: 2 })(ones([1, 3, 16, 32, 32])).shape // → [1, 3, 8, 16, 16]
 * // Padding counts as zeros unless countIncludePad is false: a corner window of 2×2×2 ones holds one input.
 * await avgPool3d({ kernelSize: 2, stride: 2, padding: 1 })(ones([1, 1, 2, 2, 2])).data() // → [0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125]
 */
export const avgPool3d = poolLayer('avgPool3d', 3) as PoolOf<'avgPool3d', 3, AvgPoolOptions, AvgPoolSpec>

/** The shape function of adaptiveAvgPool2d (the defaults) or adaptiveAvgPool3d. */
export interface AdaptivePoolFn<Size extends Spatial, Op extends string = 'adaptiveAvgPool2d', Rank extends number = 2> extends ShapeFn {
  readonly op: Op
  readonly accepts: 'float'
  readonly output: AdaptivePoolShape<Op, Rank, Input<this>, Size>
}
const adaptivePools = { adaptiveAvgPool2d: adaptiveAvgPool2dPrimitive, adaptiveAvgPool3d: adaptiveAvgPool3dPrimitive }
const adaptivePool = (op: AdaptivePoolOp) => (outputSize: Spatial) =>
  layer(op, (x) => {
    acceptDType(op, 'input', x.dtype, 'float')
    return wrap(bind(adaptivePools[op], [x.node], { outputSize }))
  })
/**
 * Average pooling to a fixed output size, whatever the input size.
 *
 * @example
 * import { tensor, adaptiveAvgPool2d } from 'shapewise'
 * await adaptiveAvgPool2d([1, 2])(tensor([[[[1, 2, 3, 4]]]])).data() // → [1.5, 3.5]
 */
export const adaptiveAvgPool2d = adaptivePool('adaptiveAvgPool2d') as <const Size extends Spatial>(outputSize: Size) => Layer<AdaptivePoolFn<Size>>
/**
 * Average pooling of [N, C, D, H, W] to a fixed output size [d, h, w] (one number: every axis), whatever the input size.
 *
 * @example
 * import { ones, tensor, adaptiveAvgPool3d } from 'shapewise'
 * // A video classifier's head: any clip length and frame size to one value per channel.
 * adaptiveAvgPool3d(1)(ones([2, 512, 4, 7, 7])).shape // → [2, 512, 1, 1, 1]
 * // PyTorch's bins: 3 frames to 2 average frames {0, 1} and {1, 2}.
 * await adaptiveAvgPool3d([2, 1, 1])(tensor([[[[[1]], [[2]], [[6]]]]])).data() // → [1.5, 4]
 */
export const adaptiveAvgPool3d = adaptivePool('adaptiveAvgPool3d') as
  <const Size extends Spatial>(outputSize: Size) => Layer<AdaptivePoolFn<Size, 'adaptiveAvgPool3d', 3>>

export interface GlobalPoolFn<Op extends string> extends ShapeFn {
  readonly op: Op
  readonly accepts: 'float'
  readonly output: GlobalPoolShape<Op, Input<this>>
}
const globalPool = (op: 'globalAvgPool2d' | 'globalMaxPool2d') =>
  layer(op, (x) => {
    acceptDType(op, 'input', x.dtype, 'float')
    return wrap(bind(op === 'globalAvgPool2d' ? globalAvgPool2dPrimitive : globalMaxPool2dPrimitive, [x.node], {}))
  })
/**
 * Mean over H and W: [N, C, H, W] → [N, C].
 *
 * @example
 * import { tensor, globalAvgPool2d } from 'shapewise'
 * const y = globalAvgPool2d(tensor([[[[1, 2], [3, 6]]]]))
 * y.shape // → [1, 1]
 * await y.data() // → [3]
 */
export const globalAvgPool2d = globalPool('globalAvgPool2d') as Layer<GlobalPoolFn<'globalAvgPool2d'>>
/**
 * Max over H and W: [N, C, H, W] → [N, C].
 *
 * @example
 * import { tensor, globalMaxPool2d } from 'shapewise'
 * await globalMaxPool2d(tensor([[[[1, 2], [3, 6]]]])).data() // → [6]
 */
export const globalMaxPool2d = globalPool('globalMaxPool2d') as Layer<GlobalPoolFn<'globalMaxPool2d'>>

export interface UpsampleFn<O> extends ShapeFn {
  readonly op: 'upsample'
  readonly accepts: 'float'
  readonly output: UpsampleShape<Input<this>, O>
}
/** Nearest or bilinear upsampling by an integer scale factor or to a target size. */
type UpsampleKeys<O> = CheckKeys<'upsample', O, UpsampleSpec, never>
/**
 * Resizes H and W (F.interpolate): `scaleFactor` or `size`, mode 'nearest' (default) or 'bilinear' with `alignCorners`.
 *
 * @example
 * import { tensor, upsample } from 'shapewise'
 * await upsample({ scaleFactor: 2 })(tensor([[[[1, 2]]]])).array() // → [[[[1, 1, 2, 2], [1, 1, 2, 2]]]]
 */
export const upsample = <const O extends OptionsLike<UpsampleOptions>>(
  options: SpelledOptions<O, UpsampleKeys<O>>,
): Layer<IfSpelled<UpsampleKeys<O>, UpsampleFn<O>>> => {
  checkOptionsSpelling('upsample', options, upsampleSpec, [], 2)
  const spelled = options as UpsampleOptions
  return layer('upsample', (x) => {
    acceptDType('upsample', 'input', x.dtype, 'float')
    return wrap(bind(upsamplePrimitive, [x.node], { mode: 'nearest', ...spelled }))
  })
}

export interface BatchNormParams<P extends Shape = Shape> {
  readonly weight: Tensor<P>
  readonly bias: Tensor<P>
  readonly runningMean: Tensor<P>
  readonly runningVar: Tensor<P>
}
/**
 * Receives what a training-mode batchNorm2d normalised with, so a training loop can update the
 * running statistics as PyTorch's module does in train mode (`fit` passes one in its step context;
 * see `batchNorm2dRunningStats` in shapewise/nn for the update itself).
 */
export type BatchStatisticsRecorder = (params: BatchNormParams, input: Tensor<Shape>, momentum: number) => void
export interface BatchNormOptions extends Mode {
  /** Normalise with the batch's statistics (`true`, training) or the running ones (`false`, evaluation). */
  readonly training: boolean
  readonly eps?: number
  readonly momentum?: number
  /** Called in training mode with the parameters, the input and the momentum (fit's step context has one). */
  readonly recordStatistics?: BatchStatisticsRecorder
}
export interface BatchNormFn<P extends Shape> extends ShapeFn {
  readonly op: 'batchNorm2d'
  readonly accepts: 'float'
  readonly output: BatchNormShape<Input<this>, P>
}
/**
 * Batch normalisation over the channels of [N, C, H, W]; `training` says which statistics (see `Mode`).
 *
 * @example
 * import { tensor, ones, zeros, batchNorm2d } from 'shapewise'
 * const params = { weight: ones([1]), bias: zeros([1]), runningMean: tensor([2]), runningVar: tensor([4]) }
 * // Evaluation: the running statistics, (x − 2) / √(4 + eps).
 * await batchNorm2d(params, { training: false, eps: 0 })(tensor([[[[2, 4]]]])).data() // → [0, 1]
 * // Training: the batch's own statistics (mean 3, variance 1).
 * await batchNorm2d(params, { training: true, eps: 0 })(tensor([[[[2, 4]]]])).data() // → [-1, 1]
 */
export const batchNorm2d = <P extends Shape>(params: BatchNormParams<P>, options: BatchNormOptions): Layer<BatchNormFn<P>> => {
  checkMode('batchNorm2d', options)
  return layer('batchNorm2d', (x) => {
    acceptDType('batchNorm2d', 'input', x.dtype, 'float')
    for (const p of [params.weight, params.bias, params.runningMean, params.runningVar]) {
      acceptDType('batchNorm2d', 'parameter', p.dtype, 'float')
      batchNormShape(x.shape, p.shape)
    }
    const inputs = [x.node, params.weight.node, params.bias.node, params.runningMean.node, params.runningVar.node]
    if (options.training && options.recordStatistics) options.recordStatistics(params as BatchNormParams, x as Tensor<Shape>, options.momentum ?? 0.1)
    // Only the op's own options: a step context spread in (`batchNorm2d(p, context)`) also carries a dropout seed.
    const attrs = { training: options.training, eps: options.eps ?? 1e-5, momentum: options.momentum ?? 0.1 }
    return wrap(bind(batchNorm2dPrimitive, inputs, attrs))
  })
}
