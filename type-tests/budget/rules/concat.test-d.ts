/** concat: three configurations. Cost pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import {
  randn, conv2d, convTranspose2d, maxPool2d, avgPool2d, linear, matmul, reshape, flatten, concat, mean, pad, slice, add, upsample,
  batchNorm2d, permute, type Tensor,
} from '../../../src/index.ts'
expectType<Tensor<[8, 2048, 7, 7]>>(concat([randn([8, 1024, 7, 7]), randn([8, 1024, 7, 7])], 1))
expectType<Tensor<[8, 256, 28, 28]>>(concat([randn([8, 64, 28, 28]), randn([8, 128, 28, 28]), randn([8, 32, 28, 28]), randn([8, 32, 28, 28])], 1))
export const skip = <N extends number>(a: Tensor<[N, 64, 32, 32]>, b: Tensor<[N, 64, 32, 32]>): Tensor<[N, 128, 32, 32]> => concat([a, b], 1)
