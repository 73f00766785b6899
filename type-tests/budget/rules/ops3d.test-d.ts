/** conv3d / convTranspose3d / maxPool3d / avgPool3d / adaptiveAvgPool3d: eight configurations. Cost pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import {
  randn, conv2d, convTranspose2d, maxPool2d, avgPool2d, linear, matmul, reshape, flatten, concat, mean, pad, slice, add, upsample,
  batchNorm2d, permute, conv3d, convTranspose3d, maxPool3d, avgPool3d, adaptiveAvgPool3d, type Tensor,
} from '../../../src/index.ts'

expectType<Tensor<[8, 64, 16, 112, 112]>>(conv3d(randn([64, 3, 3, 3, 3]), { padding: 1 })(randn([8, 3, 16, 112, 112])))
expectType<Tensor<[8, 8, 8, 16, 16]>>(conv3d(randn([8, 3, 3, 3, 3]), { padding: 1, stride: 2 })(randn([8, 3, 16, 32, 32])))
expectType<Tensor<[8, 32, 16, 32, 32]>>(conv3d({ weight: randn([32, 1, 1, 3, 3]), bias: randn([32]) }, { padding: [0, 1, 1], groups: 32 })(randn([8, 32, 16, 32, 32])))
expectType<Tensor<[8, 8, 8, 8, 8]>>(convTranspose3d(randn([16, 8, 4, 4, 4]), { stride: 2, padding: 1 })(randn([8, 16, 4, 4, 4])))
expectType<Tensor<[8, 64, 16, 56, 56]>>(maxPool3d({ kernelSize: [1, 2, 2] })(randn([8, 64, 16, 112, 112])))
expectType<Tensor<[8, 64, 4, 4, 4]>>(avgPool3d({ kernelSize: 2, ceilMode: true })(randn([8, 64, 7, 7, 7])))
expectType<Tensor<[8, 512, 1, 1, 1]>>(adaptiveAvgPool3d(1)(randn([8, 512, 4, 7, 7])))
export const generic = <N extends number>(x: Tensor<[N, 3, 16, 32, 32]>): Tensor<[N, 16, 8, 16, 16]> => conv3d(randn([16, 3, 3, 3, 3]), { stride: 2, padding: 1 })(x)
