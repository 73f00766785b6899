/**
 * Regressions: each section pins a bug that a review of the type tests found
 * (option validation, negative sizes, readonly reshape results, multi-axis
 * reductions, ragged nested literals, result dtypes of argmax and binary ops).
 *
 * `//// @ts-expect-error` above an `expectError(...)`: see type-tests/README.md.
 */
import { expectType, expectError } from 'tsd'
import {
  randn, ones, zeros, tensor, conv1d, conv2d, convTranspose2d, maxPool2d, avgPool2d, maxPool1d, adaptiveAvgPool2d,
  upsample, reshape, sum, mean, argmax, add, mul, greater,
  type Tensor, type Layer, type DType,
} from '../src/index.ts'
import type { Shape, ShapeFn, ApplyShape, ShapeError } from '../types/index.ts'
import { pipe } from 'fp-ts/lib/function.js'

declare function errorOf<F extends ShapeFn, S extends Shape, D extends DType>(
  layer: Layer<F, DType | 'same'>,
  x: Tensor<S, D>,
): ApplyShape<F, S> extends ShapeError<infer M> ? M : 'fits';

const x = randn([1, 1, 8, 8])
const w = randn([1, 1, 3, 3])

// ============================================================ BUG 1 — CheckOptions / OptionErrors (then at types/conv.ts:55-61)
// OptionErrors maps every option key to its error or `true` and then indexes with the key union, so
// it yields `true | ShapeError<…>`; FirstError distributes over that union and CheckOptions returns
// `true | ShapeError<…>`, which fails `extends infer E extends ShapeError<string>` in ConvShape /
// ConvTransposeShape / PoolShape. Net effect: an invalid stride/dilation/groups/kernelSize (and a
// transposed conv's padding/outputPadding) is reported only when EVERY key of its group is present
// and invalid. Actual today: conv2d(w, { stride: 0 })(x) : Tensor<[1, 1, number, number]>,
// maxPool2d({ kernelSize: 0 })(x) : Tensor<[1, 1, number, number]>, convTranspose2d(w, { stride: 0 })(x) :
// Tensor<[1, 1, 3, 3]>, conv2d(w, { groups: 0.5 })(x) : Tensor<[1, 1, 6, 6]>.
expectType<'conv2d: stride must be a positive integer, got 0'>(errorOf(conv2d(w, { stride: 0 }), x))
//// @ts-expect-error
expectError(conv2d(w, { stride: 0 })(x))
//// @ts-expect-error
expectError(conv2d(w, { stride: [1, 0] })(x))
expectType<'conv2d: dilation must be a positive integer, got 0'>(errorOf(conv2d(w, { dilation: 0 }), x))
//// @ts-expect-error
expectError(conv2d(w, { dilation: 0 })(x))
expectType<'conv2d: groups must be a positive integer, got 0'>(errorOf(conv2d(w, { groups: 0 }), x))
expectType<'conv2d: stride must be an integer, got 1.5'>(errorOf(conv2d(w, { stride: 1.5 }), x))
//// @ts-expect-error
expectError(conv2d(w, { stride: 1.5 })(x))
//// @ts-expect-error
expectError(conv2d(w, { dilation: [1, 2.5] })(x))
//// @ts-expect-error
expectError(conv2d(w, { groups: 0.5 })(x))
//// @ts-expect-error
expectError(conv1d(randn([1, 1, 3]), { stride: 0 })(randn([1, 1, 8])))
expectType<'convTranspose2d: stride must be a positive integer, got 0'>(errorOf(convTranspose2d(w, { stride: 0 }), x))
//// @ts-expect-error
expectError(convTranspose2d(w, { stride: 0 })(x))
expectType<'convTranspose2d: padding must be an integer, got 0.5'>(errorOf(convTranspose2d(w, { padding: 0.5 }), x))
//// @ts-expect-error
expectError(convTranspose2d(w, { padding: 0.5 })(x))
expectType<'maxPool2d: kernelSize must be a positive integer, got 0'>(errorOf(maxPool2d({ kernelSize: 0 }), x))
//// @ts-expect-error
expectError(maxPool2d({ kernelSize: 0 })(x))
expectType<'maxPool2d: stride must be a positive integer, got 0'>(errorOf(maxPool2d({ kernelSize: 2, stride: 0 }), x))
//// @ts-expect-error
expectError(maxPool2d({ kernelSize: 2, stride: 0 })(x))
//// @ts-expect-error
expectError(avgPool2d({ kernelSize: 2, stride: [1, 0] })(x))
//// @ts-expect-error
expectError(maxPool1d({ kernelSize: 2, dilation: 0 })(randn([1, 1, 8])))
//// @ts-expect-error
expectError(maxPool2d({ kernelSize: 1.5 })(x))

// ============================================================ BUG 2 — ValueError (then at types/conv.ts:69-72)
// `Lt<V, Min>` is `boolean` for a negative V (Lt only decides natural-number literals), so negative
// values pass as valid. Actual today (even with BUG 1 fixed): conv2d(w, { padding: -1 })(x) :
// Tensor<[1, 1, number, number]>.
expectType<'conv2d: padding must be a non-negative integer, got -1'>(errorOf(conv2d(w, { padding: -1 }), x))
//// @ts-expect-error
expectError(conv2d(w, { padding: -1 })(x))
//// @ts-expect-error
expectError(conv2d(w, { padding: [0, -2] })(x))
expectType<'conv2d: stride must be a positive integer, got -2'>(errorOf(conv2d(w, { stride: -2 }), x))
//// @ts-expect-error
expectError(convTranspose2d(w, { outputPadding: -1 })(x))
//// @ts-expect-error
expectError(maxPool2d({ kernelSize: 2, padding: -1 })(x))
expectType<'upsample: scaleFactor must be a positive integer, got -2'>(errorOf(upsample({ scaleFactor: -2 }), randn([2, 3, 8, 8])))

// ============================================================ BUG 3 — (CheckOptions with NonNegative = never) (then at types/pool.ts:79,100,104)
// With no non-negative keys, OptionErrors<…, never, 0> is [never], FirstError of a valid config is never,
// CheckOptions is never, and `never extends infer E extends ShapeError<string>` picks the error branch:
// every VALID adaptiveAvgPool2d / upsample configuration returns `never`, so its parameter type is `never`
// and no call compiles. Actual today: upsample({ scaleFactor: 2 })(x) is a compile error
// "Argument of type 'Tensor<[2, 3, 8, 8], "float32">' is not assignable to parameter of type 'never'".
{
  const x4 = randn([2, 3, 8, 8])
  expectType<Tensor<[2, 3, 1, 1]>>(adaptiveAvgPool2d(1)(x4))
  expectType<Tensor<[2, 3, 7, 7]>>(adaptiveAvgPool2d(7)(x4))
  expectType<Tensor<[2, 3, 2, 3]>>(adaptiveAvgPool2d([2, 3])(x4))
  expectType<Tensor<[number, 3, 7, 7]>>(adaptiveAvgPool2d(7)(x4 as Tensor<[number, 3, number, number]>))
  expectType<Tensor<[2, 3, 16, 16]>>(upsample({ scaleFactor: 2 })(x4))
  expectType<Tensor<[2, 3, 16, 24]>>(upsample({ scaleFactor: [2, 3], mode: 'bilinear' })(x4))
  expectType<Tensor<[2, 3, 16, 16]>>(upsample({ scaleFactor: 2, mode: 'nearest' })(x4))
  expectType<Tensor<[2, 3, 10, 12]>>(upsample({ size: [10, 12] })(x4))
  expectType<Tensor<[2, 3, 5, 5]>>(upsample({ size: 5, mode: 'bilinear', alignCorners: true })(x4))
  expectType<Tensor<[2, 3, 448, 448]>>(upsample({ scaleFactor: 2 })(randn([2, 3, 224, 224])))
  expectType<Tensor<[number, 3, 16, 16]>>(upsample({ scaleFactor: 2 })(x4 as Tensor<[number, 3, 8, 8]>))
}

// ============================================================ BUG 4 — ConvTransposeSize (then at types/conv.ts:49-51)
// `Lt<Out, 1>` is `boolean` when Out is negative, so negative transposed output sizes pass.
// Actual today: convTranspose2d(randn([1, 1, 1, 1]), { padding: 1 })(randn([1, 1, 1, 1])) : Tensor<[1, 1, -1, -1]>.
{
  // (1 − 1)·1 − 2·1 + (1 − 1) + 1 = −1
  const t = convTranspose2d(randn([1, 1, 1, 1]), { padding: 1 })
  expectType<'convTranspose2d: output size -1 is not positive'>(errorOf(t, randn([1, 1, 1, 1])))
  //// @ts-expect-error
  expectError(t(randn([1, 1, 1, 1])))
}

// ============================================================ BUG 5 — ReshapeChecked (then at types/shape.ts:74-84)
// The result keeps the `readonly` of the captured target tuple (`? T`, and homomorphic mapped types over
// T without `-readonly`), so reshape returns Tensor<readonly [6, 5]>, which a Tensor<[6, 5]> parameter
// or annotation rejects ("The type 'readonly [6, 5]' is 'readonly' and cannot be assigned to the
// mutable type '[6, 5]'"). Every other rule returns mutable tuples (see Mutable in shape.ts).
{
  const x3 = randn([2, 3, 5])
  expectType<Tensor<[6, 5]>>(reshape([6, 5])(x3))
  expectType<Tensor<[6, 5]>>(reshape([-1, 5])(x3))
  expectType<Tensor<[2, 15]>>(reshape([2, -1])(x3))
  expectType<Tensor<[30]>>(reshape([-1])(x3))
  expectType<Tensor<[1, 30, 1]>>(reshape([1, -1, 1])(x3))
  expectType<Tensor<[5, 3, 2]>>(pipe(x3, reshape([5, 3, 2])))
  expectType<Tensor<[]>>(reshape([])(randn([1, 1])))
  expectType<Tensor<[8, 2048, 49]>>(reshape([8, 2048, -1])(randn([8, 2048, 7, 7])))
  expectType<Tensor<[1000, 1000]>>(reshape([1000, -1])(randn([10, 100000])))
  // unknown dims
  expectType<Tensor<[number, 784]>>(reshape([-1, 784])(randn([1, 1, 28, 28]) as Tensor<[number, 1, 28, 28]>))
  expectType<Tensor<[2, number]>>(reshape([2, -1])(randn([2, 3]) as Tensor<number[]>))
  const typed: Tensor<[6, 5]> = reshape([6, 5])(x3)
  void typed
}

// ============================================================ BUG 6 — Reduce (several axes) (then at types/shape.ts:186)
// `A extends ShapeError<string>` distributes over the union of normalized axes, so reducing over
// [0, 2] gives the UNION of the one-axis results. Actual today: sum({ axis: [0, 2] })(randn([2, 3, 4])) :
// Tensor<[2, 3] | [3, 4]>.
{
  const x3 = randn([2, 3, 4])
  expectType<Tensor<[3]>>(sum({ axis: [0, 2] })(x3))
  expectType<Tensor<[3]>>(sum({ axis: [0, -1] })(x3))
  expectType<Tensor<[]>>(sum({ axis: [0, 1, 2] })(x3))
  expectType<Tensor<[1, 3, 1]>>(sum({ axis: [0, -1], keepDims: true })(x3))
  expectType<Tensor<[8, 2048]>>(mean({ axis: [2, 3] })(randn([8, 2048, 7, 7])))
  expectType<Tensor<[8, 2048, 1, 1]>>(mean({ axis: [-2, -1], keepDims: true })(randn([8, 2048, 7, 7])))
}

// ============================================================ BUG 7 — ShapeOfNested (then at types/shape.ts:246-256)
// ShapeOfNested<E> distributes over the union of the rows' types, so a ragged INNER level, or a mix of
// scalars and rows, is accepted with a union shape. Actual today: tensor([[[1, 2]], [[3]]]) :
// Tensor<[2, 1, 1] | [2, 1, 2]>, tensor([[1, 2], 3]) : Tensor<[2] | [2, 2]>,
// tensor([[[1, 2], [3, 4]], [[1, 2], [3]]]) : Tensor<UnknownShape | [2, 2, 2]>.
//// @ts-expect-error
expectError(tensor([[[1, 2]], [[3]]]))
//// @ts-expect-error
expectError(tensor([[[1, 2], [3, 4]], [[1, 2], [3]]]))
//// @ts-expect-error
expectError(tensor([[1, 2], 3]))
//// @ts-expect-error
expectError(tensor([1, [2, 3]]))

// ============================================================ BUG 8 — src/ops/reduce.ts:31 argmax dtype
// argmax builds an int32 node (reduce.ts:23) but is typed Layer<ReduceFn<…>>, whose output keeps the
// input's dtype. Actual today: argmax({ axis: 1 })(randn([2, 3, 4])) : Tensor<[2, 4], "float32">.
expectType<Tensor<[2, 4], 'int32'>>(argmax({ axis: 1 })(randn([2, 3, 4])))
expectType<Tensor<[64], 'int32'>>(argmax({ axis: -1 })(randn([64, 10])))
expectType<Tensor<[], 'int32'>>(argmax()(randn([2, 3, 4])))

// ============================================================ BUG 9 — src/ops/elementwise.ts:58-61 BinaryOp dtypes
// The two-argument form always returns Out (default 'float32') although the node keeps a's dtype
// (elementwise.ts applyBinary); the layer form keeps the input's dtype although greater/less/equal build
// 'bool' nodes. Actual today: add(i32, i32) : Tensor<[2, 3], "float32">;
// pipe(x, greater(0)) : Tensor<[2, 3], "float32">.
{
  const i32 = zeros([2, 3], 'int32')
  expectType<Tensor<[2, 3], 'int32'>>(add(i32, i32))
  expectType<Tensor<[2, 3], 'int32'>>(mul(i32, 2))
  expectType<Tensor<[2, 3], 'bool'>>(pipe(randn([2, 3]), greater(0)))
}
void ones

// ------------------------------------------------------------ creation dtypes come from the arguments, not the context
{
  //// @ts-expect-error
  expectError<Tensor<[8], 'int32'>>(zeros([8]))
  expectType<Tensor<[8], 'int32'>>(zeros([8], 'int32'))
}
