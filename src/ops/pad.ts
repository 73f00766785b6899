/**
 * pad with a `mode`, as PyTorch's F.pad: 'constant' (the `pad` node itself), and 'reflect',
 * 'replicate' and 'circular', which fill the border with the input's own values. Those three
 * are composites, one padded dim at a time, of public ops — slices of the edge and a concat
 * ('replicate' broadcasts the edge slice) — so their gradients come from those ops' rules.
 * Pairs run from the first dim, as for constant padding, and any dim may be padded.
 */
import type { Shape, Input, ShapeFn, ShapeError, Pad, IsTuple, UnknownShape, Lt, Lte } from '../../types/index.ts'
import { layer, type Layer } from '../layer.ts'
import { fail } from '../shape/errors.ts'
import { padShape } from '../shape/layout.ts'
import type { AnyTensor } from '../tree.ts'
import { broadcastTo } from './gradient.ts'
import { concat, pad as constantPad, slice, type PadFn } from './layout.ts'

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular'
export interface PadOptions<M extends PadMode = PadMode> {
  /** 'constant' (default) fills with `value`; 'reflect' mirrors without repeating the edge (d c b | a b c d | c b a), 'replicate' repeats the edge (a a | a b c d | d d), 'circular' wraps around (c d | a b c d | a b). */
  readonly mode?: M
  /** The fill of 'constant' padding (0). */
  readonly value?: number
}
type Pairs = readonly (readonly [number, number])[]

// ---------------------------------------------------------------- messages

/** What each mode allows a side to be, against the dim's size d. */
type Bound<M extends PadMode> = M extends 'reflect' ? 'less than' : 'at most'
export type SideTooWide<M extends PadMode, B extends number, A extends number, I extends string, D extends number> =
  `pad: ${M} padding [${B}, ${A}] on dim ${I} of size ${D}: each side must be ${Bound<M>} the size`
const sideTooWide = (mode: PadMode, b: number, a: number, i: number, d: number) =>
  `pad: ${mode} padding [${b}, ${a}] on dim ${i} of size ${d}: each side must be ${mode === 'reflect' ? 'less than' : 'at most'} the size`
export type NegativeSide<M extends PadMode, B extends number, A extends number, I extends string> = `pad: ${M} padding [${B}, ${A}] on dim ${I} must not be negative`
const negativeSide = (mode: PadMode, b: number, a: number, i: number) => `pad: ${mode} padding [${b}, ${a}] on dim ${i} must not be negative`

// ---------------------------------------------------------------- shape rule

/** False only when the side is known to be too wide for the mode ('replicate' takes any width). */
type Fits<M extends PadMode, Side extends number, D extends number> = M extends 'reflect'
  ? Lt<Side, D> extends false ? false : true
  : M extends 'circular' ? Lte<Side, D> extends false ? false : true : true
type IsNegative<N extends number> = `${N}` extends `-${string}` ? true : false

/**
 * The errors of the pairs that the mode refuses, or never. Unpadded dims ([0, 0]) are skipped
 * before their size is looked at, so a generic batch dim N never defers the rule.
 */
type PairErrors<X extends Shape, Pads extends Pairs, M extends PadMode> = {
  [I in keyof Pads & `${number}`]: Pads[I] extends readonly [infer B extends number, infer A extends number]
    ? [B, A] extends [0, 0] ? never : M extends 'constant'
      ? never
      : true extends IsNegative<B> | IsNegative<A>
        ? ShapeError<NegativeSide<M, B, A, I>>
        : I extends keyof X ? PairFits<M, B, A, I, X[I] & number> : never
    : never
}[keyof Pads & `${number}`]
type PairFits<M extends PadMode, B extends number, A extends number, I extends string, D extends number> =
  [Fits<M, B, D>, Fits<M, A, D>] extends [true, true] ? never : ShapeError<SideTooWide<M, B, A, I, D>>

/** Constant padding's shape, once every pair fits the mode (the constant rule checks the rank). */
export type PadModeShape<X extends Shape, Pads extends Pairs, M extends PadMode> = IsTuple<X> extends false
  ? UnknownShape
  : [PairErrors<X, Pads, M>] extends [never] ? Pad<X, Pads> : UnionFirst<PairErrors<X, Pads, M>>
/** One member of a union of errors (the first pair's in practice). */
type UnionFirst<U> = (U extends unknown ? (k: () => U) => void : never) extends (k: infer I) => void ? (I extends () => infer E ? E : never) : never

export interface PadModeFn<Pads extends Pairs, M extends PadMode> extends ShapeFn {
  readonly op: 'pad'
  readonly output: PadModeShape<Input<this>, Pads, M>
}

// ---------------------------------------------------------------- layer

type T = AnyTensor
/** x[start:end] along `axis`; the other dims are left unbounded, so an exported graph keeps them dynamic. */
export const sliceAlong = (x: T, axis: number, start: number, end: number): T => {
  const [starts, ends]: number[][] = [[], []]
  starts[axis] = start
  ends[axis] = end
  return (slice({ start: starts, end: ends }) as unknown as (t: T) => T)(x)
}
const concatAny = (parts: T[], axis: number): T => (parts.length === 1 ? parts[0] : (concat as unknown as (ts: T[], a: number) => T)(parts, axis))

/** The `b` values before and `a` after dim `axis` (of size d) that each mode puts there. */
const borders: Record<Exclude<PadMode, 'constant'>, (x: T, axis: number, b: number, a: number) => [T[], T[]]> = {
  // Mirror images of the values next to the edge: index b … 1 before, d − 2 … d − 1 − a after.
  reflect: (x, axis, b, a) => {
    const d = x.shape[axis]
    const at = (i: number) => sliceAlong(x, axis, i, i + 1)
    return [Array.from({ length: b }, (_, k) => at(b - k)), Array.from({ length: a }, (_, k) => at(d - 2 - k))]
  },
  replicate: (x, axis, b, a) => {
    const d = x.shape[axis]
    const edge = (i: number, width: number) => {
      const shape = [...x.shape]
      shape[axis] = width
      return (broadcastTo as unknown as (t: T, s: number[]) => T)(sliceAlong(x, axis, i, i + 1), shape)
    }
    return [b ? [edge(0, b)] : [], a ? [edge(d - 1, a)] : []]
  },
  circular: (x, axis, b, a) => {
    const d = x.shape[axis]
    return [b ? [sliceAlong(x, axis, d - b, d)] : [], a ? [sliceAlong(x, axis, 0, a)] : []]
  },
}

const padWithMode = (x: T, pads: Pairs, mode: Exclude<PadMode, 'constant'>): T => {
  padShape(x.shape, pads) // the rank check and its message, as for constant padding
  return pads.reduce((y, [b, a], axis) => {
    const d = x.shape[axis]
    if (b < 0 || a < 0) fail(negativeSide(mode, b, a, axis))
    if (mode === 'replicate' ? d === 0 && b + a > 0 : !(mode === 'reflect' ? b < d && a < d : b <= d && a <= d))
      fail(mode === 'replicate' ? `pad: replicate padding on dim ${axis} of size 0: there is no edge value to repeat` : sideTooWide(mode, b, a, axis, d))
    if (b === 0 && a === 0) return y
    const [before, after] = borders[mode](y, axis, b, a)
    return concatAny([...before, y, ...after], axis)
  }, x)
}

/**
 * Pads each dim by [before, after] values, pairs from the first dim. With a number (or
 * `{ value }`) the border is that constant; with `{ mode }` it is made of the input's own values.
 *
 * @example
 * import { tensor, pad } from 'shapewise'
 * await pad([[2, 1]], { mode: 'reflect' })(tensor([1, 2, 3, 4])).array() // [3, 2, 1, 2, 3, 4, 3]
 * await pad([[2, 1]], { mode: 'replicate' })(tensor([1, 2, 3, 4])).array() // [1, 1, 1, 2, 3, 4, 4]
 * await pad([[2, 1]], { mode: 'circular' })(tensor([1, 2, 3, 4])).array() // [3, 4, 1, 2, 3, 4, 1]
 * await pad([[0, 0], [0, 0], [1, 1], [1, 1]], 0.5)(tensor([[[[1]]]])).array() // a 3×3 image: 1 surrounded by 0.5
 */
export function pad<const Pads extends Pairs>(pads: Pads, value?: number): Layer<PadFn<Pads>>
export function pad<const Pads extends Pairs, const M extends PadMode = 'constant'>(pads: Pads, options: PadOptions<M>): Layer<PadModeFn<Pads, M>>
export function pad(pads: Pairs, options: number | PadOptions = 0): Layer<ShapeFn> {
  const { mode = 'constant', value = 0 } = typeof options === 'number' ? { value: options } : options
  if (mode === 'constant') return constantPad(pads, value) as never
  if (!(mode in borders)) fail(`pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got ${JSON.stringify(mode)}`)
  if (typeof options === 'object' && options.value !== undefined) fail(`pad: value is the fill of 'constant' padding; ${mode} padding fills with the input's values, got value ${options.value}`)
  return layer<ShapeFn>('pad', (x) => padWithMode(x as T, pads, mode) as never)
}
