/** Reductions (sum, mean, max, argmax) and the softmax family. */
import type { Shape, Input, ShapeFn, Reduce, NormalizeAxis, ShapeError, CheckKeys, SpelledOptions, IfSpelled } from '../../types/index.ts'
import { bind } from '../core/bind.ts'
import { argmaxPrimitive, logSoftmaxPrimitive, maxPrimitive, meanPrimitive, softmaxPrimitive, sumPrimitive } from '../core/ops.ts'

const primitives = { sum: sumPrimitive, mean: meanPrimitive, max: maxPrimitive, argmax: argmaxPrimitive }
import { layer, type Layer } from '../layer.ts'
import { reducedAxes, normalizeAxis } from '../shape/layout.ts'
import { acceptDType } from '../shape/dtype.ts'
import { checkOptionsSpelling } from '../shape/options.ts'
import { wrap } from '../tensor.ts'
import { fail, shapeText } from '../shape/errors.ts'

export interface ReduceOptions {
  /** The axis or axes to reduce (negative counts from the end); all when absent. */
  readonly axis?: number | readonly number[]
  readonly keepDims?: boolean
}

export interface ReduceFn<Op extends string, O extends ReduceOptions> extends ShapeFn {
  readonly op: Op
  /** mean is float only, as in PyTorch; sum, max and argmax take integers too. */
  readonly accepts: Op extends 'mean' ? 'float' : 'numeric'
  readonly output: Reduce<Op, Input<this>, O extends { readonly axis: infer A } ? A : undefined, O extends { readonly keepDims: true } ? true : false>
}

/** The options of a reduction, in the order they are checked; a typo (`keepdims`) is an error, not a silent default. */
export type ReduceSpec = readonly [['axis', 'axes'], ['keepDims', 'flag']]
const reduceSpec: ReduceSpec = [['axis', 'axes'], ['keepDims', 'flag']]
type ReduceKeys<Op extends string, O> = CheckKeys<Op, O, ReduceSpec, never>
/** Any key is let through to CheckKeys, which names the unknown ones. */
type ReduceOptionsLike = ReduceOptions & { readonly [key: string]: unknown }

const reduction = <Op extends 'sum' | 'mean' | 'max' | 'argmax'>(op: Op) => <const O extends ReduceOptionsLike = {}>(
  spelled?: SpelledOptions<O, ReduceKeys<Op, O>>,
): Layer<IfSpelled<ReduceKeys<Op, O>, ReduceFn<Op, O>>> => {
  if (spelled !== undefined) checkOptionsSpelling(op, spelled, reduceSpec, [], 0)
  const options = spelled as ReduceOptions | undefined
  return layer(op, (x) => {
    acceptDType(op, 'input', x.dtype, op === 'mean' ? 'float' : 'numeric')
    const keepDims = options?.keepDims ?? false
    const axes = reducedAxes(op, x.shape, options?.axis)
    // A sum over nothing is 0 and a mean NaN; a maximum of nothing has no value (PyTorch raises too).
    if ((op === 'max' || op === 'argmax') && axes.some((a) => x.shape[a] === 0)) fail(`${op}: cannot reduce over an empty dimension (shape ${shapeText(x.shape)})`)
    return wrap(bind(primitives[op], [x.node], { axes, keepDims }))
  })
}

/**
 * Sum over `axis` (a number, a list, or all axes when absent); `keepDims` keeps the reduced axes as size 1.
 *
 * @example
 * import { tensor, sum } from 'shapewise'
 * const x = tensor([[1, 2, 3], [4, 5, 6]])
 * await sum()(x).data() // → [21]
 * await sum({ axis: 1 })(x).data() // → [6, 15]
 * sum({ axis: 0, keepDims: true })(x).shape // → [1, 3]
 */
export const sum = reduction('sum')
/**
 * Mean over `axis` (a number, a list, or all axes when absent); float32 only.
 *
 * @example
 * import { tensor, mean } from 'shapewise'
 * await mean({ axis: 0 })(tensor([[1, 2], [3, 6]])).data() // → [2, 4]
 */
export const mean = reduction('mean')
/**
 * Maximum over `axis` (torch.amax): NaN wins, as in PyTorch.
 *
 * @example
 * import { tensor, max } from 'shapewise'
 * await max({ axis: 1 })(tensor([[1, 7, 3], [4, 2, 0]])).data() // → [7, 4]
 */
export const max = reduction('max')
/**
 * Index of the largest value along one axis (or of the flattened tensor); int32.
 *
 * @example
 * import { tensor, argmax } from 'shapewise'
 * const best = argmax({ axis: 1 })(tensor([[1, 7, 3], [4, 2, 0]]))
 * best.dtype // → 'int32'
 * await best.data() // → [1, 0]
 */
export const argmax = reduction('argmax') as unknown as <const O extends { readonly axis?: number; readonly keepDims?: boolean; readonly [key: string]: unknown } = {}>(
  options?: SpelledOptions<O, ReduceKeys<'argmax', O>>,
) => Layer<IfSpelled<ReduceKeys<'argmax', O>, ReduceFn<'argmax', O>>, 'int32'>

export interface AxisFn<Op extends string, Axis extends number> extends ShapeFn {
  readonly op: Op
  readonly accepts: 'float'
  readonly output: NormalizeAxis<Op, Axis, Input<this>['length']> extends infer A
    ? A extends ShapeError<string> ? A : Input<this>
    : never
}

const alongAxis = <Op extends 'softmax' | 'logSoftmax'>(op: Op) => <const Axis extends number = -1>(options?: { readonly axis?: Axis }): Layer<AxisFn<Op, Axis>> =>
  layer(op, (x) => {
    acceptDType(op, 'input', x.dtype, 'float')
    return wrap(bind(op === 'softmax' ? softmaxPrimitive : logSoftmaxPrimitive, [x.node], { axis: normalizeAxis(op, options?.axis ?? -1, x.rank) }))
  })

/**
 * Softmax along an axis (default the last), computed stably (max subtracted first).
 *
 * @example
 * import { tensor, softmax } from 'shapewise'
 * await softmax()(tensor([[0, Math.log(3)]])).data() // → [0.25, 0.75]
 */
export const softmax = alongAxis('softmax')
/**
 * log(softmax(x)) along an axis, computed stably as x − max − log Σ exp(x − max).
 *
 * @example
 * import { tensor, logSoftmax } from 'shapewise'
 * await logSoftmax()(tensor([0, 0])).data() // → [-0.6931, -0.6931]
 */
export const logSoftmax = alongAxis('logSoftmax')
