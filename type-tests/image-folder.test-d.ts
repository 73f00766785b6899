/**
 * Types of imageFolder and imageBatches: the channel count and size given as
 * options become the batch's tensor shape, so a model for another shape is
 * rejected where the batch meets it.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { conv2d, randn, type Tensor } from '../src/index.ts'
import { imageFolder, imageBatches, type ImageFolder } from '../src/data/index.ts'

const rgb = imageFolder('photos', { channels: 3, size: [32, 32] })
expectType<ImageFolder<3, 32, 32>>(rgb)
expectType<readonly [3, 32, 32]>(rgb.shape)
expectType<ImageFolder<3, number, number>>(imageFolder('photos'))
expectType<ImageFolder<1, 28, 28>>(imageFolder('digits', { channels: 1, size: [28, 28], mean: 0.5, std: 0.5 }))

const batches = imageBatches(rgb, { batchSize: 16, shuffle: true, seed: 1, flip: true, randomCrop: { padding: 4 }, prefetch: 2 })
expectType<AsyncGenerator<{ x: Tensor<[number, 3, 32, 32]>; y: Tensor<[number], 'int32'> }, void, undefined>>(batches)

declare const x: Tensor<[number, 3, 32, 32]>
expectType<Tensor<[number, 8, 30, 30]>>(conv2d(randn([8, 3, 3, 3]))(x))
// A grey-image model does not take these RGB batches.
//// @ts-expect-error
expectError(conv2d(randn([8, 1, 3, 3]))(x))
//// @ts-expect-error
expectError(imageBatches(rgb, { batchSize: 16, randomCrop: 4 }))
