/** Tensor creation: constants, ranges, identity and seeded random tensors (all lazy). */
import type { Shape, Mutable } from '../../types/index.ts'
import type { DType } from '../graph.ts'
import { bind } from '../core/bind.ts'
import { fillPrimitive } from '../core/ops.ts'
import { definePrimitive, noGradient } from '../core/primitive.ts'
import { lowerArange, lowerEye, lowerRandom } from './creation.wgsl.ts'

// Creation primitives start graphs: nothing flows back through them.
export const arangePrimitive = definePrimitive('arange', { shape: (_, { length }) => ({ shape: [length], dtype: 'float32' }), vjp: noGradient, lower: lowerArange })
export const eyePrimitive = definePrimitive('eye', { shape: (_, { n }) => ({ shape: [n, n], dtype: 'float32' }), vjp: noGradient, lower: lowerEye })
export const randomPrimitive = definePrimitive('random', { shape: (_, { shape, dtype }) => ({ shape, dtype }), vjp: noGradient, lower: lowerRandom })
import { fail, shapeText } from '../shape/errors.ts'
import { wrap, type Tensor } from '../tensor.ts'

const checkShape = (op: string, shape: Shape) => {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`${op}: dims must be non-negative integers, got ${shapeText(shape)}`)
}

/** A tensor of the given shape filled with one value. */
const filled = (op: string, shape: Shape, value: number, dtype: DType) => {
  checkShape(op, shape)
  return wrap(bind(fillPrimitive, [], { shape, dtype, value }))
}
/**
 * A tensor of `shape` filled with `value`.
 *
 * @example
 * import { full } from 'shapewise'
 * await full([2, 2], 7).data() // → [7, 7, 7, 7]
 * full([3], 1, 'int32').dtype // → 'int32'
 */
export const full = <const S extends Shape, D extends DType = 'float32'>(shape: S, value: number, dtype?: D): Tensor<Mutable<S>, NoInfer<D>> =>
  filled('full', shape, value, dtype ?? 'float32') as Tensor<Mutable<S>, NoInfer<D>>
/**
 * A tensor of zeros.
 *
 * @example
 * import { zeros } from 'shapewise'
 * await zeros([2, 3]).array() // → [[0, 0, 0], [0, 0, 0]]
 */
export const zeros = <const S extends Shape, D extends DType = 'float32'>(shape: S, dtype?: D): Tensor<Mutable<S>, NoInfer<D>> =>
  filled('zeros', shape, 0, dtype ?? 'float32') as Tensor<Mutable<S>, NoInfer<D>>
/**
 * A tensor of ones.
 *
 * @example
 * import { ones } from 'shapewise'
 * await ones([3], 'int32').data() // → [1, 1, 1]
 */
export const ones = <const S extends Shape, D extends DType = 'float32'>(shape: S, dtype?: D): Tensor<Mutable<S>, NoInfer<D>> =>
  filled('ones', shape, 1, dtype ?? 'float32') as Tensor<Mutable<S>, NoInfer<D>>

/**
 * start, start + step, … below end (like torch.arange); the length is a run-time value.
 *
 * @example
 * import { arange } from 'shapewise'
 * await arange(5).data() // → [0, 1, 2, 3, 4]
 * await arange(1, 2, 0.25).data() // → [1, 1.25, 1.5, 1.75]
 */
export const arange = (start: number, end?: number, step = 1): Tensor<[number]> => {
  const [from, to] = end === undefined ? [0, start] : [start, end]
  if (step === 0) fail('arange: step must not be 0')
  if ((to - from) * step < 0) fail(`arange: the range ${from} to ${to} is inconsistent with step ${step}`)
  const length = Math.max(0, Math.ceil((to - from) / step))
  return wrap(bind(arangePrimitive, [], { start: from, step, length }))
}

/**
 * `count` evenly spaced values from start to end inclusive.
 *
 * @example
 * import { linspace } from 'shapewise'
 * await linspace(0, 1, 5).data() // → [0, 0.25, 0.5, 0.75, 1]
 */
export const linspace = <const N extends number>(start: number, end: number, count: N): Tensor<[N]> => {
  checkShape('linspace', [count])
  const step = count > 1 ? (end - start) / (count - 1) : 0
  return wrap(bind(arangePrimitive, [], { start, step, length: count }))
}

/**
 * The n×n identity matrix.
 *
 * @example
 * import { eye } from 'shapewise'
 * await eye(2).array() // → [[1, 0], [0, 1]]
 */
export const eye = <const N extends number>(n: N): Tensor<[N, N]> => {
  checkShape('eye', [n])
  return wrap(bind(eyePrimitive, [], { n }))
}

export interface RandomOptions {
  /** Seed of the counter-based generator; the same seed gives the same values on every adapter. */
  readonly seed?: number
}

// Calls without a seed take the next one from this counter, so a program is reproducible run to run.
let nextSeed = 0
const seedOf = (options?: RandomOptions) => options?.seed ?? nextSeed++

/**
 * Uniform values in [0, 1).
 *
 * @example
 * import { rand } from 'shapewise'
 * const u = await rand([1000], { seed: 1 }).data()
 * u.every((v) => v >= 0 && v < 1) // → true
 * // The same seed gives the same values.
 * Array.from(await rand([3], { seed: 1 }).data()) // → Array.from(u.slice(0, 3))
 */
export const rand = <const S extends Shape>(shape: S, options?: RandomOptions): Tensor<Mutable<S>> => {
  checkShape('rand', shape)
  return wrap(bind(randomPrimitive, [], { shape, dtype: 'float32', distribution: 'uniform', seed: seedOf(options) }))
}

/**
 * Standard normal values.
 *
 * @example
 * import { randn, mean } from 'shapewise'
 * const z = randn([10000], { seed: 3 })
 * Math.abs((await mean()(z).data())[0]) < 0.05 // → true
 */
export const randn = <const S extends Shape>(shape: S, options?: RandomOptions): Tensor<Mutable<S>> => {
  checkShape('randn', shape)
  return wrap(bind(randomPrimitive, [], { shape, dtype: 'float32', distribution: 'normal', seed: seedOf(options) }))
}
