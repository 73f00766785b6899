/**
 * The parameters of every primitive, by name: the one list of primitives. A graph node of
 * primitive P carries `Params[P]`, and every table over primitives (definitions, VJP rules,
 * lowerings, ONNX converters) is typed over `Primitive = keyof Params`, so nothing reads a
 * parameter through a cast. An op module may add its own primitives by augmenting this
 * interface next to their definitions (see src/ops/activations.ts).
 */
import type { DType } from '../../types/dtype.ts'
import type { Spatial } from '../shape/errors.ts'
import type { ConvOptions, ConvTransposeOptions } from '../shape/conv.ts'
import type { PoolWindowOptions, UpsampleOptions } from '../shape/pool.ts'

/** No parameters. */
export type NoParams = Readonly<Record<never, never>>

/** Parameters of a primitive that makes a tensor from nothing: its shape and dtype. */
export interface Creation {
  readonly shape: readonly number[]
  readonly dtype: DType
}

/** The number of spatial axes of a convolution or pooling op: [N, C, L], [N, C, H, W] or [N, C, D, H, W]. */
export type SpatialRank = 1 | 2 | 3
export type ConvParams = ConvOptions & { readonly rank: SpatialRank }
export type ConvTransposeParams = ConvTransposeOptions & { readonly rank: SpatialRank }
export type PoolParams = PoolWindowOptions & { readonly rank: SpatialRank }
export type UpsampleParams = UpsampleOptions & { readonly mode: 'nearest' | 'bilinear' }

/** One axis of a convolution as the weight gradient sees it. */
export interface ConvAxisParams {
  readonly stride: number
  readonly padLeft: number
  readonly dilation: number
}

export type PoolOp = 'maxPool1d' | 'maxPool2d' | 'maxPool3d' | 'avgPool1d' | 'avgPool2d' | 'avgPool3d'
export type AdaptivePoolOp = 'adaptiveAvgPool2d' | 'adaptiveAvgPool3d'

export interface ReduceParams {
  /** Normalised, ascending. */
  readonly axes: readonly number[]
  readonly keepDims: boolean
}

export interface Params {
  // creation ('constant': host data; 'external': a value produced on the device by a compiled step)
  readonly constant: NoParams
  readonly external: { readonly onnxInput?: number }
  readonly fill: Creation & { readonly value: number }
  readonly arange: { readonly start: number; readonly step: number; readonly length: number }
  readonly eye: { readonly n: number }
  readonly random: Creation & { readonly distribution: 'uniform' | 'normal'; readonly seed: number }
  // convolution and pooling
  readonly conv1d: ConvParams
  readonly conv2d: ConvParams
  readonly conv3d: ConvParams
  readonly convTranspose1d: ConvTransposeParams
  readonly convTranspose2d: ConvTransposeParams
  readonly convTranspose3d: ConvTransposeParams
  readonly maxPool1d: PoolParams
  readonly maxPool2d: PoolParams
  readonly maxPool3d: PoolParams
  readonly avgPool1d: PoolParams
  readonly avgPool2d: PoolParams
  readonly avgPool3d: PoolParams
  readonly adaptiveAvgPool2d: { readonly outputSize: Spatial }
  readonly adaptiveAvgPool3d: { readonly outputSize: Spatial }
  readonly globalAvgPool2d: NoParams
  readonly globalMaxPool2d: NoParams
  readonly upsample: UpsampleParams
  readonly batchNorm2d: { readonly training: boolean; readonly eps: number; readonly momentum: number }
  // dense
  readonly linear: NoParams
  readonly matmul: NoParams
  // elementwise math (activations are added by src/ops/activations.ts)
  readonly exp: NoParams
  readonly log: NoParams
  readonly sqrt: NoParams
  readonly abs: NoParams
  readonly neg: NoParams
  readonly tanh: NoParams
  readonly erf: NoParams
  readonly dropout: { readonly rate: number; readonly training: boolean; readonly seed?: number }
  readonly cast: { readonly dtype: DType }
  readonly add: NoParams
  readonly sub: NoParams
  readonly mul: NoParams
  readonly div: NoParams
  readonly maximum: NoParams
  readonly minimum: NoParams
  readonly pow: NoParams
  readonly greater: NoParams
  readonly less: NoParams
  readonly equal: NoParams
  readonly where: NoParams
  // reductions
  readonly sum: ReduceParams
  readonly mean: ReduceParams
  readonly max: ReduceParams
  readonly argmax: ReduceParams
  readonly softmax: { readonly axis: number }
  readonly logSoftmax: { readonly axis: number }
  // layout
  readonly reshape: { readonly shape: readonly number[] }
  readonly permute: { readonly dims: readonly number[] }
  readonly concat: { readonly axis: number }
  readonly pad: { readonly pads: readonly (readonly [number, number])[]; readonly value: number }
  readonly slice: { readonly start: readonly number[]; readonly end: readonly number[]; readonly step?: readonly number[] }
  readonly broadcastTo: { readonly shape: readonly number[] }
  // autodiff and losses
  readonly stopGradient: NoParams
  /**
   * `reportAs`: the op a label out of range is reported under (a loss names itself).
   * `ignoreIndex`: a label equal to it gives a zero row and is not a fault (a loss's ignored positions).
   */
  readonly oneHot: { readonly classes: number; readonly reportAs: string; readonly ignoreIndex?: number }
  // internal: gradients that are not a composition of other ops
  readonly convWeightGrad: { readonly axes: readonly ConvAxisParams[]; readonly groups: number; readonly weightShape: readonly number[] }
  readonly poolGrad: PoolParams & { readonly forward: PoolOp }
  readonly adaptiveAvgPoolGrad: { readonly forward: AdaptivePoolOp; readonly outputSize: Spatial }
  readonly upsampleGrad: UpsampleParams & { readonly forward: 'upsample' }
  readonly batchNormGradStats: { readonly eps: number }
  readonly batchNormInputGrad: NoParams
}

export type Primitive = keyof Params
