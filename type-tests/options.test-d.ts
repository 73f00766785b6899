/**
 * How options are spelled (src/shape/options.ts): an unknown key (a typo next to
 * valid keys too) or a missing required key is an error at the options
 * argument; a value of the wrong kind, a tuple of the wrong length or a union
 * of literals is an error where the layer is applied (so a block generic in
 * its stride still checks); a one-element tuple means that value on every
 * axis, as in PyTorch. Every text is written once and shared with the run-time
 * twin (pinned in tests/shape/rules.test.ts).
 *
 * `//// @ts-expect-error` above the offending line: see type-tests/README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import {
  randn, conv1d, conv2d, convTranspose2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, upsample, relu, sum, argmax, type Tensor, type Layer, type DType,
} from '../src/index.ts'
import type { Shape, ShapeFn, ApplyShape, ShapeError, CheckKeys, ConvSpec, MaxPoolSpec } from '../types/index.ts'

/** The message a layer's parameter turns into for an input of shape S ('fits' when the rule holds). */
declare function errorOf<F extends ShapeFn, S extends Shape, D extends DType>(
  layer: Layer<F, DType | 'same'>,
  x: Tensor<S, D>,
): ApplyShape<F, S> extends ShapeError<infer M> ? M : 'fits';

const w = randn([4, 3, 3, 3])
const x = randn([1, 3, 8, 8])

// ------------------------------------------------------------------ unknown keys, at the options argument
{
  // the case: a typo next to a valid key used to be dropped silently (stride stayed 1)
  expectType<ShapeError<"conv2d: unknown option 'stide' (known: stride, padding, dilation, groups)">>(
    {} as CheckKeys<'conv2d', { stide: 2; padding: 1 }, ConvSpec, never>,
  )
  expectError(conv2d(
    w,
    //// @ts-expect-error
    { stide: 2, padding: 1 },
  ))
  // alone, too, with the same text
  //// @ts-expect-error
  expectError(conv2d(w, { stide: 2 }))
  //// @ts-expect-error
  expectError(convTranspose2d(randn([3, 4, 3, 3]), { output_padding: 1 }))
  //// @ts-expect-error
  expectError(maxPool2d({ kernelSize: 2, strides: 2 }))
  //// @ts-expect-error
  expectError(avgPool2d({ kernelSize: 2, dilation: 2 }))
  // the layer built from misspelled options has an unknown shape: the next lines report nothing more
  expectError(pipe(
    x,
    //// @ts-expect-error
    conv2d(w, { stide: 2, padding: 1 }),
    relu,
    maxPool2d({ kernelSize: 2 }),
  ))
  // a reduction's keepDims misspelled used to be ignored
  //// @ts-expect-error
  expectError(sum({ axis: 1, keepdims: true }))
  //// @ts-expect-error
  expectError(argmax({ axes: 1 }))
  expectType<Tensor<[1, 3, 1, 8]>>(sum({ axis: 2, keepDims: true })(x))
  // maxPool2d({}) without its kernel size
  expectType<ShapeError<'maxPool2d: kernelSize is required'>>({} as CheckKeys<'maxPool2d', {}, MaxPoolSpec, 'kernelSize'>)
  //// @ts-expect-error
  expectError(maxPool2d({}))
}

// ------------------------------------------------------------------ a one-element tuple means every axis (PyTorch)
{
  expectType<Tensor<[1, 4, 3, 3]>>(conv2d(w, { stride: [2] })(x))
  expectType<Tensor<[1, 4, 3, 3]>>(conv2d(w, { stride: 2 })(x))
  expectType<Tensor<[1, 4, 8, 8]>>(conv2d(w, { padding: [1] })(x))
  expectType<Tensor<[1, 3, 4, 4]>>(maxPool2d({ kernelSize: [2] })(x))
  expectType<Tensor<[1, 3, 4, 4]>>(maxPool2d({ kernelSize: 2 })(x))
  expectType<Tensor<[1, 3, 3, 3]>>(adaptiveAvgPool2d([3])(x))
  expectType<Tensor<[1, 3, 16, 16]>>(upsample({ scaleFactor: [2] })(x))
  expectType<Tensor<[1, 4, 4]>>(conv1d(randn([4, 3, 3]), { padding: [1], stride: [2] })(randn([1, 3, 8])))
}

// ------------------------------------------------------------------ any other length is an error, with its text
{
  expectType<'conv2d: stride has 3 values for 2 spatial axes; give one (used on every axis) or 2'>(errorOf(conv2d(w, { stride: [1, 2, 3] }), x))
  //// @ts-expect-error
  expectError(conv2d(w, { stride: [1, 2, 3] })(x))
  expectType<'maxPool2d: kernelSize has 3 values for 2 spatial axes; give one (used on every axis) or 2'>(errorOf(maxPool2d({ kernelSize: [2, 2, 2] }), x))
  expectType<'conv1d: padding has 2 values for 1 spatial axis; give one (used on every axis) or 1'>(
    errorOf(conv1d(randn([4, 3, 3]), { padding: [1, 1] }), randn([1, 3, 8])),
  )
  expectType<'adaptiveAvgPool2d: outputSize has 3 values for 2 spatial axes; give one (used on every axis) or 2'>(errorOf(adaptiveAvgPool2d([2, 2, 2]), x))
}

// ------------------------------------------------------------------ values of the wrong kind
{
  expectType<"conv2d: padding must be a number, [number, number], 'same' or 'valid', got 'SAME'">(errorOf(conv2d(w, { padding: 'SAME' }), x))
  //// @ts-expect-error
  expectError(conv2d(w, { padding: 'SAME' })(x))
  expectType<"conv2d: stride must be a number or [number, number], got '2'">(errorOf(conv2d(w, { stride: '2' }), x))
  expectType<"conv2d: stride must be a number or [number, number], got ['2', 2]">(errorOf(conv2d(w, { stride: ['2', 2] }), x))
  expectType<'conv2d: groups must be a number, got [1, 1]'>(errorOf(conv2d(w, { groups: [1, 1] }), x))
  expectType<"maxPool2d: padding must be a number or [number, number], got 'same'">(errorOf(maxPool2d({ kernelSize: 3, padding: 'same' }), x))
}

// ------------------------------------------------------------------ a union of literals is refused, asking for a literal
{
  // the case: a helper taking `padding: 0 | 1` turned every later dim into a union
  const block = (padding: 0 | 1) => conv2d(w, { padding })
  expectType<'conv2d: padding is a union of values; pass one literal (or a plain number) so the output has one shape'>(errorOf(block(1), x))
  //// @ts-expect-error
  expectError(block(1)(x))
  // a literal, or a plain number (dims become `number`), is fine
  expectType<Tensor<[1, 4, 8, 8]>>(conv2d(w, { padding: 1 })(x))
  const wide = (padding: number) => conv2d(w, { padding })
  expectType<Tensor<[1, 4, number, number]>>(wide(1)(x))
  const same = (padding: number | 'same') => conv2d(w, { padding })
  expectType<Tensor<[1, 4, number, number]>>(same(1)(x))
}

// ------------------------------------------------------------------ a block generic in its stride still checks where it is applied
{
  const down = <S extends number>(stride: S) => conv2d(w, { stride, padding: 1 })
  expectType<Tensor<[1, 4, 4, 4]>>(down(2)(x))
  expectType<Tensor<[1, 4, 8, 8]>>(down(1)(x))
}
