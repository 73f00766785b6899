/**
 * layerNorm, groupNorm, instanceNorm2d keep their input's shape; the parameters from the nn
 * initialisers fit; each refused input or parameter gives its message.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import { randn, zeros, conv2d, relu, groupNorm, layerNorm, instanceNorm2d, type Tensor } from '../src/index.ts'
import { groupNormParams, instanceNorm2dParams, layerNormParams } from '../src/nn/index.ts'
import type { ShapeError } from '../types/index.ts'
import type { LayerNormShape, GroupNormShape, InstanceNorm2dShape } from '../src/ops/normalization.ts'

expectType<{ weight: Tensor<[8, 8]>; bias: Tensor<[8, 8]> }>(layerNormParams({ normalizedShape: [8, 8] }))
expectType<{ weight: Tensor<[32]>; bias: Tensor<[32]> }>(groupNormParams({ numChannels: 32 }))
expectType<{ weight: Tensor<[3]>; bias: Tensor<[3]> }>(instanceNorm2dParams({ numFeatures: 3 }))

// a ResNet-style block with group norm, a generic batch
const block = <N extends number>(x: Tensor<[N, 16, 8, 8]>) =>
  pipe(x, conv2d(randn([32, 16, 3, 3]), { padding: 1 }), groupNorm(8, groupNormParams({ numChannels: 32 })), relu)
expectType<<N extends number>(x: Tensor<[N, 16, 8, 8]>) => Tensor<[N, 32, 8, 8]>>(block)
expectType<Tensor<[4, 10, 8, 8]>>(layerNorm([8, 8], layerNormParams({ normalizedShape: [8, 8] }))(randn([4, 10, 8, 8])))
expectType<Tensor<[4, 10, 8, 8]>>(layerNorm([10, 8, 8])(randn([4, 10, 8, 8])))
expectType<Tensor<[2, 3, 5, 5]>>(instanceNorm2d(instanceNorm2dParams({ numFeatures: 3 }), { eps: 1e-3 })(randn([2, 3, 5, 5])))
expectType<Tensor<[2, 6, 7]>>(groupNorm(2)(randn([2, 6, 7])))
expectType<Tensor<number[]>>(groupNorm(2)(randn([2, 6, 7]) as Tensor<number[]>))

//// @ts-expect-error
expectError(layerNorm([5])(randn([4, 10, 8, 8])))
//// @ts-expect-error
expectError(layerNorm([8], layerNormParams({ normalizedShape: [9] }))(randn([4, 10, 8, 8])))
//// @ts-expect-error
expectError(groupNorm(4)(randn([2, 6, 3, 3])))
//// @ts-expect-error
expectError(groupNorm(3, groupNormParams({ numChannels: 5 }))(randn([2, 6, 3, 3])))
//// @ts-expect-error
expectError(instanceNorm2d()(randn([6, 3, 3])))
//// @ts-expect-error
expectError(instanceNorm2d()(zeros([1, 6, 3, 3], 'int32')))
expectType<ShapeError<'layerNorm: input [4, 10, 8, 8] does not end with normalizedShape [5]'>>({} as LayerNormShape<[4, 10, 8, 8], [5], [5]>)
expectType<ShapeError<'layerNorm: input [4, 10] does not end with normalizedShape [3, 4, 10]'>>({} as LayerNormShape<[4, 10], [3, 4, 10], [3, 4, 10]>)
expectType<ShapeError<'layerNorm: input [4, 10, 8, 8] needs weight and bias [8], got [9]'>>({} as LayerNormShape<[4, 10, 8, 8], [8], [9]>)
expectType<ShapeError<'groupNorm: input [2, 6, 3, 3] has 6 channels, not divisible by numGroups = 4'>>({} as GroupNormShape<[2, 6, 3, 3], 4, [number]>)
expectType<ShapeError<'groupNorm: input [2, 6, 3, 3] needs weight and bias [6], got [5]'>>({} as GroupNormShape<[2, 6, 3, 3], 3, [5]>)
expectType<ShapeError<'instanceNorm2d: expects input [N, C, H, W], got [6, 3, 3]'>>({} as InstanceNorm2dShape<[6, 3, 3], [number]>)
expectType<<N extends number>(x: Tensor<[N, 4, 9]>) => Tensor<[N, 4, 9]>>(<N extends number>(x: Tensor<[N, 4, 9]>) => layerNorm([9])(x))
expectType<<N extends number>(x: Tensor<[N, 4, 9, 9]>) => Tensor<[N, 4, 9, 9]>>(<N extends number>(x: Tensor<[N, 4, 9, 9]>) => instanceNorm2d(instanceNorm2dParams({ numFeatures: 4 }))(x))
