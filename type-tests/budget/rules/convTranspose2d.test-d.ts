/** convTranspose2d: four configurations. Cost pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import {
  randn, conv2d, convTranspose2d, maxPool2d, avgPool2d, linear, matmul, reshape, flatten, concat, mean, pad, slice, add, upsample,
  batchNorm2d, permute, type Tensor,
} from '../../../src/index.ts'

expectType<Tensor<[2, 8, 64, 64]>>(convTranspose2d(randn([16, 8, 3, 3]), { stride: 2, padding: 1, outputPadding: 1 })(randn([2, 16, 32, 32])))
expectType<Tensor<[2, 32, 64, 64]>>(convTranspose2d(randn([64, 32, 2, 2]), { stride: 2 })(randn([2, 64, 32, 32])))
expectType<Tensor<[2, 1, 5, 5]>>(convTranspose2d(randn([1, 1, 3, 3]), { stride: 2, padding: 1 })(randn([2, 1, 3, 3])))
export const generic = <N extends number>(x: Tensor<[N, 64, 16, 16]>): Tensor<[N, 32, 32, 32]> => convTranspose2d(randn([64, 32, 2, 2]), { stride: 2 })(x)
