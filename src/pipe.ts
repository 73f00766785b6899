/**
 * `pipe(a, f, g, …)` as in fp-ts, with a shape error reported as the offending layer's own
 * message. fp-ts's `pipe` infers each step from the previous one, so a layer that does not fit
 * is "not assignable to parameter of type '(d: Tensor<…>) => Tensor<…>'" with the rule's
 * message two lines below, and the pipe's result becomes `unknown`. Here the steps are one
 * `const` tuple, folded at the type level; the first misfit is replaced in the parameter type
 * by what it had to be — the rule's message for a layer — so the compiler rejects that
 * argument with the message on the first line, and the result stays a tensor.
 */
import type { Shape, ShapeError } from '../types/index.ts'
import type { Layer } from './layer.ts'
import type { DType } from './graph.ts'
import type { Tensor } from './tensor.ts'

// The running value of the fold: a tensor as its raw shape and dtype, any other value as itself.
// Shapes stay as the rules return them and become a Tensor only at the end: a Tensor rebuilt
// inside a conditional branch (or a shape passed through `Output`) makes the next step's
// conditional defer on a generic batch N.
type Value<A> = A extends { readonly __shape: infer S; readonly __dtype: infer D } ? ['tensor', S, D] : ['value', A]
type ValueType<V> = V extends ['tensor', infer S extends Shape, infer D extends DType] ? Tensor<S, D> : V extends ['value', infer A] ? A : never

/** [the value after step L], or ['misfit', what L had to be]: the rule's message for a layer, else the function type it needed. */
type Step<L, V> = L extends Layer<infer F, infer OutD>
  ? V extends ['tensor', infer S, infer D]
    ? (F & { readonly input: S })['output'] extends infer Out
      ? Out extends ShapeError<infer Message> ? ['misfit', Message] : [['tensor', Out, OutD extends DType ? OutD : D]]
      : never
    : ['misfit', (a: ValueType<V>) => unknown]
  : L extends (a: infer P) => infer R
    ? [ValueType<V>] extends [P] ? [Value<R>] : ['misfit', (a: ValueType<V>) => unknown]
    : ['misfit', (a: ValueType<V>) => unknown]

/** ['done', final value], or ['misfit', index, what that step had to be]. Pipes are short: slicing is fine here. */
type Fold<V, Ls extends readonly unknown[], Index extends unknown[] = []> = Ls extends readonly [infer L, ...infer Rest]
  ? Step<L, V> extends [infer Next]
    ? Fold<Next, Rest, [...Index, L]>
    : Step<L, V> extends ['misfit', infer Misfit] ? ['misfit', Index['length'], Misfit] : never
  : ['done', V]

/** The steps as given when they all fit; else with the first misfit replaced, so the compiler reports that argument. */
type CheckedSteps<A, Ls extends readonly unknown[]> = Fold<Value<A>, Ls> extends ['misfit', infer I extends number, infer Misfit]
  ? { [K in keyof Ls]: K extends `${I}` ? Misfit : Ls[K] }
  : Ls

/** The value after every step; after a misfit, a tensor of unknown shape, so the lines that use it report nothing more. */
type PipeResult<A, Ls extends readonly unknown[]> = Fold<Value<A>, Ls> extends ['done', infer V] ? ValueType<V> : Tensor<number[]>

/**
 * Applies the steps left to right: `pipe(x, f, g)` is `g(f(x))`, as fp-ts's `pipe`, and every
 * layer fits in either. Here a layer that does not fit the value before it is the argument the
 * compiler rejects, with the rule's message on the first line:
 *
 *   Argument of type 'Layer<ConvFn<…>>' is not assignable to parameter of type
 *   '"conv2d: input has 10 channels but weight expects 6"'.
 *
 * and the result stays a tensor, so the lines that use it report nothing more. Steps are layers
 * or functions of one argument; a lambda step needs its parameter annotated, and a generic
 * function step is taken at its constraint (`<N extends number>(x: Tensor<[N, …]>)` gives
 * `number` for N, and on a generic-batch input it does not check): write such blocks as layers
 * (`sequential`, `residual`, `concatBranches`, `skip`).
 *
 * @example
 * import { pipe, conv2d, maxPool2d, relu, randn, zeros, type Tensor } from 'shapewise'
 * const net = <N extends number>(x: Tensor<[N, 1, 28, 28]>): Tensor<[N, 20, 4, 4]> =>
 *   pipe(x, conv2d(randn([10, 1, 5, 5])), maxPool2d({ kernelSize: 2 }), relu, conv2d(randn([20, 10, 5, 5])), maxPool2d({ kernelSize: 2 }))
 * net(zeros([3, 1, 28, 28])).shape // → [3, 20, 4, 4]
 */
export function pipe<A, const Ls extends readonly unknown[]>(a: A, ...steps: CheckedSteps<A, Ls>): PipeResult<A, Ls>
export function pipe(a: unknown, ...steps: readonly ((value: unknown) => unknown)[]): unknown {
  return steps.reduce((value, step) => step(value), a)
}
