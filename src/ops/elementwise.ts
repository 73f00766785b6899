/** Elementwise ops: unary activations and math, binary ops with NumPy broadcasting, where. */
import type { Shape, Input, ShapeFn, Broadcast, Where, Checked, Output } from '../../types/index.ts'
import { makeNode, type DType } from '../graph.ts'
import type { OpName } from './names.ts'

type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'greater' | 'less' | 'equal'
import { layer, checkMode, type Layer, type SameShapeLayer, type Mode } from '../layer.ts'
import { broadcastShapes } from '../shape/layout.ts'
import { fail } from '../shape/errors.ts'
import { fromArray, wrap, Tensor } from '../tensor.ts'

const unary = <Op extends OpName>(op: Op, attrs: Record<string, unknown> = {}): SameShapeLayer<Op> =>
  layer(op, (x) => wrap(makeNode(op, [x.node], attrs, x.shape, x.dtype)))

export const relu = unary('relu')
export const sigmoid = unary('sigmoid')
export const tanh = unary('tanh')
/** GELU with the exact erf form (PyTorch's default). */
export const gelu = unary('gelu', { approximate: 'none' })
/** GELU with the tanh approximation. */
export const geluTanh = unary('gelu', { approximate: 'tanh' })
export const exp = unary('exp')
export const log = unary('log')
export const sqrt = unary('sqrt')
export const abs = unary('abs')
export const neg = unary('neg')
/** The Gauss error function. */
export const erf = unary('erf')

/** Leaky ReLU with the given slope for negative inputs (PyTorch's default 0.01). */
export const leakyRelu = (options: { readonly negativeSlope?: number } = {}): SameShapeLayer<'leakyRelu'> =>
  unary('leakyRelu', { negativeSlope: options.negativeSlope ?? 0.01 })

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
/** Inverted dropout: zeroes elements with probability `rate` and scales the rest by 1/(1−rate). */
export const dropout = (options: DropoutOptions): SameShapeLayer<'dropout'> => {
  if (!(options.rate >= 0 && options.rate < 1)) throw new RangeError(`dropout: rate must be in [0, 1), got ${options.rate}`)
  checkMode('dropout', options)
  const { seed, ...rest } = options
  if (typeof seed !== 'number' && (seed.dtype !== 'int32' || seed.size !== 1)) fail(`dropout: a seed tensor must be one int32 value, got ${seed}`)
  return layer('dropout', (x) => {
    if (!options.training || options.rate === 0) return x
    const inputs = typeof seed === 'number' ? [x.node] : [x.node, seed.node]
    return wrap(makeNode('dropout', inputs, typeof seed === 'number' ? { ...rest, seed } : rest, x.shape, x.dtype))
  })
}

// ------------------------------------------------------------ binary

type Operand = Tensor<Shape, DType> | number
type OperandShape<T> = T extends Tensor<infer S, DType> ? S : []
/** PyTorch's promotion for our dtypes: float32 wins; a plain number keeps the tensor's dtype. */
type Promote<DA extends DType, B> = B extends Tensor<Shape, infer DB> ? (DA extends 'float32' ? DA : DB extends 'float32' ? 'float32' : DA) : DA

export interface BroadcastFn<Op extends string, B extends Shape> extends ShapeFn {
  readonly op: Op
  readonly output: Broadcast<Op, Input<this>, B>
}

/** A binary op: called with two operands it applies now; with one it is the data-last layer x ↦ op(x, b). */
/** Out: the result's dtype, or 'same' for the first operand's (comparisons give bool). */
export interface BinaryOp<Op extends string, Out extends DType | 'same' = 'same'> {
  <A extends Shape, DA extends DType, const B extends Operand>(
    a: Tensor<A, DA>,
    b: Checked<B, Broadcast<Op, A, OperandShape<B>>>,
  ): Tensor<Output<Broadcast<Op, A, OperandShape<B>>>, Out extends DType ? Out : Promote<DA, B>>
  <const B extends Operand>(b: B): Layer<BroadcastFn<Op, OperandShape<B>>, Out>
}

const asTensor = (v: Operand): Tensor<Shape, DType> => (typeof v === 'number' ? fromArray([v], []) : v)

const applyBinary = (op: BinaryName, a: Tensor<Shape, DType>, b: Operand) => {
  // A plain integer keeps an int32 tensor int32 (as in PyTorch); anything else is float32.
  const bt = typeof b === 'number' ? fromArray([b], [], a.dtype === 'int32' && Number.isInteger(b) ? 'int32' : 'float32') : b
  const dtype = op === 'greater' || op === 'less' || op === 'equal' ? 'bool' : a.dtype === 'float32' || bt.dtype === 'float32' ? 'float32' : a.dtype
  return wrap(makeNode(op, [a.node, bt.node], {}, broadcastShapes(op, a.shape, bt.shape), dtype))
}

const binary = <Op extends BinaryName, Out extends DType | 'same' = 'same'>(op: Op): BinaryOp<Op, Out> =>
  ((...args: [Tensor<Shape, DType>, Operand] | [Operand]) =>
    args.length === 2 ? applyBinary(op, args[0], args[1]) : layer(op, (x) => applyBinary(op, x, args[0]))) as unknown as BinaryOp<Op, Out>

export const add = binary('add')
export const sub = binary('sub')
export const mul = binary('mul')
export const div = binary('div')
export const maximum = binary('maximum')
export const minimum = binary('minimum')
export const pow = binary('pow')
/** a > b elementwise, as a bool tensor. */
export const greater = binary<'greater', 'bool'>('greater')
/** a < b elementwise, as a bool tensor. */
export const less = binary<'less', 'bool'>('less')
/** a == b elementwise, as a bool tensor. */
export const equal = binary<'equal', 'bool'>('equal')

/** where(cond, a, b): a where cond is true, else b, all three broadcast together; a and b may be numbers. */
export function where<C extends Shape, const A extends Operand, const B extends Operand>(
  cond: Tensor<C, 'bool'>,
  a: A,
  b: Checked<B, Where<C, OperandShape<A>, OperandShape<B>>>,
): Tensor<Output<Where<C, OperandShape<A>, OperandShape<B>>>> {
  if (cond.dtype !== 'bool') fail(`where: the condition must be a bool tensor, got ${cond.dtype}`)
  const [at, bt] = [asTensor(a), asTensor(b as Operand)]
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, at.shape), bt.shape)
  return wrap(makeNode('where', [cond.node, at.node, bt.node], {}, shape, 'float32'))
}
