/** add (broadcasting) and batchNorm2d: four configurations. Cost pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import {
  randn, conv2d, convTranspose2d, maxPool2d, avgPool2d, linear, matmul, reshape, flatten, concat, mean, pad, slice, add, upsample,
  batchNorm2d, permute, type Tensor,
} from '../../../src/index.ts'
expectType<Tensor<[8, 64, 56, 56]>>(add(randn([8, 64, 56, 56]), randn([8, 64, 56, 56])))
expectType<Tensor<[8, 64, 56, 56]>>(add(randn([8, 64, 56, 56]), randn([64, 1, 1])))
expectType<Tensor<[8, 16, 8, 8]>>(batchNorm2d({ weight: randn([16]), bias: randn([16]), runningMean: randn([16]), runningVar: randn([16]) }, { training: false })(randn([8, 16, 8, 8])))
export const residual = <N extends number>(x: Tensor<[N, 64, 7, 7]>, y: Tensor<[N, 64, 7, 7]>): Tensor<[N, 64, 7, 7]> => add(x, y)
