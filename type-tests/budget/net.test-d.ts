/** The lesson's Net (PyTorch's MNIST example), generic in the batch; its type-checking cost is pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import { randn, conv2d, maxPool2d, relu, reshape, linear, dropout, logSoftmax, type Tensor } from '../../src/index.ts'

const p = {
  conv1: { weight: randn([10, 1, 5, 5]), bias: randn([10]) },
  conv2: { weight: randn([20, 10, 5, 5]), bias: randn([20]) },
  fc1: { weight: randn([50, 320]), bias: randn([50]) },
  fc2: { weight: randn([10, 50]), bias: randn([10]) },
}
const net = <N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
  pipe(
    x,
    conv2d(p.conv1),
    maxPool2d({ kernelSize: 2 }),
    relu,
    conv2d(p.conv2),
    dropout({ rate: 0.5, seed: 0, training: true }),
    maxPool2d({ kernelSize: 2 }),
    relu,
    reshape([-1, 320]),
    linear(p.fc1),
    relu,
    dropout({ rate: 0.5, seed: 1, training: true }),
    linear(p.fc2),
    logSoftmax(),
  )
expectType<<N extends number>(x: Tensor<[N, 1, 28, 28]>) => Tensor<[N, 10]>>(net)
expectType<Tensor<[64, 10]>>(net(randn([64, 1, 28, 28])))
