/** interpolate: seven configurations (sizes, integer and decimal scale factors, every rank). Cost pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import { randn, interpolate, type Tensor } from '../../../src/index.ts'

expectType<Tensor<[8, 16, 16, 16]>>(interpolate({ scaleFactor: 2 })(randn([8, 16, 8, 8])))
expectType<Tensor<[8, 16, 56, 56]>>(interpolate({ size: 56, mode: 'bilinear', alignCorners: true })(randn([8, 16, 28, 28])))
expectType<Tensor<[8, 16, 42, 70]>>(interpolate({ scaleFactor: [1.5, 2.5], mode: 'bicubic' })(randn([8, 16, 28, 28])))
expectType<Tensor<[8, 3, 166]>>(interpolate({ scaleFactor: 1.3, mode: 'linear' })(randn([8, 3, 128])))
expectType<Tensor<[2, 4, 16, 24, 24]>>(interpolate({ scaleFactor: [2, 1.5, 1.5], mode: 'trilinear' })(randn([2, 4, 8, 16, 16])))
expectType<Tensor<[8, 16, 179, 179]>>(interpolate({ scaleFactor: 0.7, recomputeScaleFactor: true, mode: 'nearest-exact' })(randn([8, 16, 256, 256])))
export const generic = <N extends number>(x: Tensor<[N, 16, 8, 8]>): Tensor<[N, 16, 12, 12]> => interpolate({ scaleFactor: 1.5, mode: 'bilinear' })(x)
