/** shapewise: typed tensors, CNN ops as data-last layers, shape rules checked by the compiler. */
export { Tensor, DisposedError, HostDataError, tensor, fromArray, assertShape, type DType, type WidenShape } from './tensor.ts'
export type { Shape, NestedArray } from '../types/index.ts'
export { ShapeError } from './shape/errors.ts'
export { DTypeError } from './shape/dtype.ts'

// Ops, one module per family. Listed by name: each module also exports its primitives' definitions,
// which are the library's internals (src/core), not its API.
export { full, zeros, ones, arange, linspace, eye, rand, randn, type RandomOptions } from './ops/creation.ts'
export { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, type ConvFn, type ConvTransposeFn } from './ops/conv.ts'
export {
  maxPool1d, maxPool2d, maxPool3d, avgPool1d, avgPool2d, avgPool3d, adaptiveAvgPool2d, adaptiveAvgPool3d, globalAvgPool2d, globalMaxPool2d,
  upsample, batchNorm2d,
  type PoolFn, type PoolWithIndices, type AdaptivePoolFn, type GlobalPoolFn, type UpsampleFn, type BatchNormParams, type BatchStatisticsRecorder,
  type BatchNormOptions, type BatchNormFn
} from './ops/pool.ts'
export { interpolate, type InterpolateFn } from './ops/interpolate.ts'
export { linear, matmul, type LinearFn, type MatmulFn } from './ops/linear.ts'
export {
  tanh, exp, log, sqrt, abs, neg, erf, cast, dropout, add, sub, mul, div, maximum, minimum, pow, greater, less, equal, where,
  type DropoutOptions, type BroadcastFn, type BinaryOp
} from './ops/elementwise.ts'
// Every export of the activations module is public: a new activation touches that one file.
export * from './ops/activations.ts'
export { sum, mean, max, argmax, softmax, logSoftmax, type ReduceOptions, type ReduceFn, type ReduceSpec, type AxisFn } from './ops/reduce.ts'
export {
  reshape, flattenFrom, flatten, permute, transpose, concat, slice, type ReshapeFn, type FlattenFn, type PermuteFn,
  type TransposeFn, type PadFn, type SliceFn
} from './ops/layout.ts'
export { stopGradient, broadcastTo, oneHot } from './ops/gradient.ts'
export { localResponseNorm, type LocalResponseNormOptions, type LocalResponseNormShape, type LocalResponseNormFn } from './ops/local-response-norm.ts'
export { unfold, type UnfoldOptions, type UnfoldShape, type UnfoldFn } from './ops/unfold.ts'
export {
  pixelShuffle, pixelUnshuffle, channelShuffle, type ExpectsImage, type ChannelsNotDivisible, type SizeNotDivisible,
  type PixelShuffleShape, type PixelUnshuffleShape, type ChannelShuffleShape, type PixelShuffleFn, type PixelUnshuffleFn,
  type ChannelShuffleFn
} from './ops/shuffle.ts'
export {
  layerNorm, groupNorm, instanceNorm2d, type NormParams, type NormOptions, type EndsWith, type ExpectsChannels,
  type GroupsNotDividing, type ParamMismatch, type LayerNormShape, type GroupNormShape, type InstanceNorm2dShape,
  type LayerNormFn, type GroupNormFn, type InstanceNorm2dFn
} from './ops/normalization.ts'
export { dropout2d, type Dropout2dRank, type Dropout2dShape, type Dropout2dFn } from './ops/dropout2d.ts'
export { maxUnpool1d, maxUnpool2d, maxUnpool3d, type MaxUnpoolFn } from './ops/pool-indices.ts'
export { lpPool1d, lpPool2d, type LpPoolOptions, type LpPoolShape, type LpPoolFn } from './ops/lp-pool.ts'
export { fold, type FoldOptions, type FoldRank, type FoldRows, type FoldBlocks, type FoldShape, type FoldFn } from './ops/fold.ts'
// pad with a mode ('reflect', 'replicate', 'circular'); constant padding is layout's pad, which this one calls.
export { pad, type PadMode, type PadOptions, type PadModeFn, type PadModeShape } from './ops/pad.ts'

// Composition.
export { layer, sequential, residual, concatBranches, skip, type Layer, type SameShapeLayer, type Mode } from './layer.ts'
export { pipe } from './pipe.ts'
export { flattenTree, mapTree, zipTrees, countParameters, leaves, type Tree, type AnyTensor, type MapLeaves } from './tree.ts'

// Transformations.
export { valueAndGrad, valueAndGradWithAux, grad, vjp, type GradsOf, type GradOptions } from './autodiff/transforms.ts'
export { jit, jitTraces, type JitOptions } from './autodiff/jit.ts'

// Memory and the device.
export { scope, memory, trimMemory, type Memory } from './memory.ts'
export { realize } from './eager.ts'
export { LabelError, IndexError } from './faults.ts'
export { HigherOrderGradientError } from './core/primitive.ts'
export { backendInfo, pipelineCompilations, DeviceLostError, resetDevice } from './runtime/index.ts'
