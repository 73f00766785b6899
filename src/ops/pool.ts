/** Pooling, adaptive/global pooling, upsampling and batch normalisation layers. */
import type {
  Shape, Input, ShapeFn, Spatial, PoolShape, MaxPoolOptions, AvgPoolOptions, AdaptivePoolShape, GlobalPoolShape,
  UpsampleShape, UpsampleOptions, BatchNormShape,
} from '../../types/index.ts'
import { makeNode } from '../graph.ts'
import { layer, checkMode, type Layer, type Mode } from '../layer.ts'
import { poolShape, adaptivePoolShape, globalPoolShape, upsampleShape, batchNormShape } from '../shape/pool.ts'
import { wrap, type Tensor } from '../tensor.ts'

export interface PoolFn<Op extends string, Rank extends number, O> extends ShapeFn {
  readonly op: Op
  readonly output: PoolShape<Op, Rank, Input<this>, O>
}

const poolLayer = (op: 'maxPool1d' | 'maxPool2d' | 'avgPool1d' | 'avgPool2d', rank: number) => (options: MaxPoolOptions | AvgPoolOptions) =>
  layer(op, (x) => wrap(makeNode(op, [x.node], { ...options, rank }, poolShape(op, rank, x.shape, options), x.dtype)))

export const maxPool1d = poolLayer('maxPool1d', 1) as <const O extends MaxPoolOptions>(options: O) => Layer<PoolFn<'maxPool1d', 1, O>>
export const maxPool2d = poolLayer('maxPool2d', 2) as <const O extends MaxPoolOptions>(options: O) => Layer<PoolFn<'maxPool2d', 2, O>>
export const avgPool1d = poolLayer('avgPool1d', 1) as <const O extends AvgPoolOptions>(options: O) => Layer<PoolFn<'avgPool1d', 1, O>>
export const avgPool2d = poolLayer('avgPool2d', 2) as <const O extends AvgPoolOptions>(options: O) => Layer<PoolFn<'avgPool2d', 2, O>>

export interface AdaptivePoolFn<Size extends Spatial> extends ShapeFn {
  readonly op: 'adaptiveAvgPool2d'
  readonly output: AdaptivePoolShape<'adaptiveAvgPool2d', Input<this>, Size>
}
/** Average pooling to a fixed output size, whatever the input size. */
export const adaptiveAvgPool2d = <const Size extends Spatial>(outputSize: Size): Layer<AdaptivePoolFn<Size>> =>
  layer('adaptiveAvgPool2d', (x) =>
    wrap(makeNode('adaptiveAvgPool2d', [x.node], { outputSize }, adaptivePoolShape('adaptiveAvgPool2d', x.shape, outputSize), x.dtype)),
  )

export interface GlobalPoolFn<Op extends string> extends ShapeFn {
  readonly op: Op
  readonly output: GlobalPoolShape<Op, Input<this>>
}
const globalPool = (op: 'globalAvgPool2d' | 'globalMaxPool2d') =>
  layer(op, (x) => wrap(makeNode(op, [x.node], {}, globalPoolShape(op, x.shape), x.dtype)))
/** Mean over H and W: [N, C, H, W] → [N, C]. */
export const globalAvgPool2d = globalPool('globalAvgPool2d') as Layer<GlobalPoolFn<'globalAvgPool2d'>>
/** Max over H and W: [N, C, H, W] → [N, C]. */
export const globalMaxPool2d = globalPool('globalMaxPool2d') as Layer<GlobalPoolFn<'globalMaxPool2d'>>

export interface UpsampleFn<O> extends ShapeFn {
  readonly op: 'upsample'
  readonly output: UpsampleShape<Input<this>, O>
}
/** Nearest or bilinear upsampling by an integer scale factor or to a target size. */
export const upsample = <const O extends UpsampleOptions>(options: O): Layer<UpsampleFn<O>> =>
  layer('upsample', (x) => wrap(makeNode('upsample', [x.node], { mode: 'nearest', ...options }, upsampleShape(x.shape, options), x.dtype)))

export interface BatchNormParams<P extends Shape = Shape> {
  readonly weight: Tensor<P>
  readonly bias: Tensor<P>
  readonly runningMean: Tensor<P>
  readonly runningVar: Tensor<P>
}
export interface BatchNormOptions extends Mode {
  /** Normalise with the batch's statistics (`true`, training) or the running ones (`false`, evaluation). */
  readonly training: boolean
  readonly eps?: number
  readonly momentum?: number
}
export interface BatchNormFn<P extends Shape> extends ShapeFn {
  readonly op: 'batchNorm2d'
  readonly output: BatchNormShape<Input<this>, P>
}
/** Batch normalisation over the channels of [N, C, H, W]; `training` says which statistics (see `Mode`). */
export const batchNorm2d = <P extends Shape>(params: BatchNormParams<P>, options: BatchNormOptions): Layer<BatchNormFn<P>> => {
  checkMode('batchNorm2d', options)
  return layer('batchNorm2d', (x) => {
    for (const p of [params.weight, params.bias, params.runningMean, params.runningVar]) batchNormShape(x.shape, p.shape)
    const inputs = [x.node, params.weight.node, params.bias.node, params.runningMean.node, params.runningVar.node]
    // Only the op's own options: a step context spread in (`batchNorm2d(p, context)`) also carries a dropout seed.
    const attrs = { training: options.training, eps: options.eps ?? 1e-5, momentum: options.momentum ?? 0.1 }
    return wrap(makeNode('batchNorm2d', inputs, attrs, x.shape, x.dtype))
  })
}
