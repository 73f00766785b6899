/** Elementwise ops: unary math, cast, dropout, binary ops with NumPy broadcasting, where (the activations are in ./activations.ts). */
import type {
  Shape, Input, ShapeFn, Broadcast, Where, Checked, Output, SameShape, SameShapeOf, DTypeClass, AcceptDType, SameDType, DTypeOf, ShapeError,
} from '../../types/index.ts'
import type { DType } from '../graph.ts'
import { bind } from '../core/bind.ts'
import {
  absPrimitive, addPrimitive, castPrimitive, divPrimitive, equalPrimitive, erfPrimitive, expPrimitive, greaterPrimitive, lessPrimitive,
  logPrimitive, maximumPrimitive, minimumPrimitive, mulPrimitive, negPrimitive, powPrimitive, sqrtPrimitive, subPrimitive, tanhPrimitive,
  wherePrimitive, sameShape,
} from '../core/ops.ts'
import { definePrimitive, type PrimitiveDef } from '../core/primitive.ts'
import type { Params, Primitive } from '../core/params.ts'
import { lowerDropout } from './elementwise.wgsl.ts'
import { layer, checkMode, type Layer, type Mode } from '../layer.ts'
import { fail } from '../shape/errors.ts'
import { acceptDType } from '../shape/dtype.ts'
import { fromArray, wrap, Tensor } from '../tensor.ts'

const unary = <P extends Primitive, C extends DTypeClass = 'float'>(primitive: PrimitiveDef<P>, accepts: C, params: Params[P]): Layer<SameShapeOf<P, C>> =>
  layer(primitive.name, (x) => {
    acceptDType(primitive.name, 'input', x.dtype, accepts)
    return wrap(bind(primitive, [x.node], params))
  })

// The transcendental functions are float only (their kernels compute in f32); abs and neg also
// take int32, as in PyTorch. The activations (relu, gelu, …) are in ./activations.ts.
/**
 * The hyperbolic tangent.
 *
 * @example
 * import { tensor, tanh } from 'shapewise'
 * await tanh(tensor([0, 1])).data() // → [0, 0.7616]
 */
export const tanh = unary(tanhPrimitive, 'float', {})
/**
 * e^x.
 *
 * @example
 * import { tensor, exp } from 'shapewise'
 * await exp(tensor([0, 1])).data() // → [1, 2.7183]
 */
export const exp = unary(expPrimitive, 'float', {})
/**
 * The natural logarithm (NaN below 0, −∞ at 0).
 *
 * @example
 * import { tensor, log } from 'shapewise'
 * await log(tensor([1, Math.E])).data() // → [0, 1]
 */
export const log = unary(logPrimitive, 'float', {})
/**
 * The square root (NaN below 0).
 *
 * @example
 * import { tensor, sqrt } from 'shapewise'
 * await sqrt(tensor([4, 2])).data() // → [2, 1.4142]
 */
export const sqrt = unary(sqrtPrimitive, 'float', {})
/**
 * |x|; takes float32 and int32.
 *
 * @example
 * import { tensor, abs } from 'shapewise'
 * await abs(tensor([-3, 2], 'int32')).data() // → [3, 2]
 */
export const abs = unary(absPrimitive, 'numeric', {})
/**
 * −x; takes float32 and int32.
 *
 * @example
 * import { tensor, neg } from 'shapewise'
 * await neg(tensor([1.5, -2])).data() // → [-1.5, 2]
 */
export const neg = unary(negPrimitive, 'numeric', {})
/**
 * The Gauss error function.
 *
 * @example
 * import { tensor, erf } from 'shapewise'
 * await erf(tensor([0, 1])).data() // → [0, 0.8427]
 */
export const erf = unary(erfPrimitive, 'float', {})

/**
 * Converts to another dtype, as PyTorch's `x.to(dtype)`: float → int32
 * rounds toward zero, anything → bool is `x != 0`, bool → number gives 0 or 1.
 * Casting to the tensor's own dtype returns it unchanged. The explicit remedy
 * for ops that refuse a dtype (conv2d, linear, relu … take float32 only).
 *
 * @example
 * import { fromArray, tensor, cast, type Tensor } from 'shapewise'
 * const labels = fromArray([0, 2, 1], [3], 'int32')
 * const asFloat: Tensor<[3]> = cast('float32')(labels)
 * await asFloat.data() // → [0, 2, 1]
 * await cast('bool')(tensor([0, -0.5, 2])).data() // → [0, 1, 1]
 */
export const cast = <const D extends DType>(dtype: D): Layer<SameShape<'cast'>, D> => {
  if (!(['float32', 'int32', 'bool'] as unknown[]).includes(dtype)) fail(`cast: dtype must be 'float32', 'int32' or 'bool', got ${String(dtype)}`)
  return layer('cast', (x) => (x.dtype === dtype ? x : wrap(bind(castPrimitive, [x.node], { dtype }))))
}

export interface DropoutOptions extends Mode {
  /** Probability of zeroing an element. */
  readonly rate: number
  /**
   * Seed of the counter-based mask; the same seed gives the same mask. Under
   * `jit`, pass it as a scalar int32 tensor argument so each step draws a new
   * mask without tracing again (a number is baked into the compiled step).
   */
  readonly seed: number | Tensor<[], 'int32'>
  /** Dropout only acts in training (`true`); to evaluate (`false`) it is the identity. */
  readonly training: boolean
}
/**
 * Inverted dropout: zeroes elements with probability `rate` and scales the rest by 1/(1−rate).
 *
 * @example
 * import { ones, dropout } from 'shapewise'
 * // In training, each element is zeroed with probability `rate`, the others are scaled by 1/(1 − rate).
 * const kept = await dropout({ rate: 0.5, training: true, seed: 7 })(ones([1000])).data()
 * kept.every((v) => v === 0 || v === 2) // → true
 * // Outside training it is the identity.
 * await dropout({ rate: 0.5, training: false, seed: 7 })(ones([3])).data() // → [1, 1, 1]
 */
export const dropout = (options: DropoutOptions): Layer<SameShapeOf<'dropout', 'float'>> => {
  if (!(options.rate >= 0 && options.rate < 1)) throw new RangeError(`dropout: rate must be in [0, 1), got ${options.rate}`)
  checkMode('dropout', options)
  const { seed } = options
  // Only the op's own options: a step context spread in (`dropout({ rate, ...context })`) carries more.
  const rest = { rate: options.rate, training: options.training }
  if (typeof seed !== 'number' && (seed.dtype !== 'int32' || seed.size !== 1)) fail(`dropout: a seed tensor must be one int32 value, got ${seed}`)
  return layer('dropout', (x) => {
    acceptDType('dropout', 'input', x.dtype, 'float')
    if (!options.training || options.rate === 0) return x
    const inputs = typeof seed === 'number' ? [x.node] : [x.node, seed.node]
    return wrap(bind(dropoutPrimitive, inputs, typeof seed === 'number' ? { ...rest, seed } : rest))
  })
}

// The same seed and rate reproduce the mask, scaled by 1/(1 − rate); the seed input (if any) gets nothing.
export const dropoutPrimitive: PrimitiveDef<'dropout'> = definePrimitive('dropout', {
  shape: sameShape,
  vjp: ({ node, dy }) => [wrap(bind(dropoutPrimitive, [dy.node, ...node.inputs.slice(1)], node.params)), null],
  lower: lowerDropout,
})

// ------------------------------------------------------------ binary

type Operand = Tensor<Shape, DType> | number
type OperandShape<T> = T extends Tensor<infer S, DType> ? S : []

/**
 * The dtype rule of a binary op: numbers (float32 or int32) on both sides and,
 * for two tensors, one dtype (a plain number adapts to the tensor). Mixing
 * is refused rather than promoted, so no conversion happens behind your back:
 * say which one you mean with `cast`. Checked before the shapes.
 */
type BinaryRule<Op extends string, DA extends DType, B, Shapes> = AcceptDType<Op, 'input', DA, 'numeric'> extends infer E extends ShapeError<string>
  ? E
  : [DTypeOf<B>] extends [never] ? Shapes : SameDType<Op, DA, DTypeOf<B>> extends infer E extends ShapeError<string> ? E : Shapes

export interface BroadcastFn<Op extends string, B extends Shape, DB extends DType | undefined> extends ShapeFn {
  readonly op: Op
  readonly accepts: 'numeric'
  readonly sameDTypeAs: DB
  readonly output: Broadcast<Op, Input<this>, B>
}

/** A binary op: called with two operands it applies now; with one it is the data-last layer x ↦ op(x, b). */
/** Out: the result's dtype, or 'same' for the first operand's (comparisons give bool). */
export interface BinaryOp<Op extends string, Out extends DType | 'same' = 'same'> {
  <A extends Shape, DA extends DType, const B extends Operand>(
    a: Tensor<A, DA>,
    b: Checked<B, BinaryRule<Op, DA, B, Broadcast<Op, A, OperandShape<B>>>>,
  ): Tensor<Output<BinaryRule<Op, DA, B, Broadcast<Op, A, OperandShape<B>>>>, Out extends DType ? Out : DA>
  <const B extends Operand>(b: B): Layer<BroadcastFn<Op, OperandShape<B>, [DTypeOf<B>] extends [never] ? undefined : DTypeOf<B>>, Out>
}

/**
 * A plain number next to a tensor of dtype `like`: it takes that dtype, as in
 * PyTorch, except that a fraction stays float32 (so `int32 + 0.5` is refused
 * as mixed dtypes instead of silently truncating 0.5 to 0).
 */
const asTensor = (v: Operand, like: DType = 'float32'): Tensor<Shape, DType> =>
  typeof v === 'number' ? fromArray([v], [], like === 'float32' || Number.isInteger(v) ? like : 'float32') : v

const applyBinary = (primitive: PrimitiveDef<BinaryName>, a: Tensor<Shape, DType>, b: Operand) => {
  acceptDType(primitive.name, 'input', a.dtype, 'numeric')
  const bt = asTensor(b, a.dtype === 'bool' ? 'float32' : a.dtype)
  return wrap(bind(primitive, [a.node, bt.node], {}))
}

const binary = <Op extends BinaryName, Out extends DType | 'same' = 'same'>(primitive: PrimitiveDef<Op>): BinaryOp<Op, Out> =>
  ((...args: [Tensor<Shape, DType>, Operand] | [Operand]) =>
    args.length === 2 ? applyBinary(primitive, args[0], args[1]) : layer(primitive.name, (x) => applyBinary(primitive, x, args[0]))) as unknown as BinaryOp<Op, Out>

/**
 * a + b elementwise, NumPy broadcasting; `add(b)` alone is the layer x ↦ x + b.
 *
 * @example
 * import { tensor, add } from 'shapewise'
 * await add(tensor([[1, 2], [3, 4]]), tensor([10, 20])).data() // → [11, 22, 13, 24]
 * await add(1)(tensor([1, 2])).data() // → [2, 3]
 */
export const add = binary(addPrimitive)
/**
 * a − b elementwise, NumPy broadcasting.
 *
 * @example
 * import { tensor, sub } from 'shapewise'
 * await sub(tensor([5, 7]), 2).data() // → [3, 5]
 */
export const sub = binary(subPrimitive)
/**
 * a · b elementwise, NumPy broadcasting.
 *
 * @example
 * import { tensor, mul } from 'shapewise'
 * await mul(tensor([1, 2, 3]), tensor([2])).data() // → [2, 4, 6]
 */
export const mul = binary(mulPrimitive)
/**
 * a / b elementwise, NumPy broadcasting.
 *
 * @example
 * import { tensor, div } from 'shapewise'
 * await div(tensor([1, 3]), 2).data() // → [0.5, 1.5]
 */
export const div = binary(divPrimitive)
/**
 * The larger of a and b elementwise (NaN if either is NaN, as torch.maximum).
 *
 * @example
 * import { tensor, maximum } from 'shapewise'
 * await maximum(tensor([1, 5]), tensor([3, 2])).data() // → [3, 5]
 */
export const maximum = binary(maximumPrimitive)
/**
 * The smaller of a and b elementwise (NaN if either is NaN, as torch.minimum).
 *
 * @example
 * import { tensor, minimum } from 'shapewise'
 * await minimum(tensor([1, 5]), tensor([3, 2])).data() // → [1, 2]
 */
export const minimum = binary(minimumPrimitive)
/**
 * a to the power b elementwise.
 *
 * @example
 * import { tensor, pow } from 'shapewise'
 * await pow(tensor([2, 9]), tensor([3, 0.5])).data() // → [8, 3]
 */
export const pow = binary(powPrimitive)
/**
 * a > b elementwise, as a bool tensor.
 *
 * @example
 * import { tensor, greater } from 'shapewise'
 * const mask = greater(tensor([1, 5, 3]), 3)
 * mask.dtype // → 'bool'
 * await mask.data() // → [0, 1, 0]
 */
export const greater = binary<'greater', 'bool'>(greaterPrimitive)
/**
 * a < b elementwise, as a bool tensor.
 *
 * @example
 * import { tensor, less } from 'shapewise'
 * await less(tensor([1, 5, 3]), 3).data() // → [1, 0, 0]
 */
export const less = binary<'less', 'bool'>(lessPrimitive)
/**
 * a == b elementwise, as a bool tensor.
 *
 * @example
 * import { tensor, equal } from 'shapewise'
 * await equal(tensor([1, 5, 3]), tensor([1, 2, 3])).data() // → [1, 0, 1]
 */
export const equal = binary<'equal', 'bool'>(equalPrimitive)
type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'greater' | 'less' | 'equal'

/** The dtype of where's result: its tensor operands' (a number adapts), float32 for two numbers. */
type WhereDType<A, B> = [DTypeOf<A>] extends [never] ? ([DTypeOf<B>] extends [never] ? 'float32' : DTypeOf<B>) : DTypeOf<A>
type WhereRule<C extends Shape, A, B> = [DTypeOf<A>] extends [never]
  ? Where<C, OperandShape<A>, OperandShape<B>>
  : [DTypeOf<B>] extends [never]
    ? Where<C, OperandShape<A>, OperandShape<B>>
    : SameDType<'where', DTypeOf<A>, DTypeOf<B>> extends infer E extends ShapeError<string> ? E : Where<C, OperandShape<A>, OperandShape<B>>

/**
 * where(cond, a, b): a where cond is true, else b, all three broadcast
 * together; a and b share a dtype, and either may be a number (which takes
 * the other's dtype).
 *
 * @example
 * import { tensor, greater, where } from 'shapewise'
 * const x = tensor([-2, 0, 3])
 * await where(greater(x, 0), x, 0).data() // → [0, 0, 3]
 */
export function where<C extends Shape, const A extends Operand, const B extends Operand>(
  cond: Tensor<C, 'bool'>,
  a: A,
  b: Checked<B, WhereRule<C, A, B>>,
): Tensor<Output<WhereRule<C, A, B>>, WhereDType<A, B>> {
  if (cond.dtype !== 'bool') fail(`where: the condition must be a bool tensor, got ${cond.dtype}`)
  const like = typeof a !== 'number' ? a.dtype : typeof b !== 'number' ? (b as Tensor<Shape, DType>).dtype : 'float32'
  const [at, bt] = [asTensor(a, like), asTensor(b as Operand, like)]
  return wrap(bind(wherePrimitive, [cond.node, at.node, bt.node], {}))
}
