/**
 * Max pooling's indices and max unpooling, the pair SegNet-style decoders use (PyTorch's
 * `return_indices=True` and F.max_unpool1d/2d/3d). An index is the flat position of a window's
 * maximum in its own (n, c) plane of the pooled input, row-major (h·W + w), as PyTorch's; shapewise
 * keeps it as int32. `maxPool1d/2d/3d({ …, returnIndices: true })` (src/ops/pool.ts) builds the values
 * node it always builds and, beside it, the `maxPoolIndices` node defined here; `maxUnpool1d/2d/3d`
 * write the values back at their indices into zeros, and their gradient reads the cotangent back
 * from the same indices (a gather, `maxUnpoolGrad`).
 */
import type { Shape, Input, ShapeFn, Checked, CheckKeys, SpelledOptions, IfSpelled, OptionsLike } from '../../types/index.ts'
import { bind } from '../core/bind.ts'
import type { PoolParams, SpatialRank } from '../core/params.ts'
import { definePrimitive, noGradient, noSecondDerivative, type PrimitiveDef } from '../core/primitive.ts'
import type { DType, Node } from '../graph.ts'
import { layer, type Layer } from '../layer.ts'
import { acceptDType, DTypeError } from '../shape/dtype.ts'
import { checkOptionsSpelling } from '../shape/options.ts'
import { poolShape } from '../shape/pool.ts'
import {
  maxUnpoolShape, maxUnpoolSpec, checkIndicesDType, spatialOutputSize, type IndicesDType, type MaxUnpoolOptions, type MaxUnpoolShape, type MaxUnpoolSpec,
} from '../shape/unpool.ts'
import { wrap, type Tensor } from '../tensor.ts'
import type { AnyTensor } from '../tree.ts'
import { lowerMaxPoolIndices, lowerMaxUnpool, lowerMaxUnpoolGrad } from './pool-indices.wgsl.ts'

export type MaxUnpoolParams = MaxUnpoolOptions & { readonly rank: number }

declare module '../core/params.ts' {
  interface Params {
    /** The int32 indices of a maxPool1d/2d/3d node with the same parameters (its op named by the rank). */
    readonly maxPoolIndices: PoolParams
    readonly maxUnpool1d: MaxUnpoolParams
    readonly maxUnpool2d: MaxUnpoolParams
    readonly maxUnpool3d: MaxUnpoolParams
    /** Inputs [indices, dy]: maxUnpool's input gradient. */
    readonly maxUnpoolGrad: NoParams
  }
}

/** The public op a node of rank `rank` belongs to, for messages. */
const maxPoolOp = (rank: number) => `maxPool${rank}d`

const maxPoolIndicesPrimitive = definePrimitive('maxPoolIndices', {
  shape: ([x], params) => ({ shape: poolShape(maxPoolOp(params.rank), params.rank, x.shape, params), dtype: 'int32' }),
  vjp: noGradient,
  lower: lowerMaxPoolIndices,
})

const maxUnpoolGradPrimitive = definePrimitive('maxUnpoolGrad', {
  shape: ([indices]) => ({ shape: indices.shape, dtype: 'float32' }),
  vjp: noSecondDerivative('maxUnpool'),
  lower: lowerMaxUnpoolGrad,
})

type UnpoolOp = 'maxUnpool1d' | 'maxUnpool2d' | 'maxUnpool3d'

const unpoolPrimitive = <Op extends UnpoolOp>(op: Op): PrimitiveDef<Op> =>
  definePrimitive(op, {
    shape: ([values, indices]: readonly Node[], params: MaxUnpoolParams) => ({ shape: maxUnpoolShape(op, params.rank, values.shape, indices.shape, params), dtype: values.dtype }),
    // The values' cotangent is dy at their indices; the indices have none.
    vjp: ({ inputs: [, indices], dy }) => [wrap(bind(maxUnpoolGradPrimitive, [indices.node, dy.node], {})), null],
    lower: lowerMaxUnpool,
  })
const maxUnpool1dPrimitive = unpoolPrimitive('maxUnpool1d')
const maxUnpool2dPrimitive = unpoolPrimitive('maxUnpool2d')
const maxUnpool3dPrimitive = unpoolPrimitive('maxUnpool3d')
const unpools = { maxUnpool1d: maxUnpool1dPrimitive, maxUnpool2d: maxUnpool2dPrimitive, maxUnpool3d: maxUnpool3dPrimitive }

/** The primitives of this module, for the registry (src/core/registry.ts); internal, as the module's default export. */
const POOL_INDICES = {
  maxPoolIndices: maxPoolIndicesPrimitive,
  maxUnpool1d: maxUnpool1dPrimitive,
  maxUnpool2d: maxUnpool2dPrimitive,
  maxUnpool3d: maxUnpool3dPrimitive,
  maxUnpoolGrad: maxUnpoolGradPrimitive,
}
export default POOL_INDICES

/** The int32 indices of a max pool's maxima (the pool's options, checked by the values' node first). */
export const maxPoolIndicesOf = (x: AnyTensor, params: PoolParams): AnyTensor => wrap(bind(maxPoolIndicesPrimitive, [x.node], params))

// ------------------------------------------------------------ maxUnpool layers

export interface MaxUnpoolFn<Op extends string, Rank extends number, I extends Shape, O> extends ShapeFn {
  readonly op: Op
  readonly accepts: 'float'
  readonly output: MaxUnpoolShape<Op, Rank, Input<this>, I, O>
}

type UnpoolKeys<Op extends string, O> = CheckKeys<Op, O, MaxUnpoolSpec, 'kernelSize'>
/** A maxUnpool layer factory: the indices first (their dtype checked there), then the options (their keys checked there). */
type UnpoolOf<Op extends string, Rank extends number> = <I extends Shape, D extends DType, const O extends OptionsLike<MaxUnpoolOptions>>(
  indices: Checked<Tensor<I, D>, IndicesDType<Op, D>>,
  options: SpelledOptions<O, UnpoolKeys<Op, O>>,
) => Layer<IfSpelled<UnpoolKeys<Op, O>, MaxUnpoolFn<Op, Rank, I, O>>>

const unpoolLayer = (op: UnpoolOp, rank: SpatialRank) => (indices: AnyTensor, given: MaxUnpoolOptions) => {
  checkIndicesDType(op, indices.dtype, (message) => new DTypeError(message))
  const options = spatialOutputSize(given, rank)
  checkOptionsSpelling(op, options, maxUnpoolSpec, ['kernelSize'], rank)
  return layer(op, (values) => {
    acceptDType(op, 'input', values.dtype, 'float')
    return wrap(bind(unpools[op] as PrimitiveDef<UnpoolOp>, [values.node, indices.node], { ...options, rank }))
  })
}

/**
 * Max unpooling over [N, C, L]: the inverse of `maxPool1d({ …, returnIndices: true })` up to the
 * non-maxima, which are zero (PyTorch's F.max_unpool1d). Give the pool's kernelSize, stride and
 * padding; the output length is (L − 1)·stride + kernelSize − 2·padding unless `outputSize` says
 * otherwise (strictly within a stride of it, as PyTorch requires; a pool with ceilMode or an odd
 * length may need it; the pooled input's whole shape, as PyTorch's `output_size=x.size()`, works too). The indices are int32 and must have the values' shape; one outside the
 * output's plane is skipped and the next read throws an IndexError (PyTorch raises).
 *
 * @example
 * import { tensor, maxPool1d, maxUnpool1d } from 'shapewise'
 * const [values, indices] = maxPool1d({ kernelSize: 2, returnIndices: true })(tensor([[[1, 5, 4, 3, 2]]]))
 * await maxUnpool1d(indices, { kernelSize: 2, outputSize: 5 })(values).data() // → [0, 5, 4, 0, 0]
 */
export const maxUnpool1d = unpoolLayer('maxUnpool1d', 1) as UnpoolOf<'maxUnpool1d', 1>

/**
 * Max unpooling over [N, C, H, W]: each value written back at its index (the flat position h·W + w
 * in its plane, as `maxPool2d({ …, returnIndices: true })` gives it), zeros elsewhere (PyTorch's
 * F.max_unpool2d). Output size per axis: (in − 1)·stride + kernelSize − 2·padding, or `outputSize`
 * (the pooled input's spatial sizes, or its whole shape), strictly within a stride of that. An index outside the
 * plane is skipped and the next read throws an IndexError (PyTorch raises).
 *
 * @example
 * import { tensor, maxPool2d, maxUnpool2d } from 'shapewise'
 * const x = tensor([[[[1, 2, 3, 4], [8, 7, 6, 5], [9, 0, 1, 2], [3, 4, 7, 5]]]])
 * const [values, indices] = maxPool2d({ kernelSize: 2, returnIndices: true })(x)
 * await indices.data() // → [4, 6, 8, 14]
 * await maxUnpool2d(indices, { kernelSize: 2 })(values).array() // → [[[[0, 0, 0, 0], [8, 0, 6, 0], [9, 0, 0, 0], [0, 0, 7, 0]]]]
 */
export const maxUnpool2d = unpoolLayer('maxUnpool2d', 2) as UnpoolOf<'maxUnpool2d', 2>

/**
 * Max unpooling over [N, C, D, H, W]: each value written back at its index (the flat position
 * (d·H + h)·W + w in its volume, as `maxPool3d({ …, returnIndices: true })` gives it), zeros
 * elsewhere (PyTorch's F.max_unpool3d). Output size per axis: (in − 1)·stride + kernelSize −
 * 2·padding, or `outputSize`, strictly within a stride of that.
 *
 * @example
 * import { tensor, maxPool3d, maxUnpool3d } from 'shapewise'
 * const [values, indices] = maxPool3d({ kernelSize: 2, returnIndices: true })(tensor([[[[[1, 5], [2, 3]], [[8, 4], [6, 7]]]]]))
 * await maxUnpool3d(indices, { kernelSize: 2 })(values).data() // → [0, 0, 0, 0, 8, 0, 0, 0]
 */
export const maxUnpool3d = unpoolLayer('maxUnpool3d', 3) as UnpoolOf<'maxUnpool3d', 3>
