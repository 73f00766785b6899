/**
 * shapewise/types: type-level arithmetic and the types of the shape rules. No runtime code lives
 * here. The arithmetic (nat), tuple helpers (shape), errors and shape functions (layer) are
 * defined in this folder; each op family's shape rule is defined in src/shape/ beside its
 * run-time twin, and re-exported here under its published name.
 */
export type * from './nat.ts'
export type * from './errors.ts'
export type * from './shape.ts'
export type * from './layer.ts'
export type { ShapeText, Spatial, AxisValue, LayoutText } from '../src/shape/errors.ts'
export type {
  CheckOptions, OptionKind, OptionSpec, CheckKeys, CheckSpelling, OptionsLike, SpelledOptions, Misspelled, IfSpelled,
} from '../src/shape/options.ts'
export type {
  DType, DTypeOf, DTypeClass, DTypesOf, DTypeClassText, AcceptDType, SameDType, DTypeRule, ApplyLayer, SameShapeOf,
} from '../src/shape/dtype.ts'
export type {
  ConvOptions, ConvTransposeOptions, ConvSpec, ConvTransposeSpec, ConvAxis, ConvTransposeAxis, ConvShape, ConvTransposeShape,
} from '../src/shape/conv.ts'
export type {
  PoolOptions, MaxPoolOptions, AvgPoolOptions, PoolAxis, PoolShape, AdaptivePoolShape, GlobalPoolShape, UpsampleOptions,
  UpsampleShape, BatchNormShape, MaxPoolSpec, AvgPoolSpec, UpsampleSpec, OutputSizeSpec,
} from '../src/shape/pool.ts'
export type { InterpolateMode, InterpolateOptions, InterpolateShape, InterpolateKeys } from '../src/shape/interpolate.ts'
export type {
  NormalizeAxis, Broadcast, Reshape, Flatten, Permute, Transpose, Concat, Reduce, Matmul, Linear, ShapeOfNested, Pad, Slice, Where,
} from '../src/shape/layout.ts'
export type { MaxUnpoolOptions, MaxUnpoolShape, MaxUnpoolSpec, UnpoolAxis, IndicesDType, SpatialOutputSize } from '../src/shape/unpool.ts'
export type { SequentialShape, ResidualShape, ConcatBranchesShape, SkipMerge, SkipShape } from '../src/shape/layer.ts'
