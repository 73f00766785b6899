/**
 * The activations added as one definition each (src/ops/activations.ts): elu, silu and hardswish
 * keep their input's shape (a generic batch included), compose in `pipe`, take only float32, and
 * elu's options are its alpha only.
 *
 * `//// @ts-expect-error` above an `expectError(...)`: see type-tests/README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import { randn, zeros, conv2d, elu, silu, hardswish, type Tensor, type Layer, type DType } from '../src/index.ts'
import type { Shape, ShapeFn, ApplyLayer, ShapeError } from '../types/index.ts'

declare function errorOf<F extends ShapeFn, S extends Shape, D extends DType>(
  layer: Layer<F, DType | 'same'>,
  x: Tensor<S, D>,
): ApplyLayer<F, S, D> extends ShapeError<infer M> ? M : 'fits';

const x = randn([2, 3, 8, 8])
expectType<Tensor<[2, 3, 8, 8]>>(elu()(x))
expectType<Tensor<[2, 3, 8, 8]>>(elu({ alpha: 0.5 })(x))
expectType<Tensor<[2, 3, 8, 8]>>(silu(x))
expectType<Tensor<[2, 3, 8, 8]>>(hardswish(x))
expectType<Tensor<[2, 4, 8, 8]>>(pipe(x, conv2d(randn([4, 3, 3, 3]), { padding: 1 }), elu(), silu, hardswish))

// A generic batch flows through.
const generic = <N extends number>(batch: Tensor<[N, 3, 8, 8]>): Tensor<[N, 3, 8, 8]> => pipe(batch, elu({ alpha: 2 }), silu, hardswish)
expectType<Tensor<[5, 3, 8, 8]>>(generic(randn([5, 3, 8, 8])))

// float32 only, like the other activations: the message is the parameter type.
const ints = zeros([4], 'int32')
//// @ts-expect-error
expectError(silu(ints))
expectType<"silu: expects float32 input, got int32; convert it with cast('float32')">(errorOf(silu, ints))
expectType<"hardswish: expects float32 input, got int32; convert it with cast('float32')">(errorOf(hardswish, ints))
expectType<"elu: expects float32 input, got int32; convert it with cast('float32')">(errorOf(elu(), ints))

// elu's one option is alpha, a number.
//// @ts-expect-error
expectError(elu({ alpha: '1' }))
