/** linear / matmul: six configurations. Cost pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import {
  randn, conv2d, convTranspose2d, maxPool2d, avgPool2d, linear, matmul, reshape, flatten, concat, mean, pad, slice, add, upsample,
  batchNorm2d, permute, type Tensor,
} from '../../../src/index.ts'

expectType<Tensor<[64, 10]>>(linear({ weight: randn([10, 320]), bias: randn([10]) })(randn([64, 320])))
expectType<Tensor<[64, 7, 10]>>(linear(randn([10, 320]))(randn([64, 7, 320])))
expectType<Tensor<[4, 3, 5]>>(matmul(randn([4, 3, 2]), randn([4, 2, 5])))
expectType<Tensor<[4, 3, 5]>>(matmul(randn([4, 3, 2]), randn([2, 5])))
expectType<Tensor<[4, 3]>>(matmul(randn([4, 3, 2]), randn([2])))
export const generic = <N extends number>(x: Tensor<[N, 10, 32]>, y: Tensor<[N, 32, 8]>): Tensor<[N, 10, 8]> => matmul(x, y)
