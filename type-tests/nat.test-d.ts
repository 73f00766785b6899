/**
 * Type-level natural-number arithmetic (types/nat.ts): exact literals for
 * natural-number literal operands of any size up to 10,000,000 and beyond,
 * and the widest honest answer (`number` / `boolean` / the full Ordering) as
 * soon as an operand is not a natural-number literal — never a wrong literal.
 *
 * `//// @ts-expect-error` above an `expectError(...)`: see type-tests/README.md.
 */
import { expectType, expectError } from 'tsd'
import type {
  Add, Sub, Mul, Div, Mod, CeilDiv, Min, Max, Lt, Lte, Gt, Gte, Eq, Compare, Product, Sum, IsNat, Differ, MayDivide,
} from '../types/index.ts'

/** A value of type T, to hand a computed type to expectType. */
declare function t<T>(): T
type Ordering = 'lt' | 'eq' | 'gt'

// ------------------------------------------------------------------ Add
expectType<5>(t<Add<2, 3>>())
expectType<0>(t<Add<0, 0>>())
expectType<7>(t<Add<0, 7>>())
expectType<10>(t<Add<9, 1>>())
expectType<100>(t<Add<99, 1>>())
expectType<1000>(t<Add<1, 999>>())
expectType<230>(t<Add<224, 6>>())
expectType<10000000>(t<Add<9999999, 1>>())
expectType<10000000>(t<Add<1, 9999999>>())
expectType<19999998>(t<Add<9999999, 9999999>>())
expectType<12345678>(t<Add<12345000, 678>>())
expectType<1000000000000>(t<Add<999999999999, 1>>())

// ------------------------------------------------------------------ Sub (negative results are exact)
expectType<1>(t<Sub<3, 2>>())
expectType<0>(t<Sub<5, 5>>())
expectType<0>(t<Sub<0, 0>>())
expectType<-2>(t<Sub<3, 5>>())
expectType<-1>(t<Sub<0, 1>>())
expectType<-999>(t<Sub<1, 1000>>())
expectType<221>(t<Sub<224, 3>>())
expectType<91>(t<Sub<100, 9>>())
expectType<9999999>(t<Sub<10000000, 1>>())
expectType<-9999999>(t<Sub<1, 10000000>>())
expectType<-10000000>(t<Sub<0, 10000000>>())
expectType<1>(t<Sub<10000000, 9999999>>())
expectType<9990001>(t<Sub<10000000, 9999>>())

// ------------------------------------------------------------------ Mul
expectType<6>(t<Mul<2, 3>>())
expectType<0>(t<Mul<0, 12345>>())
expectType<0>(t<Mul<12345, 0>>())
expectType<12345>(t<Mul<1, 12345>>())
expectType<12345>(t<Mul<12345, 1>>())
expectType<81>(t<Mul<9, 9>>())
expectType<50176>(t<Mul<224, 224>>())
expectType<100352>(t<Mul<2048, 49>>())
expectType<9998244>(t<Mul<3162, 3162>>())
expectType<10000000>(t<Mul<10000, 1000>>())
expectType<99999980000001>(t<Mul<9999999, 9999999>>())

// ------------------------------------------------------------------ Div / Mod / CeilDiv
expectType<3>(t<Div<7, 2>>())
expectType<1>(t<Mod<7, 2>>())
expectType<4>(t<CeilDiv<7, 2>>())
expectType<0>(t<Div<0, 5>>())
expectType<0>(t<Mod<0, 5>>())
expectType<0>(t<CeilDiv<0, 5>>())
expectType<0>(t<Div<3, 5>>())
expectType<3>(t<Mod<3, 5>>())
expectType<1>(t<CeilDiv<3, 5>>())
expectType<17>(t<Div<17, 1>>())
expectType<0>(t<Mod<17, 1>>())
expectType<17>(t<CeilDiv<17, 1>>())
expectType<112>(t<Div<224, 2>>())
expectType<0>(t<Mod<224, 2>>())
expectType<112>(t<CeilDiv<224, 2>>())
expectType<4>(t<Div<225, 56>>())
expectType<1>(t<Mod<225, 56>>())
expectType<5>(t<CeilDiv<225, 56>>())
expectType<1428571>(t<Div<10000000, 7>>())
expectType<3>(t<Mod<10000000, 7>>())
expectType<1428572>(t<CeilDiv<10000000, 7>>())
expectType<1>(t<Div<10000000, 10000000>>())
expectType<0>(t<Div<9999999, 10000000>>())
expectType<9999999>(t<Mod<9999999, 10000000>>())
expectType<3>(t<Div<10000000, 3000000>>())
expectType<1000000>(t<Mod<10000000, 3000000>>())
expectType<4>(t<CeilDiv<10000000, 3000000>>())
expectType<81>(t<Div<99999980000001, 1234567654321>>())
expectType<10000>(t<Div<100000000, 10000>>())
// division by zero is `never`
expectType<never>(t<Div<5, 0>>())
expectType<never>(t<Mod<5, 0>>())
expectType<never>(t<CeilDiv<5, 0>>())

// ------------------------------------------------------------------ Compare and friends
expectType<'lt'>(t<Compare<2, 3>>())
expectType<'eq'>(t<Compare<3, 3>>())
expectType<'gt'>(t<Compare<10, 9>>())
expectType<'lt'>(t<Compare<99, 100>>())
expectType<'gt'>(t<Compare<10000000, 9999999>>())
expectType<'lt'>(t<Compare<1234567, 1234568>>())
expectType<'eq'>(t<Compare<0, 0>>())
expectType<true>(t<Lt<2, 3>>())
expectType<false>(t<Lt<3, 3>>())
expectType<false>(t<Lt<4, 3>>())
expectType<true>(t<Lte<3, 3>>())
expectType<true>(t<Lte<2, 3>>())
expectType<false>(t<Lte<4, 3>>())
expectType<true>(t<Gt<10000000, 9999999>>())
expectType<false>(t<Gt<3, 3>>())
expectType<true>(t<Gte<3, 3>>())
expectType<false>(t<Gte<2, 3>>())
expectType<true>(t<Eq<224, 224>>())
expectType<false>(t<Eq<224, 225>>())
expectType<2>(t<Min<2, 3>>())
expectType<2>(t<Min<3, 2>>())
expectType<3>(t<Min<3, 3>>())
expectType<3>(t<Max<2, 3>>())
expectType<3>(t<Max<3, 2>>())
expectType<10000000>(t<Max<10000000, 9999999>>())
expectType<9999999>(t<Min<10000000, 9999999>>())
expectType<true>(t<Differ<2, 3>>())
expectType<false>(t<Differ<3, 3>>())
expectType<true>(t<MayDivide<12, 4>>())
expectType<false>(t<MayDivide<12, 5>>())

// ------------------------------------------------------------------ Product / Sum
expectType<1>(t<Product<[]>>())
expectType<7>(t<Product<[7]>>())
expectType<6>(t<Product<[2, 3]>>())
expectType<6>(t<Product<readonly [2, 3]>>())
expectType<0>(t<Product<[2, 0, 5]>>())
expectType<320>(t<Product<[20, 4, 4]>>())
expectType<400>(t<Product<[16, 5, 5]>>())
expectType<100352>(t<Product<[2048, 7, 7]>>())
expectType<786432>(t<Product<[512, 512, 3]>>())
expectType<150528>(t<Product<[3, 224, 224]>>())
expectType<1204224>(t<Product<[8, 3, 224, 224]>>())
expectType<10000000>(t<Product<[10, 10, 10, 10, 10, 10, 10]>>())
expectType<0>(t<Sum<[]>>())
expectType<6>(t<Sum<[1, 2, 3]>>())
expectType<10000000>(t<Sum<[9999000, 999, 1]>>())

// ------------------------------------------------------------------ IsNat
expectType<true>(t<IsNat<0>>())
expectType<true>(t<IsNat<10000000>>())
expectType<false>(t<IsNat<-1>>())
expectType<false>(t<IsNat<1.5>>())
expectType<false>(t<IsNat<number>>())
expectType<false>(t<IsNat<1e21>>())

// ------------------------------------------------------------------ unknown operands: never a wrong literal
expectType<number>(t<Add<number, 1>>())
expectType<number>(t<Add<1, number>>())
expectType<number>(t<Sub<number, 1>>())
expectType<number>(t<Mul<number, 2>>())
expectType<number>(t<Mul<number, 0>>())
expectType<number>(t<Mul<number, 1>>())
expectType<number>(t<Div<number, 2>>())
expectType<number>(t<Div<10, number>>())
expectType<number>(t<Mod<number, 2>>())
expectType<number>(t<CeilDiv<number, 2>>())
expectType<number>(t<Min<number, 3>>())
expectType<number>(t<Max<3, number>>())
expectType<Ordering>(t<Compare<number, 3>>())
expectType<boolean>(t<Lt<number, 3>>())
expectType<boolean>(t<Lte<3, number>>())
expectType<boolean>(t<Gt<number, number>>())
expectType<boolean>(t<Gte<number, 0>>())
expectType<boolean>(t<Eq<number, 3>>())
expectType<false>(t<Differ<number, 3>>())
expectType<true>(t<MayDivide<number, 5>>())
expectType<number>(t<Product<[number, 3]>>())
expectType<number>(t<Product<[3, number, 3]>>())
expectType<number>(t<Product<number[]>>())
expectType<number>(t<Product<readonly number[]>>())
expectType<number>(t<Sum<[number, 3]>>())

// ------------------------------------------------------------------ fractional / negative / huge operands give `number`
expectType<number>(t<Add<1.5, 1>>())
expectType<number>(t<Add<-1, 1>>())
expectType<number>(t<Sub<-1, 1>>())
expectType<number>(t<Sub<2.5, 1>>())
expectType<number>(t<Mul<-2, 3>>())
expectType<number>(t<Mul<0.5, 4>>())
expectType<number>(t<Div<7.5, 2>>())
expectType<number>(t<Div<-7, 2>>())
expectType<number>(t<Div<7, 0.5>>())
expectType<number>(t<Mod<-7, 2>>())
expectType<number>(t<CeilDiv<7, -2>>())
expectType<number>(t<Min<-1, 3>>())
expectType<number>(t<Max<1.5, 3>>())
expectType<Ordering>(t<Compare<-1, 3>>())
expectType<boolean>(t<Lt<0.5, 3>>())
expectType<number>(t<Add<1e21, 1>>())
expectType<number>(t<Product<[2, -3]>>())
expectType<number>(t<Product<[2, 0.5]>>())

// ------------------------------------------------------------------ must not compile
const takesFive = (n: 5) => n
const takesSix = (n: 6) => n
declare const four: Add<2, 2>
declare const fourMillion: Mul<2000, 2000>
declare const minusTwo: Sub<3, 5>
declare const unknownSum: Add<number, 1>
// a result is exactly its literal, not a neighbour
//// @ts-expect-error
expectError(takesFive(four))
//// @ts-expect-error
expectError(takesSix(t<Product<[2048, 7, 7]>>()))
//// @ts-expect-error
expectError(((n: 4000001) => n)(fourMillion))
//// @ts-expect-error
expectError(((n: 2) => n)(minusTwo))
// an unknown result is never narrowed to a literal
//// @ts-expect-error
expectError(takesFive(unknownSum))
//// @ts-expect-error
expectError(((n: 1428571) => n)(t<Div<number, 7>>()))
//// @ts-expect-error
expectError(((b: true) => b)(t<Lt<number, 3>>()))
//// @ts-expect-error
expectError(((b: false) => b)(t<Gte<number, 3>>()))
// operands must be numbers
//// @ts-expect-error
expectError(t<Add<'2', 3>>())
//// @ts-expect-error
expectError(t<Product<['2', 3]>>())
//// @ts-expect-error
expectError(t<Mul<2, 3n>>())

// ------------------------------------------------------------------ a generic dim N (a model's batch)
// N + 0 and min(2³¹ − 1, N) are N itself: a generic batch survives padding by 0 and an open slice.
// (Inside a generic function these must be exactly N: a deferred `Add<N, 0>` would not satisfy the annotation.)
// The concrete operand is the one asked first (TypeScript defers any test of a bare N), so the generic
// dim goes on the left of Add and on the right of Min, as the shape rules write them.
export const genericArithmetic = <N extends number>() => {
  const plusZero: N = t<Add<N, 0>>()
  const clampedToN: N = t<Min<2147483647, N>>()
  return [plusZero, clampedToN]
}
// a big bound does not swallow a literal: min(2³¹ − 1, 8) is 8, min(2³¹ − 2, 2³¹ − 1) is 2³¹ − 2
expectType<8>(t<Min<2147483647, 8>>())
expectType<8>(t<Min<8, 2147483647>>())
expectType<2147483646>(t<Min<2147483646, 2147483647>>())
expectType<number>(t<Min<2147483647, number>>())
expectType<number>(t<Add<number, 0>>())
