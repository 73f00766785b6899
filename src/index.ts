/** shapewise: typed tensors, CNN ops as data-last layers, shape rules checked by the compiler. */
export { Tensor, DisposedError, HostDataError, tensor, fromArray, assertShape, type DType, type WidenShape } from './tensor.ts'
export type { Shape, NestedArray } from '../types/index.ts'
export { ShapeError } from './shape/errors.ts'
export { DTypeError } from './shape/dtype.ts'

// Ops, one module per family.
export * from './ops/creation.ts'
export * from './ops/conv.ts'
export * from './ops/pool.ts'
export * from './ops/linear.ts'
export * from './ops/elementwise.ts'
export * from './ops/activations.ts'
export * from './ops/reduce.ts'
export * from './ops/layout.ts'
export * from './ops/gradient.ts'
export * from './ops/local-response-norm.ts'
export * from './ops/unfold.ts'
export * from './ops/shuffle.ts'
export * from './ops/normalization.ts'
export * from './ops/dropout2d.ts'
export * from './ops/lp-pool.ts'
export * from './ops/fold.ts'
// pad with a mode ('reflect', 'replicate', 'circular'); constant padding is layout's pad, which this one calls.
export { pad, type PadMode, type PadOptions, type PadModeFn, type PadModeShape } from './ops/pad.ts'

// Composition.
export { layer, sequential, residual, concatBranches, skip, type Layer, type SameShapeLayer, type Mode } from './layer.ts'
export { pipe } from './pipe.ts'
export { flattenTree, mapTree, zipTrees, countParameters, leaves, type Tree, type AnyTensor, type MapLeaves } from './tree.ts'

// Transformations.
export { valueAndGrad, valueAndGradWithAux, grad, vjp, type GradsOf, type GradOptions } from './autodiff/transforms.ts'
export { jit, jitTraces, type JitOptions } from './autodiff/jit.ts'

// Memory and the device.
export { scope, memory, trimMemory, type Memory } from './memory.ts'
export { realize } from './eager.ts'
export { LabelError } from './faults.ts'
export { backendInfo, pipelineCompilations, DeviceLostError, resetDevice } from './runtime/index.ts'
