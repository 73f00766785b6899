/**
 * Function transformations in the style of JAX: valueAndGrad, grad and vjp
 * over pure functions of tensor trees. Nothing is traced separately: calling
 * the function builds the lazy graph, and reverse mode adds the gradient
 * nodes to it, so the whole step still runs as one plan.
 */
import { keepForDifferentiation, type Node } from '../graph.ts'
import type { DType, DTypeOf } from '../../types/index.ts'
import type { Tensor } from '../tensor.ts'
import { fail, shapeText } from '../shape/errors.ts'
import { DTypeError } from '../shape/dtype.ts'
import { full } from '../ops/creation.ts'
import { leaves, mapTree, unflattenLike, isTensor, type AnyTensor, type Tree } from '../tree.ts'
import { reshape } from '../core/ops.ts'
import { backward } from './backward.ts'
import { libraryCall } from '../memory.ts'

type ArgNums = number | readonly number[]
/** The gradients of the chosen arguments: the argument's own type (a tree of tensors), or a tuple of them. */
export type GradsOf<Args extends readonly unknown[], N extends ArgNums> = N extends number
  ? Args[N]
  : { -readonly [K in keyof N]: N[K] extends number ? Args[N[K]] : never }

/** The indices argnums picks, as strings (the keys of a tuple). */
type ArgKeys<N extends ArgNums> = `${N extends number ? N : N extends readonly number[] ? N[number] : never}`
/**
 * The arguments of a differentiated function: an int32 or bool tensor passed
 * where argnums differentiates becomes the run-time twin's message, at that
 * argument (trees of tensors are checked at run time).
 */
export type DifferentiableArgs<Op extends string, Args extends readonly unknown[], N extends ArgNums> = {
  [I in keyof Args]: I extends ArgKeys<N> ? DifferentiableArg<Op, I, Args[I]> : Args[I]
}
// The dtype is read from the phantom field alone (DTypeOf), so a tensor with a generic batch
// dim (Tensor<[N, 4]> inside a generic train step) is checked instead of left deferred.
// Anything but a tensor (a tree, a number) has dtype never and passes here.
type DifferentiableArg<Op extends string, I extends string, A> = DTypeOf<A> extends infer D extends DType
  ? [D] extends ['float32']
    ? A
    : DType extends D
      ? A
      : `${Op}: cannot differentiate with respect to argument ${I} of dtype ${D}; only float32 tensors have gradients (cast it, or leave it out of argnums)`
  : A

export interface GradOptions<N extends ArgNums> {
  /** Which arguments to differentiate with respect to (default 0), as jax's argnums. */
  readonly argnums?: N
}

const checkTree = (a: unknown, i: number, op: string): Tree => {
  if (!isTensor(a) && (typeof a !== 'object' || a === null)) fail(`${op}: argument ${i} is not a tensor or a tree of tensors`)
  return a as Tree
}

const mapLeaves = mapTree as unknown as (tree: Tree, f: (t: AnyTensor) => AnyTensor) => Tree

/**
 * The arguments with every differentiated leaf replaced by its own identity
 * view (free: a reshape to the same shape aliases the buffer), so a tensor
 * passed in two places gets the gradient of each place, as in JAX.
 */
const freshLeaves = (args: readonly unknown[], argnums: readonly number[], op: string): [unknown[], Tree[]] => {
  const fresh = [...args]
  const trees = argnums.map((i) => {
    const tree = mapLeaves(checkTree(args[i], i, op), (t) => {
      // Gradients are float32: an int32 or bool leaf has none (PyTorch: only floating point tensors require grad).
      if (t.dtype !== 'float32')
        throw new DTypeError(`${op}: cannot differentiate with respect to argument ${i} of dtype ${t.dtype}; only float32 tensors have gradients (cast it, or leave it out of argnums)`)
      return reshape(t, t.shape)
    })
    fresh[i] = tree
    return tree
  })
  return [fresh, trees]
}
const argnumList = (argnums: ArgNums) => (typeof argnums === 'number' ? [argnums] : [...argnums])

/** Cotangents of every leaf of `trees` (zeros where the output does not depend on a leaf), in tree form. */
const gradientTrees = (output: AnyTensor, seed: AnyTensor, trees: Tree[]): Tree[] => {
  const wrt: Node[] = trees.flatMap((t) => leaves(t).map((l) => l.node))
  const cotangents = backward(output.node, seed, wrt)
  let k = 0
  const rebuild = unflattenLike as (tree: Tree, values: AnyTensor[]) => Tree
  return trees.map((t) => rebuild(t, leaves(t).map((leaf) => cotangents[k++] ?? (full(leaf.shape as number[], 0) as AnyTensor))))
}

const scalarValue = (value: unknown): AnyTensor => {
  if (!isTensor(value)) fail('valueAndGrad: the function must return a tensor')
  const t = value as AnyTensor
  if (t.size !== 1) fail(`valueAndGrad: the function must return a scalar, got shape ${shapeText(t.shape)}`)
  return t
}

/**
 * valueAndGrad(f)(...args) = [f(...args), ∂f/∂args[argnums]]. f must return a
 * scalar tensor (one element); the gradients have the arguments' own types.
 *
 * @example
 * import { valueAndGrad, tensor, mul, sum, type Tensor } from 'shapewise'
 * const f = (x: Tensor<[2]>) => sum()(mul(x, x)) // Σ x², gradient 2x
 * const [value, dx] = valueAndGrad(f)(tensor([1, 3]))
 * await value.data() // → [10]
 * await dx.data() // → [2, 6]
 */
export function valueAndGrad<Args extends readonly unknown[], const N extends ArgNums = 0>(
  f: (...args: Args) => AnyTensor,
  options: GradOptions<N> = {},
): (...args: DifferentiableArgs<'valueAndGrad', Args, N>) => [AnyTensor, GradsOf<Args, N>] {
  const argnums = options.argnums ?? 0
  return (...given) =>
    libraryCall(() => {
      const args = given as unknown as Args
      const [fresh, trees] = freshLeaves(args, argnumList(argnums), 'valueAndGrad')
      const value = scalarValue(f(...(fresh as unknown as Args)))
      const grads = gradientTrees(value, full(value.shape as number[], 1), trees)
      return [value, (typeof argnums === 'number' ? grads[0] : grads) as GradsOf<Args, N>]
    })
}

/**
 * Like valueAndGrad, for a function returning [loss, aux] (jax's has_aux):
 * aux (e.g. the logits) comes back untouched, from the same graph as the loss.
 *
 * @example
 * import { valueAndGradWithAux, tensor, mul, sum, type Tensor } from 'shapewise'
 * const f = (x: Tensor<[2]>) => { const y = mul(x, 3); return [sum()(y), y] as const }
 * const [[loss, y], dx] = valueAndGradWithAux(f)(tensor([1, 2]))
 * await y.data() // → [3, 6]
 * await dx.data() // → [3, 3]
 */
export function valueAndGradWithAux<Args extends readonly unknown[], Aux, const N extends ArgNums = 0>(
  f: (...args: Args) => readonly [AnyTensor, Aux],
  options: GradOptions<N> = {},
): (...args: DifferentiableArgs<'valueAndGradWithAux', Args, N>) => [[AnyTensor, Aux], GradsOf<Args, N>] {
  const argnums = options.argnums ?? 0
  return (...given) =>
    libraryCall(() => {
      const args = given as unknown as Args
      const [fresh, trees] = freshLeaves(args, argnumList(argnums), 'valueAndGradWithAux')
      const [loss, aux] = f(...(fresh as unknown as Args))
      const value = scalarValue(loss)
      const grads = gradientTrees(value, full(value.shape as number[], 1), trees)
      return [[value, aux], (typeof argnums === 'number' ? grads[0] : grads) as GradsOf<Args, N>]
    })
}

/**
 * grad(f)(...args) = ∂f/∂args[argnums], shaped like those arguments.
 *
 * @example
 * import { grad, tensor, mul, sum, type Tensor } from 'shapewise'
 * // With argnums, the gradients of several arguments.
 * const f = (a: Tensor<[2]>, b: Tensor<[2]>) => sum()(mul(a, b))
 * const [da, db] = grad(f, { argnums: [0, 1] })(tensor([1, 2]), tensor([3, 4]))
 * await da.data() // → [3, 4]
 * await db.data() // → [1, 2]
 */
export function grad<Args extends readonly unknown[], const N extends ArgNums = 0>(
  f: (...args: Args) => AnyTensor,
  options: GradOptions<N> = {},
): (...args: DifferentiableArgs<'valueAndGrad', Args, N>) => GradsOf<Args, N> {
  const vg = valueAndGrad(f, options)
  return (...args) => vg(...args)[1]
}

/**
 * vjp(f, ...primals) = [f(...primals), pullback], where pullback(cotangent)
 * gives the cotangents of every primal (each shaped like its primal).
 *
 * @example
 * import { vjp, tensor, mul, type Tensor } from 'shapewise'
 * const [y, pullback] = vjp((x: Tensor<[2]>) => mul(x, x), tensor([1, 3]))
 * const [dx] = pullback(tensor([1, 1]))
 * await y.data() // → [1, 9]
 * await dx.data() // → [2, 6]
 */
export function vjp<Args extends readonly Tree[], Out extends AnyTensor>(
  f: (...args: Args) => Out,
  ...primals: Args
): [Out, (cotangent: AnyTensor) => Args] {
  const [fresh, trees] = freshLeaves(primals, primals.map((_, i) => i), 'vjp')
  const out = f(...(fresh as unknown as Args))
  // Reading `out` before the pullback runs must leave the graph back to the primals in place.
  keepForDifferentiation(out.node, new Set(trees.flatMap((t) => leaves(t).map((l) => l.node))))
  const pullback = (cotangent: AnyTensor) => {
    if (shapeText(cotangent.shape) !== shapeText(out.shape))
      fail(`vjp: cotangent has shape ${shapeText(cotangent.shape)} but the output has ${shapeText(out.shape)}`)
    return gradientTrees(out, cotangent, trees) as unknown as Args
  }
  return [out, pullback]
}
