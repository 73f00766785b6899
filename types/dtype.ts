/** The element types, defined with the dtype rules in src/shape/dtype.ts; re-exported here because src/graph.ts imports them from this path. */
export type { DType } from '../src/shape/dtype.ts'
