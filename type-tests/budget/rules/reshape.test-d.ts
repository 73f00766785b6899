/** reshape / flatten / permute: five configurations. Cost pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import {
  randn, conv2d, convTranspose2d, maxPool2d, avgPool2d, linear, matmul, reshape, flatten, concat, mean, pad, slice, add, upsample,
  batchNorm2d, permute, type Tensor,
} from '../../../src/index.ts'
expectType<Tensor<[64, 320]>>(reshape([-1, 320])(randn([64, 20, 4, 4])))
expectType<Tensor<[8, 2, 16]>>(reshape([8, 2, -1])(randn([2, 16, 4, 2])))
expectType<Tensor<[64, 320]>>(flatten(randn([64, 20, 4, 4])))
expectType<Tensor<[8, 32, 32, 3]>>(permute([0, 2, 3, 1])(randn([8, 3, 32, 32])))
export const view = <N extends number>(x: Tensor<[N, 20, 4, 4]>): Tensor<[N, 320]> => reshape([-1, 320])(x)
