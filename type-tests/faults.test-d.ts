/**
 * Types of what guards against faults: the named errors of bad host data.
 *
 * `//// @ts-expect-error` above an `expectError(...)`: see type-tests/README.md.
 */
import { expectType, expectAssignable, expectError } from 'tsd'
import { adam, guarded, readUpdateReport, type OptimizerState, type UpdateReport } from '../src/optim/index.ts'
import { DeviceLostError, HigherOrderGradientError, HostDataError, LabelError, fromArray, jit, resetDevice, type Tensor, type Tree } from '../src/index.ts'

// ================================================================== host data
declare const unknownError: unknown
if (unknownError instanceof HostDataError) {
  expectType<'HostDataError'>(unknownError.name)
  expectType<string>(unknownError.message)
}
expectAssignable<TypeError>(new HostDataError('fromArray: …'))
// A typed array of the dtype's own type is accepted as it is; so is any array-like of numbers.
expectType<Tensor<[2], 'int32'>>(fromArray(new Int32Array(2), [2], 'int32'))
expectType<Tensor<[3]>>(fromArray(new Float32Array(3), [3]))
//// @ts-expect-error
expectError(fromArray(['a', 'b'], [2]))

// ================================================================== labels found out of range on the device
if (unknownError instanceof LabelError) {
  expectType<'LabelError'>(unknownError.name)
  expectType<string>(unknownError.op)
  expectType<number>(unknownError.label)
  expectType<number>(unknownError.classes)
  expectType<number>(unknownError.index)
}
expectAssignable<RangeError>(new LabelError('crossEntropy', 12, 10, 0))
//// @ts-expect-error
expectError(new LabelError('crossEntropy', '12', 10, 0))

// ================================================================== a second derivative through a gradient kernel without one
if (unknownError instanceof HigherOrderGradientError) {
  expectType<'HigherOrderGradientError'>(unknownError.name)
  expectType<string>(unknownError.message)
}
expectAssignable<Error>(new HigherOrderGradientError('poolGrad: …'))
//// @ts-expect-error
expectError(new HigherOrderGradientError(42))

// ================================================================== device loss
if (unknownError instanceof DeviceLostError) {
  expectType<'DeviceLostError'>(unknownError.name)
  expectType<string>(unknownError.reason)
}
expectType<void>(resetDevice())
//// @ts-expect-error
expectError(resetDevice(true))

// ================================================================== guarded update
declare const params: { weight: Tensor<[3, 8]>; bias: Tensor<[3]> }
declare const loss: Tensor<[]>
const optimizer = guarded(adam({ lr: 1e-3 }))
const guardedResult = optimizer.guardedUpdate(params, params, optimizer.init(params), loss)
expectType<{ weight: Tensor<[3, 8]>; bias: Tensor<[3]> }>(guardedResult[0])
expectType<OptimizerState<{ m: Tree; v: Tree }>>(guardedResult[1])
expectType<UpdateReport>(guardedResult[2])
expectType<Tensor<[], 'bool'>>(guardedResult[2].skipped)
expectType<Promise<{ step: number; skipped: boolean }>>(readUpdateReport(guardedResult[2]))
//// @ts-expect-error
expectError(optimizer.guardedUpdate(params, params, optimizer.init(params)))

// ================================================================== jit refuses promises
expectType<(x: Tensor<[2]>) => Promise<Tensor<[2]>>>(jit((x: Tensor<[2]>) => x))
//// @ts-expect-error
expectError(jit(async (x: Tensor<[2]>) => x))
