/**
 * Block combinators as layer values: `concatBranches` (Inception), `skip` (U-Net), and depth:
 * a 1,000-layer `sequential` checks (the fold is linear, in chunks, so no TS2589).
 *
 * `//// @ts-expect-error` above an `expectError(...)`: see type-tests/README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import {
  randn, conv2d, convTranspose2d, maxPool2d, relu, sequential, concatBranches, skip, globalAvgPool2d, linear,
  type Tensor, type Layer,
} from '../src/index.ts'
import type { ShapeFn } from '../types/index.ts'
import { errorOf } from './error-of.ts'

// ================================================================== Inception from concatBranches
/** An Inception module as a function of its channel counts: a reusable layer value. */
const inceptionModule = <Cin extends number, C1 extends number, R3 extends number, C3 extends number, R5 extends number, C5 extends number, P extends number>(
  p: {
    b1: Tensor<[C1, Cin, 1, 1]>
    b3reduce: Tensor<[R3, Cin, 1, 1]>
    b3: Tensor<[C3, R3, 3, 3]>
    b5reduce: Tensor<[R5, Cin, 1, 1]>
    b5: Tensor<[C5, R5, 5, 5]>
    poolProj: Tensor<[P, Cin, 1, 1]>
  },
) =>
  concatBranches(
    sequential(conv2d(p.b1), relu),
    sequential(conv2d(p.b3reduce), relu, conv2d(p.b3, { padding: 1 }), relu),
    sequential(conv2d(p.b5reduce), relu, conv2d(p.b5, { padding: 2 }), relu),
    sequential(maxPool2d({ kernelSize: 3, stride: 1, padding: 1 }), conv2d(p.poolProj), relu),
  )
const inceptionParams = <Cin extends number, C1 extends number, R3 extends number, C3 extends number, R5 extends number, C5 extends number, P extends number>(
  cin: Cin, c1: C1, r3: R3, c3: C3, r5: R5, c5: C5, pool: P,
) => ({
  b1: randn([c1, cin, 1, 1]),
  b3reduce: randn([r3, cin, 1, 1]),
  b3: randn([c3, r3, 3, 3]),
  b5reduce: randn([r5, cin, 1, 1]),
  b5: randn([c5, r5, 5, 5]),
  poolProj: randn([pool, cin, 1, 1]),
})
const inception3a = inceptionModule(inceptionParams(192, 64, 96, 128, 16, 32, 32))
const inception3b = inceptionModule(inceptionParams(256, 128, 128, 192, 32, 96, 64))
expectType<'concatBranches'>(inception3a.op)
{
  // GoogLeNet's 3a → 3b → pool → head, generic in the batch
  const googLeNetTail = <N extends number>(x: Tensor<[N, 192, 28, 28]>): Tensor<[N, 10]> =>
    pipe(x, inception3a, inception3b, maxPool2d({ kernelSize: 3, stride: 2, padding: 1 }), globalAvgPool2d, linear(randn([10, 480])))
  expectType<<N extends number>(x: Tensor<[N, 192, 28, 28]>) => Tensor<[N, 10]>>(googLeNetTail)
  const a = <N extends number>(x: Tensor<[N, 192, 28, 28]>): Tensor<[N, 256, 28, 28]> => inception3a(x)
  expectType<Tensor<[2, 256, 28, 28]>>(a(randn([2, 192, 28, 28])))
  expectType<Tensor<[2, 480, 14, 14]>>(sequential(inception3a, inception3b, maxPool2d({ kernelSize: 3, stride: 2, padding: 1 }))(randn([2, 192, 28, 28])))

  // a branch that does not fit is named by index and op
  expectType<'concatBranches: branch 0 (sequential) does not fit: sequential: layer 0 (conv2d) does not fit: conv2d: input has 100 channels but weight expects 192'>(
    errorOf(inception3a, randn([2, 100, 28, 28])),
  )
  //// @ts-expect-error
  expectError(inception3a(randn([2, 100, 28, 28])))
  // branches whose spatial sizes differ cannot be concatenated
  const strided = concatBranches(conv2d(randn([4, 3, 1, 1])), conv2d(randn([4, 3, 1, 1]), { stride: 2 }))
  expectType<'concatBranches: concat: shapes [2, 4, 8, 8] and [2, 4, 4, 4] differ outside axis 1'>(errorOf(strided, randn([2, 3, 8, 8])))
  //// @ts-expect-error
  expectError(strided(randn([2, 3, 8, 8])))
  expectType<'concatBranches: concat: needs at least one tensor'>(errorOf(concatBranches(), randn([2, 3])))
}

// ================================================================== U-Net from nested skips
/** A U-Net level: [x, up(inner(down(x)))] on the channels. */
const level = <C extends number, C2 extends number, I extends ShapeFn>(
  down: Tensor<[C2, C, 3, 3]>,
  inner: Layer<I>,
  up: Tensor<[C2, C, 2, 2]>,
) => skip(sequential(maxPool2d({ kernelSize: 2 }), conv2d(down, { padding: 1 }), relu, inner, convTranspose2d(up, { stride: 2 })), 'concat')
{
  const bottom = sequential(conv2d(randn([64, 64, 3, 3]), { padding: 1 }), relu)
  const level2 = level(randn([64, 32, 3, 3]), bottom, randn([64, 32, 2, 2])) //              [N, 32, 32, 32] → [N, 64, 32, 32]
  const level1 = level(randn([32, 16, 3, 3]), sequential(level2, conv2d(randn([32, 64, 3, 3]), { padding: 1 }), relu), randn([32, 16, 2, 2]))
  const unet = sequential(conv2d(randn([16, 1, 3, 3]), { padding: 1 }), relu, level1, conv2d(randn([16, 32, 3, 3]), { padding: 1 }), relu, conv2d(randn([2, 16, 1, 1])))
  const segment = <N extends number>(x: Tensor<[N, 1, 64, 64]>): Tensor<[N, 2, 64, 64]> => unet(x)
  expectType<<N extends number>(x: Tensor<[N, 1, 64, 64]>) => Tensor<[N, 2, 64, 64]>>(segment)
  expectType<Tensor<[4, 2, 64, 64]>>(unet(randn([4, 1, 64, 64])))
  expectType<Tensor<[4, 2, 128, 96]>>(unet(randn([4, 1, 128, 96])))
  expectType<Tensor<[number, 2, 64, 64]>>(unet(randn([4, 1, 64, 64]) as Tensor<[number, 1, 64, 64]>))
  // an odd size does not survive the pool and the transposed conv: the skip says so
  expectType<'skip: concat: shapes [4, 32, 31, 31] and [4, 32, 30, 30] differ outside axis 1'>(errorOf(level2, randn([4, 32, 31, 31])))
  //// @ts-expect-error
  expectError(unet(randn([4, 1, 62, 62])))
  expectType<'skip: inner block does not fit: sequential: layer 1 (conv2d) does not fit: conv2d: input has 16 channels but weight expects 32'>(
    errorOf(level2, randn([4, 16, 32, 32])),
  )
  // 'add' merges like residual
  const addSkip = skip(sequential(conv2d(randn([8, 8, 3, 3]), { padding: 1 }), relu), 'add')
  expectType<Tensor<[2, 8, 5, 5]>>(addSkip(randn([2, 8, 5, 5])))
  expectType<'skip: shapes [2, 8, 5, 5] and [2, 8, 3, 3] cannot be broadcast'>(errorOf(skip(conv2d(randn([8, 8, 3, 3])), 'add'), randn([2, 8, 5, 5])))
  //// @ts-expect-error
  expectError(skip(relu, 'mul'))
}

// ================================================================== depth: 1,000 layers
const conv8 = conv2d(randn([8, 8, 3, 3]), { padding: 1 })
type Twice<T extends readonly unknown[]> = [...T, ...T]
type L8 = Twice<Twice<[typeof conv8, typeof relu]>>
type L32 = Twice<Twice<L8>>
type L128 = Twice<Twice<L32>>
type L512 = Twice<Twice<L128>>
/** 1,000 layers (500 × conv 3×3 same, relu), typed without writing them out: 512 + 256 + 128 + 64 + 32 + 8. */
type L1000 = [...L512, ...Twice<L128>, ...L128, ...Twice<L32>, ...L32, ...L8]
declare const thousandLayers: L1000
{
  expectType<1000>(thousandLayers.length)
  const deep = sequential(...thousandLayers)
  expectType<Tensor<[2, 8, 16, 16]>>(deep(randn([2, 8, 16, 16])))
  const deepGeneric = <N extends number>(x: Tensor<[N, 8, 16, 16]>): Tensor<[N, 8, 16, 16]> => deep(x)
  expectType<Tensor<[5, 8, 16, 16]>>(deepGeneric(randn([5, 8, 16, 16])))
  // the failing layer is found and named at any depth: layer 999 is the last relu, layer 998 the last conv
  const broken = sequential(...thousandLayers, conv2d(randn([4, 3, 3, 3])))
  expectType<'sequential: layer 1000 (conv2d) does not fit: conv2d: input has 8 channels but weight expects 3'>(errorOf(broken, randn([2, 8, 16, 16])))
  //// @ts-expect-error
  expectError(broken(randn([2, 8, 16, 16])))
  expectType<'sequential: layer 0 (conv2d) does not fit: conv2d: input has 3 channels but weight expects 8'>(errorOf(deep, randn([2, 3, 16, 16])))
}
