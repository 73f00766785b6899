/** conv2d: eight configurations (padding, stride, dilation, groups, bias, a generic batch). Cost pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import {
  randn, conv2d, convTranspose2d, maxPool2d, avgPool2d, linear, matmul, reshape, flatten, concat, mean, pad, slice, add, upsample,
  batchNorm2d, permute, type Tensor,
} from '../../../src/index.ts'

expectType<Tensor<[8, 64, 112, 112]>>(conv2d(randn([64, 3, 7, 7]), { stride: 2, padding: 3 })(randn([8, 3, 224, 224])))
expectType<Tensor<[8, 64, 56, 56]>>(conv2d(randn([64, 64, 3, 3]), { padding: 1 })(randn([8, 64, 56, 56])))
expectType<Tensor<[8, 128, 28, 28]>>(conv2d(randn([128, 64, 3, 3]), { stride: 2, padding: 1 })(randn([8, 64, 56, 56])))
expectType<Tensor<[8, 32, 60, 60]>>(conv2d(randn([32, 16, 5, 5]), { dilation: 2 })(randn([8, 16, 68, 68])))
expectType<Tensor<[8, 32, 32, 32]>>(conv2d(randn([32, 1, 3, 3]), { padding: 1, groups: 32 })(randn([8, 32, 32, 32])))
expectType<Tensor<[8, 10, 24, 24]>>(conv2d({ weight: randn([10, 1, 5, 5]), bias: randn([10]) })(randn([8, 1, 28, 28])))
expectType<Tensor<[8, 16, 1024, 1024]>>(conv2d(randn([16, 8, 3, 3]), { padding: 'same' })(randn([8, 8, 1024, 1024])))
export const generic = <N extends number>(x: Tensor<[N, 3, 32, 32]>): Tensor<[N, 16, 16, 16]> => conv2d(randn([16, 3, 3, 3]), { stride: 2, padding: 1 })(x)
