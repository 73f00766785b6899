/**
 * Shape rules of the layout ops: broadcasting, reshape/flatten, permute,
 * concat, reductions, matmul/linear, and the shape of a nested array literal.
 * Each returns a shape tuple or a ShapeError (see errors.ts). A dim is a
 * number literal when known and `number` when not; unknown in, unknown out.
 */
import type { Add, Sub, Div, Mod, CeilDiv, Min, Product, Lt, Gte, IsNat, Differ } from './nat.ts'
import type { ShapeError, ShapeText, UnknownShape } from './errors.ts'

export type Shape = readonly number[]

/** True when S is a tuple (its rank is known), false for number[]. */
export type IsTuple<S extends Shape> = number extends S['length'] ? false : true

// Patterns below match dims with `unknown` or `infer X extends number`, never a bare `number`:
// a generic batch dim N only resolves through inference, so `[N, 3]` stays usable.

/** Dims known here and equal, or possibly equal because one is unknown. */
type MayEqual<A extends number, B extends number> = Differ<A, B> extends true ? false : true

/** The narrower of two dims that may be equal: a literal wins over `number`; the same dim (a generic N) is itself. */
// Identity is asked first, inside an object: a bare generic N as the checked type would defer the answer.
type Known<A extends number, B extends number> = { v: A } extends { v: B } ? A : number extends A ? B : A

/** A possibly negative axis as an index in 0..rank-1, or a ShapeError naming the op. */
export type NormalizeAxis<Op extends string, Axis extends number, Rank extends number> =
  number extends Axis | Rank
    ? number
    : `${Axis}` extends `-${infer P extends number}`
      ? Lt<Rank, P> extends true
        ? ShapeError<`${Op}: axis ${Axis} is out of range for rank ${Rank}`>
        : Sub<Rank, P>
      : Lt<Axis, Rank> extends true
        ? Axis
        : ShapeError<`${Op}: axis ${Axis} is out of range for rank ${Rank}`>

// ------------------------------------------------------------ broadcasting

/** NumPy broadcasting of two shapes (right-aligned; equal dims, or one of them 1). */
export type Broadcast<Op extends string, A extends Shape, B extends Shape> = IsTuple<A> extends false
  ? UnknownShape
  : IsTuple<B> extends false
    ? UnknownShape
    : BroadcastFromRight<Op, A, B, A, B, []>

type BroadcastFromRight<Op extends string, A extends Shape, B extends Shape, A0 extends Shape, B0 extends Shape, Acc extends number[]> =
  A extends readonly [...infer AR extends Shape, infer a extends number]
    ? B extends readonly [...infer BR extends Shape, infer b extends number]
      ? BroadcastDim<a, b> extends [infer d extends number]
        ? BroadcastFromRight<Op, AR, BR, A0, B0, [d, ...Acc]>
        : ShapeError<`${Op}: shapes ${ShapeText<A0>} and ${ShapeText<B0>} cannot be broadcast`>
      : [...A, ...Acc]
    : [...B, ...Acc]

/**
 * The broadcast of two dims as a 1-tuple, or false when they clash. Dims are
 * compared inside an object and returned inside a tuple because a bare
 * generic batch dim N as the checked type would defer the conditional.
 */
type BroadcastDim<a extends number, b extends number> = { v: a } extends { v: b }
  ? [a]
  : a extends 1 ? [b]
  : b extends 1 ? [a]
  : number extends a ? [number extends b ? number : b]
  : number extends b ? [a]
  : false

// ------------------------------------------------------------ reshape family

/** reshape with at most one -1 inferred from the element count. */
export type Reshape<S extends Shape, T extends Shape> = [InvalidDim<T>] extends [never]
  ? CountMinusOnes<T> extends 0 | 1
    ? ReshapeKeepingLead<S, T> extends infer Kept extends Shape
      ? Kept
      : ReshapeChecked<S, T, Product<S>, Product<KnownTargetDims<T>>>
    : ShapeError<`reshape: at most one -1 is allowed, got ${ShapeText<T>}`>
  : ShapeError<`reshape: invalid dim ${InvalidDim<T>} in ${ShapeText<T>}`>

/**
 * [-1, ...Rest] when the dims after S's first hold exactly Rest's elements: the -1 is S's first
 * dim itself, possibly a generic batch N (x.view(-1, 320) on [N, 20, 4, 4] is [N, 320]).
 * Only the target and the dims after the first are inspected, so a generic N never defers it;
 * false when the shortcut does not apply (the general rule then decides).
 */
type ReshapeKeepingLead<S extends Shape, T extends Shape> = T extends readonly [-1, ...infer Rest extends Shape]
  ? S extends readonly [infer Lead extends number, ...infer SRest extends Shape]
    ? [Product<SRest>, Product<Rest>] extends [infer From extends number, infer Into extends number]
      ? number extends From | Into
        ? false
        : [From] extends [Into] ? [Lead, ...Mutable<Rest>] : false
      : false
    : false
  : false

type ReshapeChecked<S extends Shape, T extends Shape, From extends number, Known extends number> =
  number extends From | Known
    ? { -readonly [I in keyof T]: T[I] extends -1 ? number : T[I] }
    : CountMinusOnes<T> extends 1
      ? Known extends 0
        ? ShapeError<`reshape: ${From} elements cannot become ${ShapeText<T>}`>
        : Mod<From, Known> extends 0
          ? { -readonly [I in keyof T]: T[I] extends -1 ? Div<From, Known> : T[I] }
          : ShapeError<`reshape: ${From} elements cannot become ${ShapeText<T>}`>
      : [From] extends [Known]
        ? Mutable<T>
        : ShapeError<`reshape: ${From} elements cannot become ${ShapeText<T>}`>

/** The first target dim that is neither -1 nor a natural number, or never. */
type InvalidDim<T extends Shape> = T extends readonly [infer H extends number, ...infer R extends Shape]
  ? H extends -1 ? InvalidDim<R> : number extends H ? InvalidDim<R> : `${H}` extends `-${string}` | `${string}.${string}` ? H : InvalidDim<R>
  : never
type CountMinusOnes<T extends Shape, Acc extends unknown[] = []> = T extends readonly [infer H, ...infer R extends Shape]
  ? CountMinusOnes<R, H extends -1 ? [...Acc, H] : Acc>
  : Acc['length']
type KnownTargetDims<T extends Shape> = T extends readonly [infer H extends number, ...infer R extends Shape]
  ? H extends -1 ? KnownTargetDims<R> : [H, ...KnownTargetDims<R>]
  : []

/** flatten(startDim): the dims from startDim on multiply into one. */
export type Flatten<S extends Shape, StartDim extends number = 1> = IsTuple<S> extends false
  ? UnknownShape
  : NormalizeAxis<'flatten', StartDim, S['length']> extends infer D
    ? D extends ShapeError<string>
      ? D
      : D extends number
        ? [...TakeDims<S, D>, Product<DropDims<S, D>>]
        : never
    : never

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

/** permute(dims): output dim i is input dim dims[i] (negative counts from the end); dims must be a permutation. */
export type Permute<S extends Shape, P extends Shape> = IsTuple<S> extends false
  ? UnknownShape
  : [P['length']] extends [S['length']]
    ? IsPermutation<NonNegativeDims<P, S['length']>, S['length']> extends true
      ? { -readonly [I in keyof P]: S[NonNegativeDims<P, S['length']>[I] & number] }
      : ShapeError<`permute: ${ShapeText<P>} is not a permutation of the ${S['length']} dims of ${ShapeText<S>}`>
    : ShapeError<`permute: ${ShapeText<P>} is not a permutation of the ${S['length']} dims of ${ShapeText<S>}`>
type NonNegativeDims<P extends Shape, Rank extends number> = {
  -readonly [I in keyof P]: `${P[I]}` extends `-${infer K extends number}` ? Sub<Rank, K> : P[I]
}
type IsPermutation<P extends Shape, N extends number, Seen extends number = never> = P extends readonly [
  infer H extends number,
  ...infer R extends Shape,
]
  ? H extends Seen ? false : IsNat<H> extends true ? Lt<H, N> extends true ? IsPermutation<R, N, Seen | H> : false : false
  : true

/** transpose(dim0, dim1): swaps two dims (negative axes allowed). */
export type Transpose<S extends Shape, D0 extends number, D1 extends number> = IsTuple<S> extends false
  ? UnknownShape
  : [NormalizeAxis<'transpose', D0, S['length']>, NormalizeAxis<'transpose', D1, S['length']>] extends [infer A, infer B]
    ? A extends ShapeError<string> ? A
      : B extends ShapeError<string> ? B
      : { -readonly [I in keyof S]: I extends `${A & number}` ? S[B & number] : I extends `${B & number}` ? S[A & number] : S[I] }
    : never

/** concat along an axis: dims add up there and must agree everywhere else. */
export type Concat<Shapes extends readonly Shape[], Axis extends number> = Shapes extends readonly [
  infer First extends Shape,
  ...infer Rest extends readonly Shape[],
]
  ? IsTuple<First> extends false
    ? UnknownShape
    : NormalizeAxis<'concat', Axis, First['length']> extends infer A
      ? A extends ShapeError<string> ? A : ConcatFold<Rest, A & number, First>
      : never
  : ShapeError<'concat: needs at least one tensor'>

type ConcatFold<Rest extends readonly Shape[], A extends number, Acc extends Shape> = Rest extends readonly [
  infer S extends Shape,
  ...infer R extends readonly Shape[],
]
  ? IsTuple<S> extends false
    ? UnknownShape
    : [S['length']] extends [Acc['length']]
      ? ConcatDims<Acc, S, A> extends infer D
        // `false` is ruled out first: `D extends Shape` would defer on a generic batch dim.
        ? D extends false
          ? ShapeError<`concat: shapes ${ShapeText<Acc>} and ${ShapeText<S>} differ outside axis ${A}`>
          : D extends infer Merged extends Shape ? ConcatFold<R, A, Merged> : never
        : never
      : ShapeError<`concat: shapes ${ShapeText<Acc>} and ${ShapeText<S>} have different ranks`>
  : Acc
/** Acc of the merged dims, or false where two dims outside the axis clash. */
type ConcatDims<X extends Shape, Y extends Shape, A extends number, Acc extends number[] = []> = X extends readonly [
  infer x extends number,
  ...infer XR extends Shape,
]
  ? Y extends readonly [infer y extends number, ...infer YR extends Shape]
    ? Acc['length'] extends A
      ? ConcatDims<XR, YR, A, [...Acc, Add<x, y>]>
      : MayEqual<x, y> extends true ? ConcatDims<XR, YR, A, [...Acc, Known<x, y>]> : false
    : false
  : Acc

// ------------------------------------------------------------ reductions

/** A reduction over axes (a number, a tuple, or undefined for all) with or without keepDims. */
export type Reduce<Op extends string, S extends Shape, Axes, KeepDims extends boolean> = IsTuple<S> extends false
  ? UnknownShape
  : Axes extends undefined
    ? KeepDims extends true ? { -readonly [I in keyof S]: 1 } : []
    : NormalizedAxes<Op, Axes extends number ? [Axes] : Axes extends Shape ? Axes : [], S['length']> extends infer A
      // A is a union of axes: wrapped so the check does not distribute over it.
      ? [A] extends [ShapeError<string>]
        ? A
        : KeepDims extends true
          ? { -readonly [I in keyof S]: I extends `${A & number}` ? 1 : S[I] }
          : DropAxes<S, A>
      : never
type NormalizedAxes<Op extends string, Axes extends Shape, Rank extends number, Acc = never> = Axes extends readonly [
  infer H extends number,
  ...infer R extends Shape,
]
  ? NormalizeAxis<Op, H, Rank> extends infer A
    ? A extends ShapeError<string> ? A : NormalizedAxes<Op, R, Rank, Acc | A>
    : never
  : Acc
/** S without the dims at the axes A; decided by index, never by a dim's value, so a generic N passes. */
type DropAxes<S extends Shape, A, Index extends unknown[] = [], Acc extends number[] = []> = S extends readonly [
  infer H extends number,
  ...infer R extends Shape,
]
  ? DropAxes<R, A, [...Index, H], Index['length'] extends A ? Acc : [...Acc, H]>
  : Acc

// ------------------------------------------------------------ matmul / linear

/** matmul with PyTorch's rules: 1-D operands get a dim prepended/appended and removed, batch dims broadcast. */
export type Matmul<A extends Shape, B extends Shape> = IsTuple<A> extends false
  ? UnknownShape
  : IsTuple<B> extends false
    ? UnknownShape
    : A extends readonly [infer K extends number]
      ? B extends readonly [infer K2 extends number]
        ? MayEqual<K, K2> extends true ? [] : MatmulMismatch<A, B, K, K2>
        : MatmulCore<[1, K], B, A, B> extends infer R ? (R extends readonly [...infer Pre extends Shape, unknown, infer N extends number] ? [...Pre, N] : R) : never
      : B extends readonly [infer K extends number]
        ? MatmulCore<A, [K, 1], A, B> extends infer R ? (R extends readonly [...infer Pre extends Shape, infer M extends number, unknown] ? [...Pre, M] : R) : never
        : MatmulCore<A, B, A, B>
/** The product of operands promoted to rank ≥ 2; messages name the operands as given (A0, B0). */
type MatmulCore<A extends Shape, B extends Shape, A0 extends Shape, B0 extends Shape> = A extends readonly [...infer BA extends Shape, infer M extends number, infer K extends number]
  ? B extends readonly [...infer BB extends Shape, infer K2 extends number, infer N extends number]
    ? MayEqual<K, K2> extends true
      ? Broadcast<'matmul', BA, BB> extends infer Batch
        // The error is ruled out first: `Batch extends Shape` would defer on a generic batch dim.
        ? Batch extends ShapeError<string> ? Batch : Batch extends infer B extends Shape ? [...B, M, N] : never
        : never
      : MatmulMismatch<A0, B0, K, K2>
    : ShapeError<`matmul: operands must have rank ≥ 1, got ${ShapeText<A0>} and ${ShapeText<B0>}`>
  : ShapeError<`matmul: operands must have rank ≥ 1, got ${ShapeText<A0>} and ${ShapeText<B0>}`>
type MatmulMismatch<A extends Shape, B extends Shape, K extends number, K2 extends number> =
  ShapeError<`matmul: inner dims differ: ${ShapeText<A>} has ${K} but ${ShapeText<B>} has ${K2}`>

/** linear: x [..., In] with weight [Out, In] (and bias [Out]) gives [..., Out]. */
export type Linear<S extends Shape, W extends Shape, Bias extends Shape | undefined = undefined> = IsTuple<S> extends false
  ? UnknownShape
  : W extends readonly [infer Out extends number, infer In extends number]
    ? S extends readonly [...infer Lead extends Shape, infer F extends number]
      ? MayEqual<F, In> extends true
        ? Bias extends readonly [infer BO extends number]
          ? MayEqual<BO, Out> extends true ? [...Lead, Out] : ShapeError<`linear: bias has ${BO} features but weight has ${Out} outputs`>
          : Bias extends Shape
            ? IsTuple<Bias> extends true ? ShapeError<`linear: bias must be [${Out}], got ${ShapeText<Bias>}`> : [...Lead, Out]
            : [...Lead, Out]
        : ShapeError<`linear: input has ${F} features but weight expects ${In}`>
      : ShapeError<'linear: input must have rank ≥ 1, got a scalar'>
    : ShapeError<`linear: weight must be [out, in], got ${ShapeText<W>}`>

// ------------------------------------------------------------ literals

/** The shape of a nested array literal: [rows, cols, …]; ragged rows are an error. */
export type ShapeOfNested<A> = A extends readonly number[]
  ? [A['length']]
  : A extends readonly (infer E)[]
    ? IsUnion<A[number] extends readonly unknown[] ? A[number]['length'] : never> extends true
      ? ShapeError<'tensor: rows have different lengths'>
      : ShapeOfNested<E> extends infer Inner
        // Rows of different shapes (at any depth) or rows mixed with numbers give a union here.
        ? IsUnion<Inner> extends true
          ? ShapeError<'tensor: rows have different lengths'>
          : [Inner] extends [Shape] ? [A['length'], ...Inner] : Inner
        : never
    : A extends number
      ? []
      : ShapeError<'tensor: values must be numbers or nested arrays of numbers'>
type IsUnion<T, U = T> = [T] extends [never] ? false : T extends unknown ? ([U] extends [T] ? false : true) : never

/** A nested array of numbers shaped like S (what `await t.array()` returns). */
export type NestedArray<S extends Shape, E = number> = S extends readonly [unknown, ...infer R extends Shape]
  ? NestedArray<R, E>[]
  : IsTuple<S> extends true ? E : unknown[]

// ------------------------------------------------------------ pad / slice / where

/** pad: [before, after] per dim from the first (missing pairs pad nothing). */
export type Pad<S extends Shape, Pads extends readonly (readonly [number, number])[]> = IsTuple<S> extends false
  ? UnknownShape
  : { -readonly [I in keyof S]: I extends keyof Pads ? Pads[I] extends readonly [infer B extends number, infer A extends number] ? PadDim<S[I], Add<B, A>> : S[I] : S[I] }
/** A dim grown by Extra; the padding is asked first, so an unpadded generic N stays N (not N + 0). */
type PadDim<D extends number, Extra extends number> = Extra extends 0 ? D : Add<D, Extra>

/** slice: start/end (end clamped to the dim) and step per dim; negative or unknown bounds give `number`. */
export type Slice<S extends Shape, Start extends Shape, End extends Shape, Step extends Shape = []> = IsTuple<S> extends false
  ? UnknownShape
  : { -readonly [I in keyof S]: I extends keyof Start | keyof End ? SliceDim<S[I], DimOr<Start, I, 0>, DimOr<End, I, WholeDim>, DimOr<Step, I, 1>> : S[I] }
type DimOr<T extends Shape, I, Default extends number> = I extends keyof T ? (T[I] extends number ? T[I] : Default) : Default
/**
 * An end at or past the largest possible dim (2³¹ − 1, also what a missing end means): the slice
 * reaches the end of the dim, whatever its size. The bounds are asked before the size, so
 * [0, whole) with step 1 keeps a generic N as N instead of deferring on min(2³¹ − 1, N).
 */
type WholeDim = 2147483647
type SliceDim<Size extends number, Start extends number, End extends number, Step extends number> =
  [Start, Step] extends [0, 1]
    ? IsNat<End> extends true ? (Gte<End, WholeDim> extends true ? Size : SliceBounded<Size, Start, End, Step>) : SliceBounded<Size, Start, End, Step>
    : SliceBounded<Size, Start, End extends WholeDim ? Size : End, Step>
type SliceBounded<Size extends number, Start extends number, End extends number, Step extends number> =
  IsNat<Start> extends true
    ? IsNat<End> extends true
      ? Min<End, Size> extends infer E extends number
        ? Lt<E, Start> extends true ? 0 : CeilDiv<Sub<E, Start>, Step>
        : never
      : number
    : number

/** where(cond, a, b): the broadcast of all three shapes. */
// `infer … extends Shape` (not `CA extends Shape ?`) so that [N, 3] with a generic N resolves.
export type Where<C extends Shape, A extends Shape, B extends Shape> = Broadcast<'where', C, A> extends infer CA extends Shape
  ? Broadcast<'where', CA, B>
  : Broadcast<'where', C, A>

/** A shape tuple without `readonly`, as every rule returns it: [2, 3], not readonly [2, 3]. */
export type Mutable<S extends Shape> = { -readonly [I in keyof S]: S[I] }
