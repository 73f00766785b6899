/**
 * Natural-number arithmetic on number literals, done digit-wise on decimal
 * strings so it works far beyond the tuple-length tricks (which stop near
 * 10,000) and beyond ts-toolbelt (±100).
 *
 * Contract of every public operator: when an operand is not a natural-number
 * literal (it is `number`, negative, fractional), the result is the widest
 * honest answer (`number` or `boolean`), never a wrong literal.
 *
 * Internally a natural number is its decimal string, most significant digit
 * first, no leading zeros. Addition and subtraction walk reversed strings so
 * the carry travels with the recursion; every recursion is tail-recursive so
 * TypeScript can go deep without hitting its nesting limit.
 */

type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9'

// Each table entry is `${carryOrBorrow}${digit}` for one column.
// prettier-ignore
type SumTable = [
  ['00', '01', '02', '03', '04', '05', '06', '07', '08', '09'],
  ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10'],
  ['02', '03', '04', '05', '06', '07', '08', '09', '10', '11'],
  ['03', '04', '05', '06', '07', '08', '09', '10', '11', '12'],
  ['04', '05', '06', '07', '08', '09', '10', '11', '12', '13'],
  ['05', '06', '07', '08', '09', '10', '11', '12', '13', '14'],
  ['06', '07', '08', '09', '10', '11', '12', '13', '14', '15'],
  ['07', '08', '09', '10', '11', '12', '13', '14', '15', '16'],
  ['08', '09', '10', '11', '12', '13', '14', '15', '16', '17'],
  ['09', '10', '11', '12', '13', '14', '15', '16', '17', '18'],
]
// prettier-ignore
type SumCarryTable = [
  ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10'],
  ['02', '03', '04', '05', '06', '07', '08', '09', '10', '11'],
  ['03', '04', '05', '06', '07', '08', '09', '10', '11', '12'],
  ['04', '05', '06', '07', '08', '09', '10', '11', '12', '13'],
  ['05', '06', '07', '08', '09', '10', '11', '12', '13', '14'],
  ['06', '07', '08', '09', '10', '11', '12', '13', '14', '15'],
  ['07', '08', '09', '10', '11', '12', '13', '14', '15', '16'],
  ['08', '09', '10', '11', '12', '13', '14', '15', '16', '17'],
  ['09', '10', '11', '12', '13', '14', '15', '16', '17', '18'],
  ['10', '11', '12', '13', '14', '15', '16', '17', '18', '19'],
]
// prettier-ignore
type DiffTable = [
  ['00', '19', '18', '17', '16', '15', '14', '13', '12', '11'],
  ['01', '00', '19', '18', '17', '16', '15', '14', '13', '12'],
  ['02', '01', '00', '19', '18', '17', '16', '15', '14', '13'],
  ['03', '02', '01', '00', '19', '18', '17', '16', '15', '14'],
  ['04', '03', '02', '01', '00', '19', '18', '17', '16', '15'],
  ['05', '04', '03', '02', '01', '00', '19', '18', '17', '16'],
  ['06', '05', '04', '03', '02', '01', '00', '19', '18', '17'],
  ['07', '06', '05', '04', '03', '02', '01', '00', '19', '18'],
  ['08', '07', '06', '05', '04', '03', '02', '01', '00', '19'],
  ['09', '08', '07', '06', '05', '04', '03', '02', '01', '00'],
]
// prettier-ignore
type DiffBorrowTable = [
  ['19', '18', '17', '16', '15', '14', '13', '12', '11', '10'],
  ['00', '19', '18', '17', '16', '15', '14', '13', '12', '11'],
  ['01', '00', '19', '18', '17', '16', '15', '14', '13', '12'],
  ['02', '01', '00', '19', '18', '17', '16', '15', '14', '13'],
  ['03', '02', '01', '00', '19', '18', '17', '16', '15', '14'],
  ['04', '03', '02', '01', '00', '19', '18', '17', '16', '15'],
  ['05', '04', '03', '02', '01', '00', '19', '18', '17', '16'],
  ['06', '05', '04', '03', '02', '01', '00', '19', '18', '17'],
  ['07', '06', '05', '04', '03', '02', '01', '00', '19', '18'],
  ['08', '07', '06', '05', '04', '03', '02', '01', '00', '19'],
]
// prettier-ignore
type ProductTable = [
  ['00', '00', '00', '00', '00', '00', '00', '00', '00', '00'],
  ['00', '01', '02', '03', '04', '05', '06', '07', '08', '09'],
  ['00', '02', '04', '06', '08', '10', '12', '14', '16', '18'],
  ['00', '03', '06', '09', '12', '15', '18', '21', '24', '27'],
  ['00', '04', '08', '12', '16', '20', '24', '28', '32', '36'],
  ['00', '05', '10', '15', '20', '25', '30', '35', '40', '45'],
  ['00', '06', '12', '18', '24', '30', '36', '42', '48', '54'],
  ['00', '07', '14', '21', '28', '35', '42', '49', '56', '63'],
  ['00', '08', '16', '24', '32', '40', '48', '56', '64', '72'],
  ['00', '09', '18', '27', '36', '45', '54', '63', '72', '81'],
]
/** DigitMultiples[d] = [d·0, …, d·9]: the multiples of a one-digit divisor, precomputed. */
// prettier-ignore
type DigitMultiples = [
  ['0', '0', '0', '0', '0', '0', '0', '0', '0', '0'],
  ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  ['0', '2', '4', '6', '8', '10', '12', '14', '16', '18'],
  ['0', '3', '6', '9', '12', '15', '18', '21', '24', '27'],
  ['0', '4', '8', '12', '16', '20', '24', '28', '32', '36'],
  ['0', '5', '10', '15', '20', '25', '30', '35', '40', '45'],
  ['0', '6', '12', '18', '24', '30', '36', '42', '48', '54'],
  ['0', '7', '14', '21', '28', '35', '42', '49', '56', '63'],
  ['0', '8', '16', '24', '32', '40', '48', '56', '64', '72'],
  ['0', '9', '18', '27', '36', '45', '54', '63', '72', '81'],
]

type DigitValue = { '0': 0; '1': 1; '2': 2; '3': 3; '4': 4; '5': 5; '6': 6; '7': 7; '8': 8; '9': 9 }
type Ordering = 'lt' | 'eq' | 'gt'
// prettier-ignore
type DigitOrder = [
  ['eq', 'lt', 'lt', 'lt', 'lt', 'lt', 'lt', 'lt', 'lt', 'lt'],
  ['gt', 'eq', 'lt', 'lt', 'lt', 'lt', 'lt', 'lt', 'lt', 'lt'],
  ['gt', 'gt', 'eq', 'lt', 'lt', 'lt', 'lt', 'lt', 'lt', 'lt'],
  ['gt', 'gt', 'gt', 'eq', 'lt', 'lt', 'lt', 'lt', 'lt', 'lt'],
  ['gt', 'gt', 'gt', 'gt', 'eq', 'lt', 'lt', 'lt', 'lt', 'lt'],
  ['gt', 'gt', 'gt', 'gt', 'gt', 'eq', 'lt', 'lt', 'lt', 'lt'],
  ['gt', 'gt', 'gt', 'gt', 'gt', 'gt', 'eq', 'lt', 'lt', 'lt'],
  ['gt', 'gt', 'gt', 'gt', 'gt', 'gt', 'gt', 'eq', 'lt', 'lt'],
  ['gt', 'gt', 'gt', 'gt', 'gt', 'gt', 'gt', 'gt', 'eq', 'lt'],
  ['gt', 'gt', 'gt', 'gt', 'gt', 'gt', 'gt', 'gt', 'gt', 'eq'],
]

// ---------------------------------------------------------------- strings

type Reverse<S extends string, Acc extends string = ''> = S extends `${infer H}${infer T}`
  ? Reverse<T, `${H}${Acc}`>
  : Acc

type StripZeros<S extends string> = S extends `0${infer R}` ? (R extends '' ? '0' : StripZeros<R>) : S

/** Adds two reversed digit strings; the result comes out most-significant first. */
type AddReversed<A extends string, B extends string, Carry extends string = '0', Acc extends string = ''> =
  A extends `${infer a extends Digit}${infer AR}`
    ? B extends `${infer b extends Digit}${infer BR}`
      ? Column<a, b, Carry> extends `${infer c}${infer d}` ? AddReversed<AR, BR, c, `${d}${Acc}`> : never
      : Column<a, '0', Carry> extends `${infer c}${infer d}` ? AddReversed<AR, '', c, `${d}${Acc}`> : never
    : B extends `${infer b extends Digit}${infer BR}`
      ? Column<'0', b, Carry> extends `${infer c}${infer d}` ? AddReversed<'', BR, c, `${d}${Acc}`> : never
      : Carry extends '1' ? `1${Acc}` : Acc

type Column<a extends Digit, b extends Digit, Carry extends string> = Carry extends '1'
  ? SumCarryTable[a][b]
  : SumTable[a][b]

/** A − B on reversed strings, assuming A ≥ B; result most-significant first, maybe with leading zeros. */
type SubReversed<A extends string, B extends string, Borrow extends string = '0', Acc extends string = ''> =
  A extends `${infer a extends Digit}${infer AR}`
    ? (B extends `${infer b extends Digit}${infer BR}` ? [b, BR] : ['0', '']) extends [
        infer b extends Digit,
        infer BR extends string,
      ]
      ? (Borrow extends '1' ? DiffBorrowTable[a][b] : DiffTable[a][b]) extends `${infer o}${infer d}`
        ? SubReversed<AR, BR, o, `${d}${Acc}`>
        : never
      : never
    : Acc

/** Compares digit strings without leading zeros: the longer is larger, else the first differing digit decides. */
export type CompareDigits<A extends string, B extends string, First extends Ordering = 'eq'> =
  A extends `${infer a extends Digit}${infer AR}`
    ? B extends `${infer b extends Digit}${infer BR}`
      ? CompareDigits<AR, BR, First extends 'eq' ? DigitOrder[a][b] : First>
      : 'gt'
    : B extends ''
      ? First
      : 'lt'

type AddDigits<A extends string, B extends string> = AddReversed<Reverse<A>, Reverse<B>>
type SubDigits<A extends string, B extends string> = StripZeros<SubReversed<Reverse<A>, Reverse<B>>>

/** [A·0, A·1, …, A·9]: from the table for one digit, else by repeated addition (cached per A by the checker). */
type Multiples<A extends string> = A extends Digit ? DigitMultiples[DigitValue[A]] : MultiplesBySum<A>
type MultiplesBySum<A extends string, Acc extends string[] = ['0']> = Acc['length'] extends 10
  ? Acc
  : MultiplesBySum<A, [...Acc, AddDigits<Acc[LastIndex<Acc>], A>]>
type LastIndex<T extends unknown[]> = T extends [unknown, ...infer R] ? R['length'] : never

/** A·d for a reversed A and one digit d: one pass with the carry, most-significant digit first out. */
type MulRow<ARev extends string, d extends Digit, Carry extends Digit = '0', Acc extends string = ''> =
  ARev extends `${infer a extends Digit}${infer Rest}`
    ? ProductTable[DigitValue[a]][DigitValue[d]] extends `${infer x extends Digit}${infer y extends Digit}`
      ? SumTable[DigitValue[y]][DigitValue[Carry]] extends `${infer k extends Digit}${infer z extends Digit}`
        ? MulRow<Rest, d, SumTable[DigitValue[x]][DigitValue[k]] extends `${string}${infer c extends Digit}` ? c : never, `${z}${Acc}`>
        : never
      : never
    : Carry extends '0' ? Acc : `${Carry}${Acc}`

/** Schoolbook multiplication, Horner's rule over the digits of B: acc = acc·10 + A·b. */
type MulDigits<ARev extends string, B extends string, Acc extends string = '0'> =
  B extends `${infer b extends Digit}${infer BR}`
    ? MulDigits<ARev, BR, b extends '0' ? Shift<Acc> : AddDigits<Shift<Acc>, MulRow<ARev, b>>>
    : Acc
type Shift<S extends string> = S extends '0' ? '0' : `${S}0`

/** Long division: [quotient, remainder]. */
type DivDigits<A extends string, B extends string, M extends string[] = Multiples<B>, Q extends string = '', R extends string = '0'> =
  A extends `${infer a extends Digit}${infer AR}`
    ? StripZeros<`${R}${a}`> extends infer Cur extends string
      ? LargestMultiple<Cur, M> extends [infer q extends string, infer Used extends string]
        ? DivDigits<AR, B, M, `${Q}${q}`, SubDigits<Cur, Used>>
        : never
      : never
    : [StripZeros<Q extends '' ? '0' : Q>, R]

/** The largest k in 0..9 with M[k] ≤ Cur, as [k, M[k]]. */
type LargestMultiple<Cur extends string, M extends string[], K extends unknown[] = [9, 8, 7, 6, 5, 4, 3, 2, 1]> =
  K extends [infer k extends number, ...infer Rest]
    ? CompareDigits<M[k], Cur> extends 'gt'
      ? LargestMultiple<Cur, M, Rest>
      : [`${k}`, M[k]]
    : ['0', '0']

// ---------------------------------------------------------------- numbers

/** The digit string of a natural-number literal; never for anything else (number, negative, fraction, 1e21). */
export type NatDigits<N extends number> = number extends N
  ? never
  : `${N}` extends `${string}${'-' | '.' | 'e'}${string}`
    ? never
    : `${N}`

type ToNumber<S extends string> = S extends `${infer N extends number}` ? N : never
type ToInteger<S extends string> = S extends `-${infer P}` ? (P extends '0' ? 0 : ToNumber<S>) : ToNumber<S>

/** True for a natural-number literal (0, 1, 2, …), false for `number`, negatives and fractions. */
export type IsNat<N extends number> = [NatDigits<N>] extends [never] ? false : true

/** A + B; N + 0 is N itself, also for a generic N (the zero is asked first: a test of a bare N defers). */
export type Add<A extends number, B extends number> = [B] extends [0]
  ? A
  : [A] extends [0]
    ? B
    : Lift2<A, B> extends [infer a extends string, infer b extends string]
      ? ToNumber<AddDigits<a, b>>
      : number

/** A − B; negative results are exact negative literals (Sub<3, 5> = -2). */
export type Sub<A extends number, B extends number> = Lift2<A, B> extends [infer a extends string, infer b extends string]
  ? CompareDigits<a, b> extends 'lt'
    ? ToInteger<`-${SubDigits<b, a>}`>
    : ToNumber<SubDigits<a, b>>
  : number

export type Mul<A extends number, B extends number> = Lift2<A, B> extends [infer a extends string, infer b extends string]
  ? a extends '0' ? 0 : b extends '0' ? 0 : a extends '1' ? B : b extends '1' ? A : ToNumber<MulDigits<Reverse<a>, b>>
  : number

/** ⌊A / B⌋; `never` for division by zero. */
export type Div<A extends number, B extends number> = Lift2<A, B> extends [infer a extends string, infer b extends string]
  ? b extends '0' ? never : b extends '1' ? A : ToNumber<DivDigits<a, b>[0]>
  : number

/** A mod B; `never` for division by zero. */
export type Mod<A extends number, B extends number> = Lift2<A, B> extends [infer a extends string, infer b extends string]
  ? b extends '0' ? never : b extends '1' ? 0 : ToNumber<DivDigits<a, b>[1]>
  : number

/** ⌈A / B⌉; `never` for division by zero. */
export type CeilDiv<A extends number, B extends number> = Lift2<A, B> extends [infer a extends string, infer b extends string]
  ? b extends '0'
    ? never
    : DivDigits<a, b> extends [infer q extends string, infer r extends string]
      ? r extends '0' ? ToNumber<q> : ToNumber<AddDigits<q, '1'>>
      : never
  : number

export type Compare<A extends number, B extends number> = Lift2<A, B> extends [infer a extends string, infer b extends string]
  ? CompareDigits<a, b>
  : Ordering

export type Lt<A extends number, B extends number> = Decide<Compare<A, B>, 'lt'>
export type Lte<A extends number, B extends number> = Decide<Compare<A, B>, 'lt' | 'eq'>
export type Gt<A extends number, B extends number> = Decide<Compare<A, B>, 'gt'>
export type Gte<A extends number, B extends number> = Decide<Compare<A, B>, 'gt' | 'eq'>
export type Eq<A extends number, B extends number> = Decide<Compare<A, B>, 'eq'>

/**
 * The smaller of A and B. A bound at or past 2³¹ − 1 (no dim is larger) gives the other operand
 * itself, so min(2147483647, N) is N for a generic N; the big bound is asked first.
 */
export type Min<A extends number, B extends number> = IsWhole<A> extends true ? B : IsWhole<B> extends true ? A : MinOf<A, B>
type IsWhole<A extends number> = Lift2<A, 2147483647> extends [string, string] ? Gte<A, 2147483647> : false
type MinOf<A extends number, B extends number> = Compare<A, B> extends 'gt' ? B : Compare<A, B> extends Ordering ? (Ordering extends Compare<A, B> ? number : A) : never
export type Max<A extends number, B extends number> = Compare<A, B> extends 'lt' ? B : Compare<A, B> extends Ordering ? (Ordering extends Compare<A, B> ? number : A) : never

/** True only when both are known and differ: what a shape rule may reject at compile time. */
// The same dim (even a generic N) never differs; wrapped in an object so N does not defer the check.
export type Differ<A extends number, B extends number> = { v: A } extends { v: B }
  ? false
  : [Compare<A, B>] extends ['lt' | 'gt'] ? true : false

/** False only when both are known and B does not divide A. */
export type MayDivide<A extends number, B extends number> = Mod<A, B> extends 0 ? true : number extends Mod<A, B> ? true : false

/** Product of a tuple of dims; `number` as soon as one is unknown. */
export type Product<T extends readonly number[], Acc extends number = 1> = T extends readonly [
  infer H extends number,
  ...infer R extends readonly number[],
]
  ? Product<R, Mul<Acc, H>>
  : number[] extends T ? number : T extends readonly [] ? Acc : number

/** Sum of a tuple of dims; `number` as soon as one is unknown. */
export type Sum<T extends readonly number[], Acc extends number = 0> = T extends readonly [
  infer H extends number,
  ...infer R extends readonly number[],
]
  ? Sum<R, Add<Acc, H>>
  : T extends readonly [] ? Acc : number

/** [digitsOfA, digitsOfB] when both are natural literals, else null (so callers fall back to number). */
type Lift2<A extends number, B extends number> = [NatDigits<A>, NatDigits<B>] extends [
  infer a extends string,
  infer b extends string,
]
  ? [a] extends [never] ? null : [b] extends [never] ? null : [a, b]
  : null

type Decide<O, Yes extends Ordering> = Ordering extends O ? boolean : O extends Yes ? true : false
