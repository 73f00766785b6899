/**
 * What a primitive is: a name, typed parameters, a shape/dtype rule, a vector-Jacobian rule and a
 * lowering to WGSL, in one object. A graph node points at the definition of its primitive, so the
 * compiler, autodiff and `bind` find everything about it there, typed by its parameters.
 */
import type { DType, Node, NodeOf } from '../graph.ts'
import type { Expr, ExprIO, KernelTarget, Lowering } from '../compiler/kernel.ts'
import type { AnyTensor } from '../tree.ts'
import type { Params, Primitive } from './params.ts'

/** The abstract value of a node: what its shape rule computes. */
export interface Abstract {
  readonly shape: readonly number[]
  readonly dtype: DType
}

export interface VjpContext<P extends Primitive> {
  readonly node: NodeOf<P>
  readonly params: Params[P]
  /** The primitive's inputs, as tensors. */
  readonly inputs: readonly AnyTensor[]
  /** Its output (reuse it: e.g. sigmoid' = y(1 − y)). */
  readonly output: AnyTensor
  /** The cotangent of the output. */
  readonly dy: AnyTensor
}

/** Cotangents of the inputs (null or missing where an input has none, e.g. int labels). */
export type Cotangents = readonly (AnyTensor | null)[]

/**
 * An elementwise primitive as a WGSL expression of its operands' values (operand 0 first): what fusion
 * inlines. Literals and shared helper functions (erf, tanh) go through `io`, so the renderer emits
 * only the helpers a kernel uses.
 */
export interface ElementwiseRule<P extends Primitive> {
  expr(node: NodeOf<P>, operands: readonly Expr[], io: ExprIO): Expr
}

/**
 * A movement primitive as a read of its input 0: the value of element `index` of its output (a u32
 * WGSL expression, parenthesise it before dividing), written with `load(sourceIndex)`, a read of
 * input 0 — an index map (permute, slice, broadcastTo), or a guarded one with a fill (pad). Its
 * lowering copies through it; the fuse-views pass instead puts it into the loads of the kernels
 * that read the node, so it costs no dispatch and no buffer.
 */
export interface ViewRule<P extends Primitive> {
  read(node: NodeOf<P>, index: Expr, load: (sourceIndex: Expr) => Expr, io: ExprIO): Expr
}

// Members are methods so that a definition of one primitive is also a definition of "some
// primitive" (PrimitiveDef<'add'> is a PrimitiveDef<Primitive>), which generic passes need.
export interface PrimitiveDef<P extends Primitive> {
  readonly name: P
  /** The output's shape and dtype, or a ShapeError naming the op; the run-time twin of the op's type rule. */
  shape(inputs: readonly Node[], params: Params[P]): Abstract
  /** Cotangents of the inputs; `noGradient` for primitives nothing flows back through. */
  vjp(context: VjpContext<P>): Cotangents
  /** WGSL compute steps for one node (or an alias of an input). */
  lower(node: NodeOf<P>, target: KernelTarget): Lowering
  /** Set for elementwise float primitives: the expression fusion inlines into a producer's epilogue. */
  readonly elementwise?: ElementwiseRule<P>
  /** Set for movement primitives whose output element reads at most one element of input 0 (permute, slice, broadcastTo, pad). */
  readonly view?: ViewRule<P>
}

/** The definition of one primitive; spelled out so that a missing rule or lowering is a compile error at the definition. */
export const definePrimitive = <P extends Primitive>(name: P, definition: NoInfer<Omit<PrimitiveDef<P>, 'name'>>): PrimitiveDef<P> => ({ name, ...definition })

/** The VJP of a primitive nothing flows back through (creation, comparisons, argmax, stopGradient). */
export const noGradient = (): Cotangents => []

/**
 * Thrown when a derivative is taken through a gradient kernel that has no derivative of its own —
 * the second derivative of a pooling, interpolation or unpooling layer, or of a convolution with
 * respect to its weight gradient — instead of reading it as zero.
 *
 * @example
 * import { grad, maxPool2d, mul, sum, randn, HigherOrderGradientError } from 'shapewise'
 * const x = randn([1, 1, 4, 4], { seed: 1 })
 * const pool = maxPool2d({ kernelSize: 2 })
 * // The gradient of the input gradient's size: a derivative of the max pool's backward kernel.
 * const penalty = (s: typeof x) => sum()(mul(grad((t: typeof x) => sum()(mul(pool(t), pool(t))))(s), 1))
 * try {
 *   grad(penalty)(x)
 * } catch (error) {
 *   console.log(error instanceof HigherOrderGradientError) // true
 * }
 */
export class HigherOrderGradientError extends Error {
  override readonly name = 'HigherOrderGradientError'
}

/** The VJP of a gradient kernel that has none of its own: a second derivative through `forward` is refused by name. */
export const noSecondDerivative =
  (forward: string) =>
  ({ node }: { readonly node: { readonly op: string } }): Cotangents => {
    throw new HigherOrderGradientError(`${node.op}: a derivative of ${forward}'s gradient (a second derivative through ${forward}) is not implemented`)
  }
