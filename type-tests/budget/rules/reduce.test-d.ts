/** mean over one and two axes, with and without keepDims: four configurations. Cost pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import {
  randn, conv2d, convTranspose2d, maxPool2d, avgPool2d, linear, matmul, reshape, flatten, concat, mean, pad, slice, add, upsample,
  batchNorm2d, permute, type Tensor,
} from '../../../src/index.ts'
expectType<Tensor<[8, 64]>>(mean({ axis: [2, 3] })(randn([8, 64, 7, 7])))
expectType<Tensor<[8, 64, 1, 1]>>(mean({ axis: [-2, -1], keepDims: true })(randn([8, 64, 7, 7])))
expectType<Tensor<[8, 7, 7]>>(mean({ axis: 1 })(randn([8, 64, 7, 7])))
export const squeeze = <N extends number>(x: Tensor<[N, 64, 7, 7]>): Tensor<[N, 64]> => mean({ axis: [2, 3] })(x)
