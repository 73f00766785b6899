/**
 * shapewise's `pipe`: fp-ts's `pipe(a, f, g, …)` whose shape errors land on the offending layer
 * with the rule's message as the parameter type, and whose result stays a tensor after an error.
 * (The first line of the diagnostic is pinned in tests/types/pipe-diagnostics.test.ts.)
 *
 * `//// @ts-expect-error` above the offending line: see type-tests/README.md. tsc checks that the
 * directive's line, and only that line, has an error: no follow-on error anywhere else.
 */
import { expectType, expectError } from 'tsd'
import {
  pipe, randn, conv2d, maxPool2d, relu, reshape, linear, logSoftmax, add, sequential, type Tensor,
} from '../src/index.ts'

const p = {
  conv1: { weight: randn([10, 1, 5, 5]), bias: randn([10]) },
  conv2: { weight: randn([20, 10, 5, 5]), bias: randn([20]) },
  fc1: { weight: randn([50, 320]), bias: randn([50]) },
  fc2: { weight: randn([10, 50]), bias: randn([10]) },
}

// ================================================================== the lesson's Net, generic in the batch
const net = <N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
  pipe(
    x,
    conv2d(p.conv1),
    maxPool2d({ kernelSize: 2 }),
    relu,
    conv2d(p.conv2),
    maxPool2d({ kernelSize: 2 }),
    relu,
    reshape([-1, 320]),
    linear(p.fc1),
    relu,
    linear(p.fc2),
    logSoftmax(),
  )
expectType<<N extends number>(x: Tensor<[N, 1, 28, 28]>) => Tensor<[N, 10]>>(net)
expectType<Tensor<[64, 10]>>(net(randn([64, 1, 28, 28])))
expectType<Tensor<[number, 10]>>(net(randn([64, 1, 28, 28]) as Tensor<[number, 1, 28, 28]>))
// layers, blocks and plain (annotated) functions mix; non-tensor values pass through as in fp-ts
expectType<Tensor<[2, 20, 8, 8]>>(pipe(randn([2, 1, 28, 28]), sequential(conv2d(p.conv1), maxPool2d({ kernelSize: 2 })), relu, conv2d(p.conv2)))
expectType<Tensor<[2, 3]>>(pipe(randn([2, 3]), (t: Tensor<[2, 3]>) => add(t, t), relu))
expectType<number>(pipe(1, (n: number) => n + 1, (n: number) => `${n}`, (s: string) => s.length))
expectType<Tensor<[2, 3]>>(pipe(randn([2, 3])))

// ================================================================== one error, on the offending layer; the result stays a tensor
{
  // (the failed pipe's value is handed to a function whose body uses it: tsc checks that body line by line)
  const broken = <N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
    expectError(
      ((y) => {
        // the failed pipe is a tensor of unknown shape: using it is not another error
        expectType<Tensor<number[]>>(y)
        expectType<Tensor<number[]>>(add(y, y))
        expectType<Tensor<number[]>>(relu(y))
      })(
        pipe(
          x,
          conv2d(p.conv1),
          maxPool2d({ kernelSize: 2 }),
          relu,
          //// @ts-expect-error
          conv2d(p.conv1), // conv2d: input has 10 channels but weight expects 1
          maxPool2d({ kernelSize: 2 }),
          relu,
          reshape([-1, 320]),
          linear(p.fc1),
        ),
      ),
    )
  broken(randn([3, 1, 28, 28]))
  // the first layer, the last layer, a literal batch
  expectError(
    pipe(
      randn([64, 3, 28, 28]),
      //// @ts-expect-error
      conv2d(p.conv1),
      relu,
    ),
  )
  expectError(
    pipe(
      randn([64, 1, 28, 28]),
      conv2d(p.conv1),
      maxPool2d({ kernelSize: 2 }),
      conv2d(p.conv2),
      maxPool2d({ kernelSize: 2 }),
      //// @ts-expect-error
      reshape([-1, 300]), // reshape: 20480 elements cannot become [-1, 300]
    ),
  )
  // a plain function that does not take the value before it is rejected the same way
  expectError(
    pipe(
      randn([2, 4]),
      //// @ts-expect-error
      (t: Tensor<[2, 3]>) => add(t, t),
    ),
  )
}
