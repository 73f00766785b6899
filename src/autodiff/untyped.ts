/**
 * The ops with shape-erased signatures, for gradient rules: a rule handles
 * every shape an op accepts, so it works on tensors of unknown shape and
 * leaves checking to the run-time twins.
 */
import * as ops from '../index.ts'
import type { AnyTensor } from '../tree.ts'

type T = AnyTensor
type Operand = T | number
const binary = (f: unknown) => f as (a: T, b: Operand) => T
const unary = (f: unknown) => f as (x: T) => T

export const maximum = binary(ops.maximum)
export const pow = binary(ops.pow)
export const add = binary(ops.add), sub = binary(ops.sub), mul = binary(ops.mul), div = binary(ops.div)
export const greater = binary(ops.greater), less = binary(ops.less), equal = binary(ops.equal)
export const abs = unary(ops.abs)
export const neg = unary(ops.neg), exp = unary(ops.exp), log = unary(ops.log), sqrt = unary(ops.sqrt), tanh = unary(ops.tanh), erf = unary(ops.erf)
export const where = (c: T, a: Operand, b: Operand): T => {
  const like = typeof a === 'number' ? (typeof b === 'number' ? c : b) : a
  const full = (v: Operand) => (typeof v === 'number' ? ops.full(like.shape as number[], v) : v)
  return (ops.where as unknown as (c: T, a: T, b: T) => T)(c, full(a), full(b))
}
export const sum = (x: T, axis?: number | number[], keepDims = false): T => (ops.sum({ axis, keepDims }) as unknown as (x: T) => T)(x)
export const max = (x: T, axis?: number | number[], keepDims = false): T => (ops.max({ axis, keepDims }) as unknown as (x: T) => T)(x)
export const reshape = (x: T, shape: readonly number[]): T => (ops.reshape(shape) as unknown as (x: T) => T)(x)
export const permute = (x: T, dims: readonly number[]): T => (ops.permute(dims) as unknown as (x: T) => T)(x)
export const broadcastTo = (x: T, shape: readonly number[]): T => (ops.broadcastTo as unknown as (x: T, s: readonly number[]) => T)(x, shape)
export const matmul = (a: T, b: T): T => (ops.matmul as unknown as (a: T, b: T) => T)(a, b)
export const pad = (x: T, pads: readonly (readonly [number, number])[], value = 0): T => (ops.pad(pads, value) as unknown as (x: T) => T)(x)
export const slice = (x: T, start: number[], end: number[], step?: number[]): T =>
  (ops.slice({ start, end, step }) as unknown as (x: T) => T)(x)
export const concat = (xs: T[], axis: number): T => (ops.concat as unknown as (xs: T[], axis: number) => T)(xs, axis)
export const full = (shape: readonly number[], value: number): T => ops.full(shape as number[], value) as unknown as T
export const mean = (x: T, axis?: number | number[], keepDims = false): T => (ops.mean({ axis, keepDims }) as unknown as (x: T) => T)(x)
export const logSoftmax = (x: T, axis: number): T => (ops.logSoftmax({ axis }) as unknown as (x: T) => T)(x)
export const oneHot = (labels: T, classes: number): T => ops.oneHot(labels as never, classes) as unknown as T
