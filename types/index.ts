/** shapewise/types: type-level arithmetic and shape rules. No runtime code lives here. */
export type * from './nat.ts'
export type * from './errors.ts'
export type * from './shape.ts'
export type * from './options.ts'
export type * from './dtype.ts'
export type * from './conv.ts'
export type * from './pool.ts'
export type * from './layer.ts'
