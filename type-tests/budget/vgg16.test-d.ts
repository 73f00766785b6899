/** VGG-16 (configuration D), generic in the batch; its type-checking cost is pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import { randn, conv2d, maxPool2d, relu, flatten, linear, dropout, sequential, type Tensor } from '../../src/index.ts'

/** conv 3×3 (same) + relu. */
const conv = <Co extends number, Ci extends number>(co: Co, ci: Ci) => sequential(conv2d(randn([co, ci, 3, 3]), { padding: 1 }), relu)
const pool = maxPool2d({ kernelSize: 2 })
const vgg16 = sequential(
  conv(64, 3), conv(64, 64), pool,
  conv(128, 64), conv(128, 128), pool,
  conv(256, 128), conv(256, 256), conv(256, 256), pool,
  conv(512, 256), conv(512, 512), conv(512, 512), pool,
  conv(512, 512), conv(512, 512), conv(512, 512), pool,
  flatten,
  linear(randn([4096, 25088])), relu, dropout({ rate: 0.5, seed: 0, training: true }),
  linear(randn([4096, 4096])), relu, dropout({ rate: 0.5, seed: 1, training: true }),
  linear(randn([1000, 4096])),
)
const forward = <N extends number>(x: Tensor<[N, 3, 224, 224]>): Tensor<[N, 1000]> => vgg16(x)
expectType<Tensor<[4, 1000]>>(forward(randn([4, 3, 224, 224])))
