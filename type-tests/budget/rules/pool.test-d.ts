/** maxPool2d / avgPool2d / upsample: seven configurations. Cost pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import {
  randn, conv2d, convTranspose2d, maxPool2d, avgPool2d, linear, matmul, reshape, flatten, concat, mean, pad, slice, add, upsample,
  batchNorm2d, permute, type Tensor,
} from '../../../src/index.ts'

expectType<Tensor<[8, 64, 56, 56]>>(maxPool2d({ kernelSize: 3, stride: 2, padding: 1 })(randn([8, 64, 112, 112])))
expectType<Tensor<[8, 10, 12, 12]>>(maxPool2d({ kernelSize: 2 })(randn([8, 10, 24, 24])))
expectType<Tensor<[8, 16, 4, 4]>>(maxPool2d({ kernelSize: 3, stride: 2, ceilMode: true })(randn([8, 16, 8, 8])))
expectType<Tensor<[8, 16, 4, 4]>>(avgPool2d({ kernelSize: 2 })(randn([8, 16, 8, 8])))
expectType<Tensor<[8, 16, 8, 8]>>(avgPool2d({ kernelSize: 3, stride: 1, padding: 1 })(randn([8, 16, 8, 8])))
expectType<Tensor<[8, 16, 16, 16]>>(upsample({ scaleFactor: 2 })(randn([8, 16, 8, 8])))
export const generic = <N extends number>(x: Tensor<[N, 16, 8, 8]>): Tensor<[N, 16, 4, 4]> => maxPool2d({ kernelSize: 2 })(x)
