/** Shared by the type tests (not a test file itself). */
import type { Layer, Tensor, DType } from '../src/index.ts'
import type { Shape, ShapeFn, ApplyShape, ShapeError } from '../types/index.ts'

/** The message a layer's parameter turns into for an input of shape S ('fits' when the rule holds). */
export declare function errorOf<F extends ShapeFn, S extends Shape, D extends DType>(
  layer: Layer<F, DType | 'same'>,
  x: Tensor<S, D>,
): ApplyShape<F, S> extends ShapeError<infer M> ? M : 'fits'
