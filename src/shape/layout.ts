/**
 * Shape rules of the layout ops, each type-level rule beside its run-time twin:
 * broadcasting, reshape/flatten, permute/transpose, concat, reductions,
 * matmul/linear, pad/slice/where, and the shape of a nested array literal.
 * A type-level rule returns a shape tuple or a ShapeError; its twin returns the
 * dims or throws the same message (each written once, see errors.ts). A dim is
 * a number literal when known and `number` when not; unknown in, unknown out.
 */
import type { Add, Sub, Div, Mod, CeilDiv, Min, Product, Lt, Gte, IsNat, Differ } from '../../types/nat.ts'
import type { ShapeError, UnknownShape } from '../../types/errors.ts'
import type { Shape, IsTuple, TakeDims, DropDims, Mutable } from '../../types/shape.ts'
import { fail, shapeText, biasShape, type ShapeText } from './errors.ts'

type Dims = readonly number[]
const product = (dims: Dims): number => dims.reduce((a, b) => a * b, 1)
export { product as sizeOf }

// Patterns below match dims with `unknown` or `infer X extends number`, never a bare `number`:
// a generic batch dim N only resolves through inference, so `[N, 3]` stays usable.

/** Dims known here and equal, or possibly equal because one is unknown. */
type MayEqual<A extends number, B extends number> = Differ<A, B> extends true ? false : true

/** The narrower of two dims that may be equal: a literal wins over `number`; the same dim (a generic N) is itself. */
// Identity is asked first, inside an object: a bare generic N as the checked type would defer the answer.
type Known<A extends number, B extends number> = { v: A } extends { v: B } ? A : number extends A ? B : A

// ------------------------------------------------------------ axes

export const axisOutOfRange = <Op extends string, Axis extends number, Rank extends number>(op: Op, axis: Axis, rank: Rank) =>
  `${op}: axis ${axis} is out of range for rank ${rank}` as const
/** "softmax: axis 2 is out of range for rank 2" */
export type axisOutOfRange<Op extends string, Axis extends number, Rank extends number> = ReturnType<typeof axisOutOfRange<Op, Axis, Rank>>

/** A possibly negative axis as an index in 0..rank-1, or a ShapeError naming the op. */
export type NormalizeAxis<Op extends string, Axis extends number, Rank extends number> =
  number extends Axis | Rank
    ? number
    : `${Axis}` extends `-${infer P extends number}`
      ? Lt<Rank, P> extends true
        ? ShapeError<axisOutOfRange<Op, Axis, Rank>>
        : Sub<Rank, P>
      : Lt<Axis, Rank> extends true
        ? Axis
        : ShapeError<axisOutOfRange<Op, Axis, Rank>>

export const normalizeAxis = (op: string, axis: number, rank: number): number => {
  if (axis < -rank || axis >= rank) fail(axisOutOfRange(op, axis, rank))
  return axis < 0 ? axis + rank : axis
}

// ------------------------------------------------------------ broadcasting

export const cannotBroadcast = <Op extends string, A extends string, B extends string>(op: Op, a: A, b: B) =>
  `${op}: shapes ${a} and ${b} cannot be broadcast` as const
/** "add: shapes [2, 3] and [4] cannot be broadcast" */
export type cannotBroadcast<Op extends string, A extends string, B extends string> = ReturnType<typeof cannotBroadcast<Op, A, B>>

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
        : ShapeError<cannotBroadcast<Op, ShapeText<A0>, ShapeText<B0>>>
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

export const broadcastShapes = (op: string, a: Dims, b: Dims): number[] => {
  const rank = Math.max(a.length, b.length)
  const out: number[] = []
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1
    const db = b[b.length - rank + i] ?? 1
    if (da !== db && da !== 1 && db !== 1) fail(cannotBroadcast(op, shapeText(a), shapeText(b)))
    out.push(da === 1 ? db : da)
  }
  return out
}

/** where(cond, a, b): the broadcast of all three shapes. */
// `infer … extends Shape` (not `CA extends Shape ?`) so that [N, 3] with a generic N resolves.
export type Where<C extends Shape, A extends Shape, B extends Shape> = Broadcast<'where', C, A> extends infer CA extends Shape
  ? Broadcast<'where', CA, B>
  : Broadcast<'where', C, A>

// ------------------------------------------------------------ reshape family

export const invalidDim = <Dim extends number, Target extends string>(dim: Dim, target: Target) => `reshape: invalid dim ${dim} in ${target}` as const
/** "reshape: invalid dim -2 in [-2, 4]" */
export type invalidDim<Dim extends number, Target extends string> = ReturnType<typeof invalidDim<Dim, Target>>

export const severalWildcards = <Target extends string>(target: Target) => `reshape: at most one -1 is allowed, got ${target}` as const
/** "reshape: at most one -1 is allowed, got [-1, -1]" */
export type severalWildcards<Target extends string> = ReturnType<typeof severalWildcards<Target>>

export const cannotReshape = <Count extends number, Target extends string>(count: Count, target: Target) =>
  `reshape: ${count} elements cannot become ${target}` as const
/** "reshape: 12 elements cannot become [5, -1]" */
export type cannotReshape<Count extends number, Target extends string> = ReturnType<typeof cannotReshape<Count, Target>>

/** reshape with at most one -1 inferred from the element count. */
export type Reshape<S extends Shape, T extends Shape> = [InvalidDim<T>] extends [never]
  ? CountMinusOnes<T> extends 0 | 1
    ? ReshapeKeepingLead<S, T> extends infer Kept extends Shape
      ? Kept
      : ReshapeChecked<S, T, Product<S>, Product<KnownTargetDims<T>>>
    : ShapeError<severalWildcards<ShapeText<T>>>
  : ShapeError<invalidDim<InvalidDim<T>, ShapeText<T>>>

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
        ? ShapeError<cannotReshape<From, ShapeText<T>>>
        : Mod<From, Known> extends 0
          ? { -readonly [I in keyof T]: T[I] extends -1 ? Div<From, Known> : T[I] }
          : ShapeError<cannotReshape<From, ShapeText<T>>>
      : [From] extends [Known]
        ? Mutable<T>
        : ShapeError<cannotReshape<From, ShapeText<T>>>

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

export const reshapeShape = (from: Dims, target: Dims): number[] => {
  const invalid = target.find((d) => d !== -1 && !(Number.isInteger(d) && d >= 0))
  if (invalid !== undefined) fail(invalidDim(invalid, shapeText(target)))
  const wildcards = target.filter((d) => d === -1).length
  if (wildcards > 1) fail(severalWildcards(shapeText(target)))
  const count = product(from)
  const known = product(target.filter((d) => d !== -1))
  const cannot = () => fail(cannotReshape(count, shapeText(target)))
  if (wildcards === 1) {
    if (known === 0 || count % known !== 0) cannot()
    return target.map((d) => (d === -1 ? count / known : d))
  }
  if (count !== known) cannot()
  return [...target]
}

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

export const flattenShape = (x: Dims, startDim = 1): number[] => {
  const start = normalizeAxis('flatten', startDim, x.length)
  return [...x.slice(0, start), product(x.slice(start))]
}

export const notAPermutation = <Dims extends string, Rank extends number, Of extends string>(dims: Dims, rank: Rank, of: Of) =>
  `permute: ${dims} is not a permutation of the ${rank} dims of ${of}` as const
/** "permute: [0, 0] is not a permutation of the 2 dims of [2, 3]" */
export type notAPermutation<Dims extends string, Rank extends number, Of extends string> = ReturnType<typeof notAPermutation<Dims, Rank, Of>>

/** permute(dims): output dim i is input dim dims[i] (negative counts from the end); dims must be a permutation. */
export type Permute<S extends Shape, P extends Shape> = IsTuple<S> extends false
  ? UnknownShape
  : [P['length']] extends [S['length']]
    ? IsPermutation<NonNegativeDims<P, S['length']>, S['length']> extends true
      ? { -readonly [I in keyof P]: S[NonNegativeDims<P, S['length']>[I] & number] }
      : ShapeError<notAPermutation<ShapeText<P>, S['length'], ShapeText<S>>>
    : ShapeError<notAPermutation<ShapeText<P>, S['length'], ShapeText<S>>>
type NonNegativeDims<P extends Shape, Rank extends number> = {
  -readonly [I in keyof P]: `${P[I]}` extends `-${infer K extends number}` ? Sub<Rank, K> : P[I]
}
type IsPermutation<P extends Shape, N extends number, Seen extends number = never> = P extends readonly [
  infer H extends number,
  ...infer R extends Shape,
]
  ? H extends Seen ? false : IsNat<H> extends true ? Lt<H, N> extends true ? IsPermutation<R, N, Seen | H> : false : false
  : true

/** Dims of a permutation with negative ones counted from the end, or an error when they are not a permutation. */
export const permutationOf = (x: Dims, dims: Dims): number[] => {
  const seen = new Set<number>()
  const normalized = dims.map((d) => (d < 0 ? d + x.length : d))
  const valid = dims.length === x.length && normalized.every((d) => Number.isInteger(d) && d >= 0 && d < x.length && !seen.has(d) && seen.add(d))
  if (!valid) fail(notAPermutation(shapeText(dims), x.length, shapeText(x)))
  return normalized
}

export const permuteShape = (x: Dims, dims: Dims): number[] => permutationOf(x, dims).map((d) => x[d])

/** transpose(dim0, dim1): swaps two dims (negative axes allowed). */
export type Transpose<S extends Shape, D0 extends number, D1 extends number> = IsTuple<S> extends false
  ? UnknownShape
  : [NormalizeAxis<'transpose', D0, S['length']>, NormalizeAxis<'transpose', D1, S['length']>] extends [infer A, infer B]
    ? A extends ShapeError<string> ? A
      : B extends ShapeError<string> ? B
      : { -readonly [I in keyof S]: I extends `${A & number}` ? S[B & number] : I extends `${B & number}` ? S[A & number] : S[I] }
    : never

export const transposeShape = (x: Dims, dim0: number, dim1: number): number[] => {
  const a = normalizeAxis('transpose', dim0, x.length)
  const b = normalizeAxis('transpose', dim1, x.length)
  const out = [...x]
  ;[out[a], out[b]] = [out[b], out[a]]
  return out
}

// ------------------------------------------------------------ concat

export const concatNothing = 'concat: needs at least one tensor'
export type concatNothing = typeof concatNothing

export const concatMismatch = <A extends string, B extends string, Axis extends number>(a: A, b: B, axis: Axis) =>
  `concat: shapes ${a} and ${b} differ outside axis ${axis}` as const
/** "concat: shapes [1, 2, 3] and [1, 3, 3] differ outside axis 2" */
export type concatMismatch<A extends string, B extends string, Axis extends number> = ReturnType<typeof concatMismatch<A, B, Axis>>

export const concatRanks = <A extends string, B extends string>(a: A, b: B) => `concat: shapes ${a} and ${b} have different ranks` as const
/** "concat: shapes [1, 2] and [1, 2, 3] have different ranks" */
export type concatRanks<A extends string, B extends string> = ReturnType<typeof concatRanks<A, B>>

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
  : ShapeError<concatNothing>

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
          ? ShapeError<concatMismatch<ShapeText<Acc>, ShapeText<S>, A>>
          : D extends infer Merged extends Shape ? ConcatFold<R, A, Merged> : never
        : never
      : ShapeError<concatRanks<ShapeText<Acc>, ShapeText<S>>>
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

export const concatShape = (shapes: readonly Dims[], axis: number): number[] => {
  if (shapes.length === 0) fail(concatNothing)
  const a = normalizeAxis('concat', axis, shapes[0].length)
  return shapes.slice(1).reduce<number[]>((acc, s) => {
    if (s.length !== acc.length) fail(concatRanks(shapeText(acc), shapeText(s)))
    if (s.some((d, i) => i !== a && d !== acc[i])) fail(concatMismatch(shapeText(acc), shapeText(s), a))
    return acc.map((d, i) => (i === a ? d + s[i] : d))
  }, [...shapes[0]])
}

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

/** The reduced axes in 0..rank-1 (all when axis is undefined). */
export const reducedAxes = (op: string, x: Dims, axis: number | readonly number[] | undefined): number[] => {
  if (axis === undefined) return x.map((_, i) => i)
  const axes = (typeof axis === 'number' ? [axis] : axis).map((a) => normalizeAxis(op, a, x.length))
  const twice = axes.find((a, i) => axes.indexOf(a) !== i)
  // The type-level rule keeps the axes as a union, where a repeated axis is harmless; only here is it an error.
  if (twice !== undefined) fail(`${op}: axis ${twice} appears twice`)
  return axes
}

export const reduceShape = (op: string, x: Dims, axis: number | readonly number[] | undefined, keepDims: boolean): number[] => {
  const axes = new Set(reducedAxes(op, x, axis))
  return x.flatMap((d, i) => (axes.has(i) ? (keepDims ? [1] : []) : [d]))
}

// ------------------------------------------------------------ matmul / linear

export const matmulRank = <A extends string, B extends string>(a: A, b: B) => `matmul: operands must have rank ≥ 1, got ${a} and ${b}` as const
/** "matmul: operands must have rank ≥ 1, got [] and [3]" */
export type matmulRank<A extends string, B extends string> = ReturnType<typeof matmulRank<A, B>>

export const innerDimsDiffer = <A extends string, K extends number, B extends string, K2 extends number>(a: A, k: K, b: B, k2: K2) =>
  `matmul: inner dims differ: ${a} has ${k} but ${b} has ${k2}` as const
/** "matmul: inner dims differ: [2, 3] has 3 but [4, 5] has 4" */
export type innerDimsDiffer<A extends string, K extends number, B extends string, K2 extends number> = ReturnType<typeof innerDimsDiffer<A, K, B, K2>>

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
    : ShapeError<matmulRank<ShapeText<A0>, ShapeText<B0>>>
  : ShapeError<matmulRank<ShapeText<A0>, ShapeText<B0>>>
type MatmulMismatch<A extends Shape, B extends Shape, K extends number, K2 extends number> =
  ShapeError<innerDimsDiffer<ShapeText<A>, K, ShapeText<B>, K2>>

export const matmulShape = (a: Dims, b: Dims): number[] => {
  if (a.length === 0 || b.length === 0) fail(matmulRank(shapeText(a), shapeText(b)))
  const a2 = a.length === 1 ? [1, a[0]] : a
  const b2 = b.length === 1 ? [b[0], 1] : b
  const k = a2[a2.length - 1]
  const k2 = b2[b2.length - 2]
  if (k !== k2) fail(innerDimsDiffer(shapeText(a), a[a.length - 1], shapeText(b), b.length === 1 ? b[0] : k2))
  const batch = broadcastShapes('matmul', a2.slice(0, -2), b2.slice(0, -2))
  return [...batch, ...(a.length === 1 ? [] : [a2[a2.length - 2]]), ...(b.length === 1 ? [] : [b2[b2.length - 1]])]
}

export const linearWeight = <Got extends string>(got: Got) => `linear: weight must be [out, in], got ${got}` as const
/** "linear: weight must be [out, in], got [10]" */
export type linearWeight<Got extends string> = ReturnType<typeof linearWeight<Got>>

export const linearScalar = 'linear: input must have rank ≥ 1, got a scalar'
export type linearScalar = typeof linearScalar

export const featureMismatch = <F extends number, In extends number>(features: F, expected: In) =>
  `linear: input has ${features} features but weight expects ${expected}` as const
/** "linear: input has 320 features but weight expects 256" */
export type featureMismatch<F extends number, In extends number> = ReturnType<typeof featureMismatch<F, In>>

export const linearBiasCount = <B extends number, Out extends number>(values: B, out: Out) =>
  `linear: bias has ${values} features but weight has ${out} outputs` as const
/** "linear: bias has 5 features but weight has 10 outputs" */
export type linearBiasCount<B extends number, Out extends number> = ReturnType<typeof linearBiasCount<B, Out>>

/** linear: x [..., In] with weight [Out, In] (and bias [Out]) gives [..., Out]. */
export type Linear<S extends Shape, W extends Shape, Bias extends Shape | undefined = undefined> = IsTuple<S> extends false
  ? UnknownShape
  : W extends readonly [infer Out extends number, infer In extends number]
    ? S extends readonly [...infer Lead extends Shape, infer F extends number]
      ? MayEqual<F, In> extends true
        ? Bias extends readonly [infer BO extends number]
          ? MayEqual<BO, Out> extends true ? [...Lead, Out] : ShapeError<linearBiasCount<BO, Out>>
          : Bias extends Shape
            ? IsTuple<Bias> extends true ? ShapeError<biasShape<'linear', Out, ShapeText<Bias>>> : [...Lead, Out]
            : [...Lead, Out]
        : ShapeError<featureMismatch<F, In>>
      : ShapeError<linearScalar>
    : ShapeError<linearWeight<ShapeText<W>>>

export const linearShape = (x: Dims, w: Dims, bias?: Dims): number[] => {
  if (w.length !== 2) fail(linearWeight(shapeText(w)))
  if (x.length === 0) fail(linearScalar)
  const [out, inFeatures] = w
  const features = x[x.length - 1]
  if (features !== inFeatures) fail(featureMismatch(features, inFeatures))
  if (bias !== undefined && bias.length !== 1) fail(biasShape('linear', out, shapeText(bias)))
  if (bias !== undefined && bias[0] !== out) fail(linearBiasCount(bias[0], out))
  return [...x.slice(0, -1), out]
}

// ------------------------------------------------------------ pad / slice

/** pad: [before, after] per dim from the first (missing pairs pad nothing). */
export type Pad<S extends Shape, Pads extends readonly (readonly [number, number])[]> = IsTuple<S> extends false
  ? UnknownShape
  : { -readonly [I in keyof S]: I extends keyof Pads ? Pads[I] extends readonly [infer B extends number, infer A extends number] ? PadDim<S[I], Add<B, A>> : S[I] : S[I] }
/** A dim grown by Extra; the padding is asked first, so an unpadded generic N stays N (not N + 0). */
type PadDim<D extends number, Extra extends number> = Extra extends 0 ? D : Add<D, Extra>

// Pairs and sizes that do not fit are checked at run time only: the type-level rule sees literal pads of known tensors.
export const padShape = (x: Dims, pads: readonly (readonly [number, number])[]): number[] => {
  if (pads.length > x.length) fail(`pad: ${pads.length} padding pairs for a tensor of rank ${x.length}`)
  return x.map((d, i) => {
    const [before, after] = pads[i] ?? [0, 0]
    const out = d + before + after
    if (out < 0) fail(`pad: dim ${i} of size ${d} cannot shrink by ${-(before + after)}`)
    return out
  })
}

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

export interface SliceSpec {
  readonly start: readonly number[]
  readonly end: readonly number[]
  readonly step?: readonly number[]
}

/** Start, end (clamped, negative counts from the end) and step of one sliced dim. */
export const sliceRange = (size: number, start: number | undefined, end: number | undefined, step: number | undefined) => {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size)
  const s = clamp(start ?? 0)
  const e = clamp(end ?? size)
  return { start: s, end: e, step: step ?? 1, size: Math.max(0, Math.ceil((e - s) / (step ?? 1))) }
}

export const sliceShape = (x: Dims, spec: SliceSpec): number[] => {
  if (spec.start.length > x.length || spec.end.length > x.length) fail(`slice: more bounds than the ${x.length} dims of ${shapeText(x)}`)
  spec.step?.forEach((s) => s < 1 && fail(`slice: step must be a positive integer, got ${s}`))
  return x.map((d, i) => sliceRange(d, spec.start[i], spec.end[i], spec.step?.[i]).size)
}

// ------------------------------------------------------------ literals

export const raggedRows = 'tensor: rows have different lengths'
export type raggedRows = typeof raggedRows

/** Type-level only: at run time a value that is not a number reaches the tensor's own checks. */
type notNumbers = 'tensor: values must be numbers or nested arrays of numbers'

/** The shape of a nested array literal: [rows, cols, …]; ragged rows are an error. */
export type ShapeOfNested<A> = A extends readonly number[]
  ? [A['length']]
  : A extends readonly (infer E)[]
    ? IsUnion<A[number] extends readonly unknown[] ? A[number]['length'] : never> extends true
      ? ShapeError<raggedRows>
      : ShapeOfNested<E> extends infer Inner
        // Rows of different shapes (at any depth) or rows mixed with numbers give a union here.
        ? IsUnion<Inner> extends true
          ? ShapeError<raggedRows>
          : [Inner] extends [Shape] ? [A['length'], ...Inner] : Inner
        : never
    : A extends number
      ? []
      : ShapeError<notNumbers>
type IsUnion<T, U = T> = [T] extends [never] ? false : T extends unknown ? ([U] extends [T] ? false : true) : never

/** Shape of a nested array, or an error when rows are ragged. */
export const shapeOfNested = (value: unknown): number[] => {
  if (!Array.isArray(value)) return []
  if (value.length === 0) return [0]
  const inner = shapeOfNested(value[0])
  for (const row of value) {
    if (shapeText(shapeOfNested(row)) !== shapeText(inner)) fail(raggedRows)
  }
  return [value.length, ...inner]
}
