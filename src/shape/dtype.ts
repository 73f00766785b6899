/**
 * Dtype rules: which element types an op accepts, each type-level rule beside
 * its run-time twin. A type-level rule that fails returns a ShapeError, so an
 * op's parameter becomes the message (see `Checked`), at the offending
 * argument, exactly as for shapes; the twin throws the same text as a
 * DTypeError before any kernel is built. Messages are written once (see errors.ts).
 */
import type { ShapeError } from '../../types/errors.ts'
import type { ShapeFn, ApplyShape, SameShape } from '../../types/layer.ts'
import type { Shape } from '../../types/shape.ts'

/** The dtypes of each class of ops: floating point only, any number (not bool), or anything. */
const dtypesOf = { float: ['float32'], numeric: ['float32', 'int32'], any: ['float32', 'int32', 'bool'] } as const

export type DType = (typeof dtypesOf.any)[number]

/**
 * The dtype of a tensor type (never for anything else, e.g. a plain number),
 * read from its phantom `__dtype` field alone. Matching the whole
 * `Tensor<Shape, infer D>` instead would stay deferred for a shape with a
 * generic batch dim ([N, 64, 7, 7]): the checker compares N's restrictive
 * instantiation, which is not a number, against Shape. A dtype rule must not
 * depend on dims it does not read.
 */
export type DTypeOf<T> = T extends { readonly __dtype: infer D extends DType } ? D : never

/** What an op accepts: floating point only, any number (not bool), or anything. */
export type DTypeClass = keyof typeof dtypesOf

/** The dtypes of each class. */
export type DTypesOf = { readonly [C in DTypeClass]: (typeof dtypesOf)[C][number] }

/** The class as it reads in messages. */
const dtypeClassText = { float: 'float32', numeric: 'float32 or int32', any: 'any dtype' } as const
export type DTypeClassText = typeof dtypeClassText

export const wrongDType = <Op extends string, Class extends DTypeClass, Role extends string, D extends DType>(op: Op, accepted: Class, role: Role, dtype: D) =>
  `${op}: expects ${dtypeClassText[accepted]} ${role}, got ${dtype}; convert it with cast('float32')` as const
/** "conv2d: expects float32 input, got int32; convert it with cast('float32')" */
export type wrongDType<Op extends string, Class extends DTypeClass, Role extends string, D extends DType> =
  ReturnType<typeof wrongDType<Op, Class, Role, D>>

export const mixedDTypes = <Op extends string, A extends DType, B extends DType>(op: Op, a: A, b: B) =>
  `${op}: operands are ${a} and ${b}; convert one with cast so both have the same dtype` as const
/** "add: operands are float32 and int32; convert one with cast so both have the same dtype" */
export type mixedDTypes<Op extends string, A extends DType, B extends DType> = ReturnType<typeof mixedDTypes<Op, A, B>>

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

/**
 * A tensor whose dtype is not known statically (`Tensor<S, DType>`) passes
 * here and is checked at run time, as an unknown dim (`number`) is.
 */
type Unknown<D extends DType> = DType extends D ? true : false

/** "conv2d: expects float32 input, got int32; convert it with cast('float32')", or true. */
export type AcceptDType<Op extends string, Role extends string, D extends DType, Class extends DTypeClass> = [D] extends [DTypesOf[Class]]
  ? true
  : Unknown<D> extends true
    ? true
    : ShapeError<wrongDType<Op, Class, Role, D>>

/** Throws unless `dtype` belongs to the class (run-time twin of AcceptDType). */
export const acceptDType = (op: string, role: string, dtype: DType, accepted: DTypeClass): void => {
  if (!(dtypesOf[accepted] as readonly DType[]).includes(dtype)) throw new DTypeError(wrongDType(op, accepted, role, dtype))
}

/** Two operands (or joined tensors) of one op must share a dtype: "add: operands are float32 and int32; …", or true. */
export type SameDType<Op extends string, A extends DType, B extends DType> = [A] extends [B]
  ? [B] extends [A] ? true : ShapeError<mixedDTypes<Op, A, B>>
  : Unknown<A> extends true ? true : Unknown<B> extends true ? true : ShapeError<mixedDTypes<Op, A, B>>

/** Throws unless both operands share a dtype (run-time twin of SameDType). */
export const sameDType = (op: string, a: DType, b: DType): void => {
  if (a !== b) throw new DTypeError(mixedDTypes(op, a, b))
}

/**
 * The dtype rule of a layer, from its shape function: `accepts` (a class of
 * dtypes) or `sameDTypeAs` (a binary op's other operand). Layers without
 * either accept any dtype (reshape, concat, …).
 */
export type DTypeRule<F extends ShapeFn, D extends DType> = (
  F extends { readonly accepts: infer C extends DTypeClass } ? AcceptDType<F['op'], 'input', D, C> : true
) extends infer E extends ShapeError<string>
  ? E
  : F extends { readonly sameDTypeAs: infer B extends DType } ? SameDType<F['op'], D, B> : true

/** A layer's result for input S of dtype D: the dtype rule's error first, else the shape rule's result. */
export type ApplyLayer<F extends ShapeFn, S extends Shape, D extends DType> =
  DTypeRule<F, D> extends infer E extends ShapeError<string> ? E : ApplyShape<F, S>

/** The shape function of an op that keeps its input's shape and accepts one class of dtypes (relu: float). */
export interface SameShapeOf<Op extends string, C extends DTypeClass> extends SameShape<Op> {
  readonly accepts: C
}
