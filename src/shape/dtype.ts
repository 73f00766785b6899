/** Run-time twins of types/dtype.ts: the same rules, the same messages, thrown before any kernel is built. */
import type { DType, DTypeClass } from '../../types/dtype.ts'

/**
 * An op was given a tensor of a dtype it does not accept.
 *
 * @example
 * import { tensor, relu, DTypeError } from 'shapewise'
 * let error: unknown
 * try { relu(tensor([1, 2], 'int32') as never) } catch (e) { error = e }
 * error instanceof DTypeError // → true
 */
export class DTypeError extends TypeError {
  override readonly name = 'DTypeError'
}

const dtypesOf: Record<DTypeClass, readonly DType[]> = { float: ['float32'], numeric: ['float32', 'int32'], any: ['float32', 'int32', 'bool'] }
const classText: Record<DTypeClass, string> = { float: 'float32', numeric: 'float32 or int32', any: 'any dtype' }

/** Throws unless `dtype` belongs to the class (mirror of AcceptDType). */
export const acceptDType = (op: string, role: string, dtype: DType, accepted: DTypeClass): void => {
  if (!dtypesOf[accepted].includes(dtype))
    throw new DTypeError(`${op}: expects ${classText[accepted]} ${role}, got ${dtype}; convert it with cast('float32')`)
}

/** Throws unless both operands share a dtype (mirror of SameDType). */
export const sameDType = (op: string, a: DType, b: DType): void => {
  if (a !== b) throw new DTypeError(`${op}: operands are ${a} and ${b}; convert one with cast so both have the same dtype`)
}
