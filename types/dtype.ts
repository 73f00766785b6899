/**
 * Dtype rules: which element types an op accepts. A rule that fails returns
 * a ShapeError, so an op's parameter becomes the message (see `Checked`), at
 * the offending argument, exactly as for shapes. src/shape/dtype.ts is the
 * run-time twin: the same texts, thrown as a DTypeError before any kernel is
 * built.
 */
import type { ShapeError } from './errors.ts'
import type { ShapeFn, ApplyShape, SameShape } from './layer.ts'
import type { Shape } from './shape.ts'

export type DType = 'float32' | 'int32' | 'bool'

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
export type DTypeClass = 'float' | 'numeric' | 'any'

/** The dtypes of each class. */
export interface DTypesOf {
  float: 'float32'
  numeric: 'float32' | 'int32'
  any: DType
}
/** The class as it reads in messages. */
export interface DTypeClassText {
  float: 'float32'
  numeric: 'float32 or int32'
  any: 'any dtype'
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
    : ShapeError<`${Op}: expects ${DTypeClassText[Class]} ${Role}, got ${D}; convert it with cast('float32')`>

/** Two operands (or joined tensors) of one op must share a dtype: "add: operands are float32 and int32; …", or true. */
export type SameDType<Op extends string, A extends DType, B extends DType> = [A] extends [B]
  ? [B] extends [A] ? true : MixedDTypes<Op, A, B>
  : Unknown<A> extends true ? true : Unknown<B> extends true ? true : MixedDTypes<Op, A, B>
type MixedDTypes<Op extends string, A extends DType, B extends DType> =
  ShapeError<`${Op}: operands are ${A} and ${B}; convert one with cast so both have the same dtype`>

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
