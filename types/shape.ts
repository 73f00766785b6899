/**
 * Shapes as tuples: the generic helpers every rule uses. The shape rules
 * themselves (broadcast, reshape, matmul, conv, pooling …) live in src/shape/,
 * each beside its run-time twin. A dim is a number literal when known and
 * `number` when not; unknown in, unknown out.
 */
export type Shape = readonly number[]

/** True when S is a tuple (its rank is known), false for number[]. */
export type IsTuple<S extends Shape> = number extends S['length'] ? false : true

/** The first N dims of S. */
export type TakeDims<S extends Shape, N extends number, Acc extends number[] = []> = Acc['length'] extends N
  ? Acc
  : S extends readonly [infer H extends number, ...infer R extends Shape]
    ? TakeDims<R, N, [...Acc, H]>
    : Acc
/** S without its first N dims. */
export type DropDims<S extends Shape, N extends number, Count extends unknown[] = []> = Count['length'] extends N
  ? S
  : S extends readonly [unknown, ...infer R extends Shape]
    ? DropDims<R, N, [...Count, 0]>
    : []


/** A nested array of numbers shaped like S (what `await t.array()` returns). */
export type NestedArray<S extends Shape, E = number> = S extends readonly [unknown, ...infer R extends Shape]
  ? NestedArray<R, E>[]
  : IsTuple<S> extends true ? E : unknown[]

/** A shape tuple without `readonly`, as every rule returns it: [2, 3], not readonly [2, 3]. */
export type Mutable<S extends Shape> = { -readonly [I in keyof S]: S[I] }
