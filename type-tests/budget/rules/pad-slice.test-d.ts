/** pad / slice: four configurations. Cost pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import {
  randn, conv2d, convTranspose2d, maxPool2d, avgPool2d, linear, matmul, reshape, flatten, concat, mean, pad, slice, add, upsample,
  batchNorm2d, permute, type Tensor,
} from '../../../src/index.ts'
expectType<Tensor<[8, 3, 10, 10]>>(pad([[0, 0], [0, 0], [1, 1], [1, 1]])(randn([8, 3, 8, 8])))
expectType<Tensor<[8, 3, 4, 4]>>(slice({ start: [0, 0, 2, 2], end: [8, 3, 6, 6] })(randn([8, 3, 8, 8])))
expectType<Tensor<[8, 3, 4, 4]>>(slice({ start: [0, 0, 0, 0], end: [8, 3, 8, 8], step: [1, 1, 2, 2] })(randn([8, 3, 8, 8])))
export const crop = <N extends number>(x: Tensor<[N, 3, 8, 8]>): Tensor<[N, 3, 8, 8]> => slice({ start: [0, 0, 1, 1], end: [2147483647, 3, 9, 9] })(pad([[0, 0], [0, 0], [1, 1], [1, 1]])(x))
