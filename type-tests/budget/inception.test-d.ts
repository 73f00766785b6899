/**
 * GoogLeNet (Inception v1): stem, nine Inception modules built with concatBranches, pooling
 * between stages, the head; generic in the batch. Its type-checking cost is pinned in
 * tests/types/budget.test.ts.
 */
import { expectType } from 'tsd'
import { randn, conv2d, maxPool2d, globalAvgPool2d, relu, linear, dropout, sequential, concatBranches, type Tensor } from '../../src/index.ts'

/** An Inception module: 1×1 | 1×1 → 3×3 | 1×1 → 5×5 | pool 3×3 → 1×1, concatenated on the channels. */
const inception = <Cin extends number, C1 extends number, R3 extends number, C3 extends number, R5 extends number, C5 extends number, P extends number>(
  cin: Cin, c1: C1, r3: R3, c3: C3, r5: R5, c5: C5, pool: P,
) =>
  concatBranches(
    sequential(conv2d(randn([c1, cin, 1, 1])), relu),
    sequential(conv2d(randn([r3, cin, 1, 1])), relu, conv2d(randn([c3, r3, 3, 3]), { padding: 1 }), relu),
    sequential(conv2d(randn([r5, cin, 1, 1])), relu, conv2d(randn([c5, r5, 5, 5]), { padding: 2 }), relu),
    sequential(maxPool2d({ kernelSize: 3, stride: 1, padding: 1 }), conv2d(randn([pool, cin, 1, 1])), relu),
  )
const downsample = maxPool2d({ kernelSize: 3, stride: 2, padding: 1 })

const googLeNet = sequential(
  conv2d(randn([64, 3, 7, 7]), { stride: 2, padding: 3 }), relu, downsample,
  conv2d(randn([64, 64, 1, 1])), relu, conv2d(randn([192, 64, 3, 3]), { padding: 1 }), relu, downsample,
  inception(192, 64, 96, 128, 16, 32, 32),
  inception(256, 128, 128, 192, 32, 96, 64),
  downsample,
  inception(480, 192, 96, 208, 16, 48, 64),
  inception(512, 160, 112, 224, 24, 64, 64),
  inception(512, 128, 128, 256, 24, 64, 64),
  inception(512, 112, 144, 288, 32, 64, 64),
  inception(528, 256, 160, 320, 32, 128, 128),
  downsample,
  inception(832, 256, 160, 320, 32, 128, 128),
  inception(832, 384, 192, 384, 48, 128, 128),
  globalAvgPool2d,
  dropout({ rate: 0.4, seed: 0, training: true }),
  linear(randn([1000, 1024])),
)
const forward = <N extends number>(x: Tensor<[N, 3, 224, 224]>): Tensor<[N, 1000]> => googLeNet(x)
expectType<Tensor<[2, 1000]>>(forward(randn([2, 3, 224, 224])))
