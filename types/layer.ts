/**
 * Shape functions as values of the type system ("higher-kinded" through `this`):
 * every op carries an interface whose `output` is computed from its `input`,
 * so `sequential(...)` can fold a list of layers at the type level and name
 * the first one that does not fit (the composition rules themselves are in
 * src/shape/layer.ts).
 */
import type { UnknownShape } from './errors.ts'
import type { Shape } from './shape.ts'

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
