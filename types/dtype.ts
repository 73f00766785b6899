/** The element types. Defined with the dtype rules in src/shape/dtype.ts; named here for modules that import the arithmetic's folder. */
export type { DType } from '../src/shape/dtype.ts'
