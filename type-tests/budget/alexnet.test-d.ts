/** AlexNet (torchvision's layout), generic in the batch; its type-checking cost is pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import { randn, conv2d, maxPool2d, adaptiveAvgPool2d, relu, flatten, linear, dropout, sequential, type Tensor } from '../../src/index.ts'

const features = sequential(
  conv2d(randn([64, 3, 11, 11]), { stride: 4, padding: 2 }), relu, maxPool2d({ kernelSize: 3, stride: 2 }),
  conv2d(randn([192, 64, 5, 5]), { padding: 2 }), relu, maxPool2d({ kernelSize: 3, stride: 2 }),
  conv2d(randn([384, 192, 3, 3]), { padding: 1 }), relu,
  conv2d(randn([256, 384, 3, 3]), { padding: 1 }), relu,
  conv2d(randn([256, 256, 3, 3]), { padding: 1 }), relu, maxPool2d({ kernelSize: 3, stride: 2 }),
)
const classifier = sequential(
  dropout({ rate: 0.5, seed: 0, training: true }), linear(randn([4096, 9216])), relu,
  dropout({ rate: 0.5, seed: 1, training: true }), linear(randn([4096, 4096])), relu,
  linear(randn([1000, 4096])),
)
const alexnet = sequential(features, adaptiveAvgPool2d([6, 6]), flatten, classifier)
const forward = <N extends number>(x: Tensor<[N, 3, 224, 224]>): Tensor<[N, 1000]> => alexnet(x)
expectType<Tensor<[8, 256, 6, 6]>>(features(randn([8, 3, 224, 224])))
expectType<Tensor<[8, 1000]>>(forward(randn([8, 3, 224, 224])))
