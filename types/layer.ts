/**
 * Shape functions as values of the type system ("higher-kinded" through `this`):
 * every op carries an interface whose `output` is computed from its `input`,
 * so `sequential(...)` can fold a list of layers at the type level and name
 * the first one that does not fit.
 */
import type { ShapeError, UnknownShape } from './errors.ts'
import type { Shape, Broadcast } from './shape.ts'

export interface ShapeFn {
  readonly op: string
  /** unknown here so that `ShapeFn & { input: S }` is exactly S, not an intersection with Shape. */
  readonly input: unknown
  readonly output: unknown
}

/** The input shape of a shape function, inside its `output` (write `Input<this>`). */
export type Input<F extends ShapeFn> = F['input'] extends infer S extends Shape ? S : UnknownShape

/** The result (shape or ShapeError) of applying a shape function to S. */
export type ApplyShape<F extends ShapeFn, S extends Shape> = (F & { readonly input: S })['output']

/** The shape function of an op that keeps its input's shape (relu, dropout, …). */
export interface SameShape<Op extends string> extends ShapeFn {
  readonly op: Op
  readonly output: Input<this>
}

/** Folds shape functions left to right; the first failure names its index and op. */
export type SequentialShape<S extends Shape, Fs extends readonly ShapeFn[], Index extends unknown[] = []> = Fs extends readonly [
  infer F extends ShapeFn,
  ...infer Rest extends readonly ShapeFn[],
]
  ? ApplyShape<F, S> extends infer Out
    ? Out extends ShapeError<infer Message>
      ? ShapeError<`sequential: layer ${Index['length']} (${F['op']}) does not fit: ${Message}`>
      : SequentialShape<Out extends infer O extends Shape ? O : UnknownShape, Rest, [...Index, F]>
    : never
  : S

/** The shape function of a residual block: main(x) + shortcut(x), broadcast like `add`. */
export interface ResidualShape<Main extends ShapeFn, Shortcut extends ShapeFn | undefined> extends ShapeFn {
  readonly op: 'residual'
  readonly output: ResidualOutput<ApplyShape<Main, Input<this>>, Shortcut extends ShapeFn ? ApplyShape<Shortcut, Input<this>> : Input<this>>
}
type ResidualOutput<M, S> = M extends ShapeError<infer Message>
  ? ShapeError<`residual: main branch does not fit: ${Message}`>
  : S extends ShapeError<infer Message>
    ? ShapeError<`residual: shortcut does not fit: ${Message}`>
    : M extends infer MS extends Shape
      ? S extends infer SS extends Shape ? Broadcast<'residual', MS, SS> : never
      : never
