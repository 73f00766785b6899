/** Layout ops: reshape, flatten, permute, transpose, concat, pad, slice. */
import type {
  Shape, Input, ShapeFn, Reshape, Flatten, Permute, Transpose, Concat, Pad, Slice, Checked, Output, SameDType, DTypeOf, FirstError, ShapeError,
} from '../../types/index.ts'
import { sameDType } from '../shape/dtype.ts'
import type { DType } from '../graph.ts'
import { bind } from '../core/bind.ts'
import { concatPrimitive, padPrimitive, permutePrimitive, reshapePrimitive, slicePrimitive } from '../core/ops.ts'
import { layer, type Layer } from '../layer.ts'
import { flattenShape, permutationOf, transposeShape, concatShape, normalizeAxis } from '../shape/layout.ts'
import { wrap, type Tensor } from '../tensor.ts'

export interface ReshapeFn<T extends Shape> extends ShapeFn {
  readonly op: 'reshape'
  readonly output: Reshape<Input<this>, T>
}
/**
 * Reshape to T; one dim may be -1 and is inferred from the element count.
 *
 * @example
 * import { arange, reshape, tensor } from 'shapewise'
 * const x = tensor([1, 2, 3, 4, 5, 6])
 * reshape([2, -1])(x).shape // → [2, 3]
 * await reshape([3, 2])(x).array() // → [[1, 2], [3, 4], [5, 6]]
 */
export const reshape = <const T extends Shape>(shape: T): Layer<ReshapeFn<T>> =>
  layer('reshape', (x) => wrap(bind(reshapePrimitive, [x.node], { shape })))

export interface FlattenFn<Start extends number> extends ShapeFn {
  readonly op: 'flatten'
  readonly output: Flatten<Input<this>, Start>
}
/**
 * Flattens the dims from startDim on (negative counts from the end).
 *
 * @example
 * import { zeros, flattenFrom } from 'shapewise'
 * flattenFrom(2)(zeros([2, 3, 4, 5])).shape // → [2, 3, 20]
 * flattenFrom(0)(zeros([2, 3])).shape // → [6]
 */
export const flattenFrom = <const Start extends number>(startDim: Start): Layer<FlattenFn<Start>> =>
  layer('flatten', (x) => wrap(bind(reshapePrimitive, [x.node], { shape: flattenShape(x.shape, startDim) })))
/**
 * Flattens everything but the batch dim: [N, …] → [N, product].
 *
 * @example
 * import { zeros, flatten } from 'shapewise'
 * flatten(zeros([8, 16, 5, 5])).shape // → [8, 400]
 */
export const flatten: Layer<FlattenFn<1>> = flattenFrom(1)

export interface PermuteFn<P extends Shape> extends ShapeFn {
  readonly op: 'permute'
  readonly output: Permute<Input<this>, P>
}
/**
 * Reorders dims: output dim i is input dim dims[i].
 *
 * @example
 * import { zeros, permute } from 'shapewise'
 * permute([0, 2, 3, 1])(zeros([8, 3, 32, 32])).shape // → [8, 32, 32, 3]
 */
export const permute = <const P extends Shape>(dims: P): Layer<PermuteFn<P>> =>
  layer('permute', (x) => wrap(bind(permutePrimitive, [x.node], { dims: permutationOf(x.shape, dims) })))

export interface TransposeFn<D0 extends number, D1 extends number> extends ShapeFn {
  readonly op: 'transpose'
  readonly output: Transpose<Input<this>, D0, D1>
}
/**
 * Swaps two dims.
 *
 * @example
 * import { tensor, transpose } from 'shapewise'
 * await transpose(0, 1)(tensor([[1, 2, 3], [4, 5, 6]])).array() // → [[1, 4], [2, 5], [3, 6]]
 */
export const transpose = <const D0 extends number, const D1 extends number>(dim0: D0, dim1: D1): Layer<TransposeFn<D0, D1>> =>
  layer('transpose', (x) => {
    transposeShape(x.shape, dim0, dim1)
    const dims = x.shape.map((_, i) => i)
    const [a, b] = [normalizeAxis('transpose', dim0, x.rank), normalizeAxis('transpose', dim1, x.rank)]
    ;[dims[a], dims[b]] = [dims[b], dims[a]]
    return wrap(bind(permutePrimitive, [x.node], { dims }))
  })

type ShapesOf<Ts extends readonly Tensor<Shape, DType>[]> = { [I in keyof Ts]: Ts[I] extends Tensor<infer S, DType> ? S : never }
/** The joined tensors share one dtype (the first one's): the first that differs is named. */
type ConcatDTypes<Ts extends readonly unknown[]> = Ts extends readonly [infer First, ...infer Rest]
  ? FirstError<{ [I in keyof Rest]: SameDType<'concat', DTypeOf<First>, DTypeOf<Rest[I]>> }> extends infer E extends ShapeError<string> ? E : true
  : true
type ConcatRule<Ts extends readonly Tensor<Shape, DType>[], Axis extends number> =
  ConcatDTypes<Ts> extends infer E extends ShapeError<string> ? E : Concat<ShapesOf<Ts>, Axis>

/**
 * Joins tensors of one dtype along an axis: sizes add up there and must agree elsewhere.
 *
 * @example
 * import { tensor, concat } from 'shapewise'
 * const y = concat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])], 0)
 * y.shape // → [3, 2]
 * await y.data() // → [1, 2, 3, 4, 5, 6]
 */
export function concat<const Ts extends readonly Tensor<Shape, DType>[], const Axis extends number>(
  tensors: Checked<Ts, ConcatRule<Ts, Axis>>,
  axis: Axis,
): Tensor<Output<ConcatRule<Ts, Axis>>, DTypeOf<Ts[0]>> {
  const ts = tensors as unknown as readonly Tensor<Shape, DType>[]
  for (const t of ts.slice(1)) sameDType('concat', ts[0].dtype, t.dtype)
  // The shape first: its message names an empty list, which has no rank to normalise the axis by.
  concatShape(ts.map((t) => t.shape), axis)
  return wrap(bind(concatPrimitive, ts.map((t) => t.node), { axis: normalizeAxis('concat', axis, ts[0].rank) }))
}

export interface PadFn<Pads extends readonly (readonly [number, number])[]> extends ShapeFn {
  readonly op: 'pad'
  readonly output: Pad<Input<this>, Pads>
}
/**
 * Constant padding: one [before, after] pair per dim, from the first dim.
 *
 * @example
 * import { tensor, pad } from 'shapewise'
 * await pad([[1, 2]], -1)(tensor([5, 6])).data() // → [-1, 5, 6, -1, -1]
 */
export const pad = <const Pads extends readonly (readonly [number, number])[]>(pads: Pads, value = 0): Layer<PadFn<Pads>> =>
  layer('pad', (x) => wrap(bind(padPrimitive, [x.node], { pads, value })))

export interface SliceFn<Start extends Shape, End extends Shape, Step extends Shape> extends ShapeFn {
  readonly op: 'slice'
  readonly output: Slice<Input<this>, Start, End, Step>
}
/**
 * Python-style slicing per dim: start (inclusive), end (exclusive, clamped), positive step.
 *
 * @example
 * import { tensor, slice } from 'shapewise'
 * const x = tensor([[1, 2, 3], [4, 5, 6]])
 * await slice({ start: [0, 1], end: [2, 3] })(x).array() // → [[2, 3], [5, 6]]
 * await slice({ start: [0, 0], end: [1, 3], step: [1, 2] })(x).array() // → [[1, 3]]
 */
export const slice = <const Start extends Shape, const End extends Shape, const Step extends Shape = []>(spec: {
  readonly start: Start
  readonly end: End
  readonly step?: Step
}): Layer<SliceFn<Start, End, Step>> =>
  layer('slice', (x) => wrap(bind(slicePrimitive, [x.node], { ...spec })))
