/**
 * Shape functions as values of the type system ("higher-kinded" through `this`):
 * every op carries an interface whose `output` is computed from its `input`,
 * so `sequential(...)` can fold a list of layers at the type level and name
 * the first one that does not fit.
 */
import type { ShapeError, UnknownShape } from './errors.ts'
import type { Shape, Broadcast, Concat } from './shape.ts'
import type { Add, Gte } from './nat.ts'

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

/**
 * Folds shape functions left to right; the first failure names its index and op.
 *
 * Linear in the number of layers: the loop walks an index over the tuple (`Fs[I]`) instead of
 * re-slicing it (`[F, ...Rest]` copies the rest at every step, quadratic in all), and the index
 * is a digit string stepped by its last digit (a few instantiations, where Add<I, 1> costs
 * ~200). TypeScript runs at most 1,000 tail calls in one loop, so the fold runs in chunks of
 * 256 layers, one loop per chunk, and any depth checks.
 */
export type SequentialShape<S extends Shape, Fs extends readonly ShapeFn[], From extends number = 0> =
  Add<From, SequentialChunk> extends infer Stop extends number
    ? SequentialRun<S, Fs, `${From}`, `${Stop}`> extends infer Out
      ? Out extends ShapeError<string>
        ? Out
        : Gte<Stop, Fs['length']> extends false
          ? SequentialShape<Out extends infer O extends Shape ? O : UnknownShape, Fs, Stop>
          : Out
      : never
    : never
type SequentialChunk = 256
/** The layers from I up to Stop (or the end) applied to S; I and Stop as digit strings. */
type SequentialRun<S extends Shape, Fs extends readonly ShapeFn[], I extends string, Stop extends string> = I extends `${Fs['length']}` | Stop
  ? S
  // F is bound by `infer` first: TypeScript 5.9 does not finish ApplyShape<Fs[I] & ShapeFn, S> (TS2589).
  : Fs[I & keyof Fs] extends infer F extends ShapeFn
    ? ApplyShape<F, S> extends infer Out
      ? Out extends ShapeError<infer Message>
        ? ShapeError<`sequential: layer ${I} (${F['op']}) does not fit: ${Message}`>
        : SequentialRun<Out extends infer O extends Shape ? O : UnknownShape, Fs, NextIndex<I>, Stop>
      : never
    : never
/** "41" → "42", "199" → "200": the next index, by its last digit (a carry recurses). */
// prettier-ignore
type NextIndex<I extends string> =
  I extends `${infer H}9` ? `${H extends '' ? '1' : NextIndex<H>}0`
  : I extends `${infer H}8` ? `${H}9` : I extends `${infer H}7` ? `${H}8` : I extends `${infer H}6` ? `${H}7`
  : I extends `${infer H}5` ? `${H}6` : I extends `${infer H}4` ? `${H}5` : I extends `${infer H}3` ? `${H}4`
  : I extends `${infer H}2` ? `${H}3` : I extends `${infer H}1` ? `${H}2` : I extends `${infer H}0` ? `${H}1` : never

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

/**
 * The shape function of branches applied to the same input and concatenated on the channels
 * (dim 1), as in an Inception block: each branch's failure names its index and op, then the
 * concatenation's own rule decides (the branches must agree outside dim 1).
 */
export interface ConcatBranchesShape<Fs extends readonly ShapeFn[]> extends ShapeFn {
  readonly op: 'concatBranches'
  readonly output: BranchOutputs<Input<this>, Fs> extends infer Outs
    ? Outs extends ShapeError<string>
      ? Outs
      : Concat<Outs extends infer Os extends readonly Shape[] ? Os : [], 1> extends infer Joined
        ? Joined extends ShapeError<infer Message> ? ShapeError<`concatBranches: ${Message}`> : Joined
        : never
    : never
}
/** Each branch applied to S, or the first branch's failure; branches are few, so this slices. */
type BranchOutputs<S extends Shape, Fs extends readonly ShapeFn[], Index extends unknown[] = [], Acc extends Shape[] = []> = Fs extends readonly [
  infer F extends ShapeFn,
  ...infer Rest extends readonly ShapeFn[],
]
  ? ApplyShape<F, S> extends infer Out
    ? Out extends ShapeError<infer Message>
      ? ShapeError<`concatBranches: branch ${Index['length']} (${F['op']}) does not fit: ${Message}`>
      : BranchOutputs<S, Rest, [...Index, F], [...Acc, Out extends infer O extends Shape ? O : UnknownShape]>
    : never
  : Acc

/** How a skip connection joins its input x with inner(x): concatenated on the channels, or added. */
export type SkipMerge = 'concat' | 'add'

/**
 * The shape function of a U-Net skip: [x, inner(x)] concatenated on the channels (dim 1), or
 * x + inner(x) broadcast like `add`.
 */
export interface SkipShape<Inner extends ShapeFn, Merge extends SkipMerge> extends ShapeFn {
  readonly op: 'skip'
  readonly output: SkipOutput<Input<this>, ApplyShape<Inner, Input<this>>, Merge>
}
type SkipOutput<S extends Shape, Out, Merge extends SkipMerge> = Out extends ShapeError<infer Message>
  ? ShapeError<`skip: inner block does not fit: ${Message}`>
  : Out extends infer O extends Shape
    ? Merge extends 'add'
      ? Broadcast<'skip', S, O>
      : Concat<[S, O], 1> extends infer Joined
        ? Joined extends ShapeError<infer Message> ? ShapeError<`skip: ${Message}`> : Joined
        : never
    : never
