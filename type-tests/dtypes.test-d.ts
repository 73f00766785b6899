/**
 * Dtypes in the types (src/shape/dtype.ts): an op given a dtype it does not accept
 * is a compile error at the offending argument, whose parameter type is the
 * message (the same text as the run-time DTypeError, pinned in
 * tests/ops/dtypes.test.ts), with `cast` as the remedy. A tensor whose dtype
 * is not known statically (`Tensor<S, DType>`) is left to the run-time check.
 *
 * `//// @ts-expect-error` above an `expectError(...)`: see type-tests/README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import {
  randn, zeros, tensor, cast, conv2d, linear, matmul, relu, abs, neg, add, mul, greater, concat, mean, sum, argmax, maxPool2d, flatten,
  reshape, where, grad, valueAndGrad, type Tensor, type Layer, type DType,
} from '../src/index.ts'
import type { Shape, ShapeFn, ApplyLayer, ShapeError } from '../types/index.ts'

/** The message a layer's parameter turns into for an input of shape S and dtype D ('fits' when both rules hold). */
declare function errorOf<F extends ShapeFn, S extends Shape, D extends DType>(
  layer: Layer<F, DType | 'same'>,
  x: Tensor<S, D>,
): ApplyLayer<F, S, D> extends ShapeError<infer M> ? M : 'fits';

const image = zeros([2, 1, 5, 5], 'int32')
const w = randn([4, 1, 3, 3])

// ------------------------------------------------------------------ float-only ops refuse int32 at the argument
{
  //// @ts-expect-error
  expectError(conv2d(w)(image))
  expectType<"conv2d: expects float32 input, got int32; convert it with cast('float32')">(errorOf(conv2d(w), image))
  // the remedy the message names
  expectType<Tensor<[2, 4, 3, 3]>>(conv2d(w)(cast('float32')(image)))
  expectType<Tensor<[2, 4, 3, 3]>>(pipe(image, cast('float32'), conv2d(w)))

  const rows = zeros([8, 3], 'int32')
  //// @ts-expect-error
  expectError(linear(randn([2, 3]))(rows))
  expectType<"linear: expects float32 input, got int32; convert it with cast('float32')">(errorOf(linear(randn([2, 3])), rows))
  //// @ts-expect-error
  expectError(relu(rows))
  expectType<"relu: expects float32 input, got int32; convert it with cast('float32')">(errorOf(relu, rows))
  expectType<"maxPool2d: expects float32 input, got int32; convert it with cast('float32')">(errorOf(maxPool2d({ kernelSize: 2 }), image))
  expectType<"mean: expects float32 input, got int32; convert it with cast('float32')">(errorOf(mean(), rows))
  // matmul, both forms; the offending operand is the one reported
  //// @ts-expect-error
  expectError(matmul(rows, randn([3, 2])))
  //// @ts-expect-error
  expectError(matmul(randn([2, 8]), rows))
  expectType<Tensor<[2, 3]>>(matmul(randn([2, 8]), cast('float32')(rows)))
  expectType<"matmul: expects float32 input, got int32; convert it with cast('float32')">(errorOf(matmul(randn([3, 2])), rows))
  // inside a pipe, at the offending layer
  expectError(pipe(
    image,
    //// @ts-expect-error
    conv2d(w),
  ))
}

// ------------------------------------------------------------------ what int32 and bool may do
{
  const i = tensor([[1, 2], [3, 4]], 'int32')
  expectType<Tensor<[2, 2], 'int32'>>(abs(i))
  expectType<Tensor<[2, 2], 'int32'>>(neg(i))
  expectType<Tensor<[2, 2], 'int32'>>(add(i, 1))
  expectType<Tensor<[2], 'int32'>>(sum({ axis: 0 })(i))
  expectType<Tensor<[2, 2], 'bool'>>(greater(i, 2))
  expectType<Tensor<[4], 'int32'>>(pipe(i, reshape([4])))
  expectType<Tensor<[2, 2], 'int32'>>(flatten(i))
  expectType<Tensor<[2], 'int32'>>(argmax({ axis: 1 })(cast('float32')(i)))
  const b = greater(i, 2)
  expectType<"sum: expects float32 or int32 input, got bool; convert it with cast('float32')">(errorOf(sum(), b))
  expectType<Tensor<[2, 2], 'int32'>>(cast('int32')(b))
  expectType<Tensor<[2, 2]>>(cast('float32')(b))
}

// ------------------------------------------------------------------ operands of one op share a dtype
{
  const f = randn([2, 3])
  const i = zeros([2, 3], 'int32')
  //// @ts-expect-error
  expectError(add(f, i))
  //// @ts-expect-error
  expectError(mul(i, f))
  // the data-last form gives the same text
  expectType<'add: operands are float32 and int32; convert one with cast so both have the same dtype'>(errorOf(add(i), f))
  expectType<Tensor<[2, 3]>>(add(f, cast('float32')(i)))
  //// @ts-expect-error
  expectError(concat([f, f, i], 0))
  expectType<Tensor<[6, 3], 'int32'>>(concat([i, i, i], 0))
  expectType<Tensor<[4, 3]>>(concat([f, cast('float32')(i)], 0))
  // where: a and b share a dtype (the result's); a number adapts
  const c = greater(f, 0)
  expectType<Tensor<[2, 3], 'int32'>>(where(c, i, 0))
  expectType<Tensor<[2, 3]>>(where(c, 1, 0))
  //// @ts-expect-error
  expectError(where(c, i, f))
}

// ------------------------------------------------------------------ an unknown dtype is checked at run time
{
  const anyDtype = randn([2, 3]) as Tensor<[2, 3], DType>
  expectType<Tensor<[2, 3], DType>>(relu(anyDtype))
  expectType<Tensor<[2, 3], DType>>(add(anyDtype, randn([2, 3])))
}

// ------------------------------------------------------------------ no gradient with respect to an int32 tensor
{
  const lossOf = (w: Tensor<[2]>, y: Tensor<[2], 'int32'>) => sum()(mul(w, cast('float32')(y)))
  // int32 labels that are not differentiated are fine
  expectType<Tensor<[2]>>(grad(lossOf)(randn([2]), zeros([2], 'int32')))
  //// @ts-expect-error
  expectError(grad(lossOf, { argnums: 1 })(randn([2]), zeros([2], 'int32')))
  //// @ts-expect-error
  expectError(valueAndGrad(lossOf, { argnums: [0, 1] })(randn([2]), zeros([2], 'int32')))
  type Refused = Parameters<ReturnType<typeof valueAndGrad<[Tensor<[2]>, Tensor<[2], 'int32'>], 1>>>[1]
  expectType<'valueAndGrad: cannot differentiate with respect to argument 1 of dtype int32; only float32 tensors have gradients (cast it, or leave it out of argnums)'>(
    {} as Refused,
  )
}

// ------------------------------------------------------------------ with a generic batch N: exact results, same refusals
// The dtype rules read only the dtype (the phantom field), never the shape, so a dim that is a
// type parameter neither defers them (which would lose the [N, …] result) nor slips past them.
{
  const residual = <N extends number>(x: Tensor<[N, 64, 7, 7]>, y: Tensor<[N, 64, 7, 7]>): Tensor<[N, 64, 7, 7]> => add(x, y)
  const joined = <N extends number>(x: Tensor<[N, 32, 8, 8]>, y: Tensor<[N, 16, 8, 8]>): Tensor<[N, 48, 8, 8]> => concat([x, y], 1)
  const joinedInt = <N extends number>(x: Tensor<[N, 3], 'int32'>, y: Tensor<[N, 3], 'int32'>): Tensor<[N, 6], 'int32'> => concat([x, y], 1)
  const picked = <N extends number>(c: Tensor<[N, 3], 'bool'>, x: Tensor<[N, 3]>): Tensor<[N, 3]> => where(c, x, 0)
  expectType<Tensor<[5, 64, 7, 7]>>(residual(randn([5, 64, 7, 7]), randn([5, 64, 7, 7])))
  expectType<Tensor<[5, 48, 8, 8]>>(joined(randn([5, 32, 8, 8]), randn([5, 16, 8, 8])))
  expectType<Tensor<[5, 6], 'int32'>>(joinedInt(zeros([5, 3], 'int32'), zeros([5, 3], 'int32')))
  expectType<Tensor<[5, 3]>>(picked(greater(randn([5, 3]), 0), randn([5, 3])))

  const mixedAdd = <N extends number>(x: Tensor<[N, 3]>, i: Tensor<[N, 3], 'int32'>) =>
    //// @ts-expect-error
    expectError(add(x, i))
  const mixedConcat = <N extends number>(x: Tensor<[N, 3]>, i: Tensor<[N, 3], 'int32'>) =>
    //// @ts-expect-error
    expectError(concat([x, i], 1))
  const mixedWhere = <N extends number>(c: Tensor<[N, 3], 'bool'>, x: Tensor<[N, 3]>, i: Tensor<[N, 3], 'int32'>) =>
    //// @ts-expect-error
    expectError(where(c, x, i))
  const intRelu = <N extends number>(i: Tensor<[N, 3], 'int32'>) =>
    //// @ts-expect-error
    expectError(relu(i))
  void [mixedAdd, mixedConcat, mixedWhere, intRelu]

  // a generic train step: the float32 batch is differentiable, int32 labels are refused where argnums asks for them
  const lossOf = <N extends number>(x: Tensor<[N, 4]>, y: Tensor<[N], 'int32'>) => sum()(mul(mean({ axis: 1 })(x), cast('float32')(y)))
  const step = <N extends number>(x: Tensor<[N, 4]>, y: Tensor<[N], 'int32'>): Tensor<[N, 4]> => grad(lossOf<N>)(x, y)
  expectType<Tensor<[5, 4]>>(step(randn([5, 4]), zeros([5], 'int32')))
  const labelsGrad = <N extends number>(x: Tensor<[N, 4]>, y: Tensor<[N], 'int32'>) =>
    //// @ts-expect-error
    expectError(valueAndGrad(lossOf<N>, { argnums: [0, 1] })(x, y))
  void labelsGrad
}
