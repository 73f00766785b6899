/**
 * Type-checked by `npm run typecheck` (TypeScript 7) and measured by
 * budget.test.ts: a 1024×1024, 4096-channel, dilation-2 configuration, whose
 * sizes are far past what tuple-length arithmetic can count.
 */
import { pipe } from 'fp-ts/lib/function.js'
import { zeros, conv2d, maxPool2d, flatten, convTranspose2d, type Tensor } from '../../src/index.ts'

const x = zeros([1, 4096, 1024, 1024])
const w = zeros([4096, 4096, 3, 3])
const up = zeros([4096, 64, 4, 4])

export const dilated: Tensor<[1, 4096, 1024, 1024]> = conv2d(w, { dilation: 2, padding: 2 })(x)
export const strided: Tensor<[1, 4096, 510, 510]> = conv2d(w, { dilation: 2, stride: 2 })(x)
export const pooled: Tensor<[1, 4096, 512, 512]> = maxPool2d({ kernelSize: 3, stride: 2, padding: 1, dilation: 2, ceilMode: true })(x)
export const transposed: Tensor<[1, 64, 2048, 2048]> = convTranspose2d(up, { stride: 2, padding: 1 })(x)
export const features: Tensor<[1, 4294967296]> = pipe(x, conv2d(w, { dilation: 2, padding: 'same' }), flatten)
