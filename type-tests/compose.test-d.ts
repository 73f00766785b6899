/**
 * Models as functions of their parameters, composed with fp-ts `pipe`, named
 * blocks (functions of a typed tensor), and `sequential(...)`; a generic batch
 * dim N flows through; an error is reported once, where it happens.
 *
 * `//// @ts-expect-error` above an `expectError(...)` (or above the offending
 * line inside one): see type-tests/README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import {
  randn, ones, zeros, conv2d, maxPool2d, avgPool2d, relu, flatten, linear, logSoftmax, dropout, batchNorm2d, add,
  sequential, globalAvgPool2d, type Tensor, type Layer, type DType,
} from '../src/index.ts'
import type { Shape, ShapeFn, ApplyShape, ShapeError } from '../types/index.ts'

/** The message a layer's parameter turns into for an input of shape S ('fits' when the rule holds). */
declare function errorOf<F extends ShapeFn, S extends Shape, D extends DType>(
  layer: Layer<F, DType | 'same'>,
  x: Tensor<S, D>,
): ApplyShape<F, S> extends ShapeError<infer M> ? M : 'fits';

// ================================================================== the seeds' Net (PyTorch MNIST example)
const netParams = {
  conv1: { weight: randn([10, 1, 5, 5]), bias: randn([10]) },
  conv2: { weight: randn([20, 10, 5, 5]), bias: randn([20]) },
  fc: { weight: randn([10, 320]), bias: randn([10]) },
}
type NetParams = typeof netParams

const net = (p: NetParams) => <N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
  pipe(
    x,
    conv2d(p.conv1), //          [N, 10, 24, 24]
    maxPool2d({ kernelSize: 2 }), // [N, 10, 12, 12]
    relu,
    conv2d(p.conv2), //          [N, 20, 8, 8]
    maxPool2d({ kernelSize: 2 }), // [N, 20, 4, 4]
    relu,
    flatten, //                  [N, 320]
    linear(p.fc), //             [N, 10]
    logSoftmax(),
  )
expectType<Tensor<[64, 10]>>(net(netParams)(randn([64, 1, 28, 28])))
expectType<Tensor<[1, 10]>>(net(netParams)(randn([1, 1, 28, 28])))
expectType<Tensor<[number, 10]>>(net(netParams)(randn([64, 1, 28, 28]) as Tensor<[number, 1, 28, 28]>))
// the generic model itself: N stays symbolic all the way through
expectType<<N extends number>(x: Tensor<[N, 1, 28, 28]>) => Tensor<[N, 10]>>(net(netParams))
// with an explicit return type, the body is checked against it
{
  const typed = <N extends number>(x: Tensor<[N, 1, 28, 28]>): Tensor<[N, 320]> =>
    pipe(x, conv2d(netParams.conv1), maxPool2d({ kernelSize: 2 }), relu, conv2d(netParams.conv2), maxPool2d({ kernelSize: 2 }), relu, flatten)
  expectType<Tensor<[32, 320]>>(typed(randn([32, 1, 28, 28])))
}
// the input must be [N, 1, 28, 28]: 3 channels, another size or another rank do not compile
//// @ts-expect-error
expectError(net(netParams)(randn([64, 3, 28, 28])))
//// @ts-expect-error
expectError(net(netParams)(randn([64, 1, 32, 32])))
//// @ts-expect-error
expectError(net(netParams)(randn([1, 28, 28])))
//// @ts-expect-error
expectError(net(netParams)(zeros([64, 1, 28, 28], 'int32')))
// a body whose shapes do not add up does not compile either
expectError(<N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
  pipe(
    x,
    conv2d(netParams.conv1),
    maxPool2d({ kernelSize: 2 }),
    relu,
    //// @ts-expect-error
    conv2d(netParams.conv1),
    flatten,
  ))

// ================================================================== classic LeNet-5 (6/16/120/84/10, padding 2 on the first conv)
const lenetParams = {
  c1: { weight: randn([6, 1, 5, 5]), bias: randn([6]) },
  c2: { weight: randn([16, 6, 5, 5]), bias: randn([16]) },
  f1: { weight: randn([120, 400]), bias: randn([120]) },
  f2: { weight: randn([84, 120]), bias: randn([84]) },
  f3: { weight: randn([10, 84]), bias: randn([10]) },
}
type LeNetParams = typeof lenetParams

const lenet = (p: LeNetParams) => <N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
  pipe(
    x,
    conv2d(p.c1, { padding: 2 }), // [N, 6, 28, 28]
    relu,
    maxPool2d({ kernelSize: 2 }), // [N, 6, 14, 14]
    conv2d(p.c2), //                 [N, 16, 10, 10]
    relu,
    maxPool2d({ kernelSize: 2 }), // [N, 16, 5, 5]
    flatten, //                      [N, 400]
    linear(p.f1),
    relu,
    linear(p.f2),
    relu,
    linear(p.f3), //                 [N, 10]
  )
expectType<Tensor<[64, 10]>>(lenet(lenetParams)(randn([64, 1, 28, 28])))
expectType<<N extends number>(x: Tensor<[N, 1, 28, 28]>) => Tensor<[N, 10]>>(lenet(lenetParams))
//// @ts-expect-error
expectError(lenet(lenetParams)(randn([64, 3, 28, 28])))

// the intermediate shapes, step by step
{
  const x = randn([64, 1, 28, 28])
  const a = conv2d(lenetParams.c1, { padding: 2 })(x)
  expectType<Tensor<[64, 6, 28, 28]>>(a)
  const b = maxPool2d({ kernelSize: 2 })(relu(a))
  expectType<Tensor<[64, 6, 14, 14]>>(b)
  const c = maxPool2d({ kernelSize: 2 })(relu(conv2d(lenetParams.c2)(b)))
  expectType<Tensor<[64, 16, 5, 5]>>(c)
  const d = flatten(c)
  expectType<Tensor<[64, 400]>>(d)
  expectType<Tensor<[64, 10]>>(linear(lenetParams.f3)(relu(linear(lenetParams.f2)(relu(linear(lenetParams.f1)(d))))))
}

// ================================================================== named blocks for depth
// A block is a function of a typed tensor: generic in what it passes through, fixed where it checks.
const features = <N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
  pipe(x, conv2d(lenetParams.c1, { padding: 2 }), relu, maxPool2d({ kernelSize: 2 }), conv2d(lenetParams.c2), relu, maxPool2d({ kernelSize: 2 }))
const classifier = <N extends number>(x: Tensor<[N, 400]>) =>
  pipe(x, linear(lenetParams.f1), relu, dropout({ rate: 0.5, seed: 0, training: true }), linear(lenetParams.f2), relu, linear(lenetParams.f3))
/**
 * conv 3×3 (same) + batch norm + relu as a layer-valued block: parameterised by generic literal channel
 * counts, its shapes are computed where it is applied (generic batch, any size).
 * (A block written as a generic function of Tensor<[N, Ci, H, W]> with generic Ci/H/W does not type-check:
 * the arithmetic on generic dims defers. Only pass-through dims like the batch N may stay generic.)
 */
const convBnRelu = <Ci extends number, Co extends number>(w: Tensor<[Co, Ci, 3, 3]>, bn: BnParams<NoInfer<Co>>) =>
  sequential(conv2d(w, { padding: 1 }), batchNorm2d(bn, { training: false }), relu)
interface BnParams<C extends number> {
  weight: Tensor<[C]>
  bias: Tensor<[C]>
  runningMean: Tensor<[C]>
  runningVar: Tensor<[C]>
}
const bnParams = <C extends number>(c: C): BnParams<C> => ({ weight: ones([c]), bias: zeros([c]), runningMean: zeros([c]), runningVar: ones([c]) })

expectType<<N extends number>(x: Tensor<[N, 1, 28, 28]>) => Tensor<[N, 16, 5, 5]>>(features)
expectType<Tensor<[64, 16, 5, 5]>>(features(randn([64, 1, 28, 28])))
expectType<Tensor<[64, 10]>>(classifier(flatten(features(randn([64, 1, 28, 28])))))
{
  const model = <N extends number>(x: Tensor<[N, 1, 28, 28]>) => pipe(x, features, flatten, classifier)
  expectType<Tensor<[64, 10]>>(model(randn([64, 1, 28, 28])))
  expectType<Tensor<[number, 10]>>(model(randn([64, 1, 28, 28]) as Tensor<[number, 1, 28, 28]>))
  // deeper: blocks of blocks
  const stage = <N extends number>(x: Tensor<[N, 3, 32, 32]>) =>
    pipe(
      x,
      convBnRelu(randn([16, 3, 3, 3]), bnParams(16)),
      convBnRelu(randn([16, 16, 3, 3]), bnParams(16)),
      maxPool2d({ kernelSize: 2 }),
      convBnRelu(randn([32, 16, 3, 3]), bnParams(32)),
      convBnRelu(randn([32, 32, 3, 3]), bnParams(32)),
      maxPool2d({ kernelSize: 2 }),
    )
  expectType<Tensor<[8, 32, 8, 8]>>(stage(randn([8, 3, 32, 32])))
  const vgg = <N extends number>(x: Tensor<[N, 3, 32, 32]>) =>
    pipe(x, stage, convBnRelu(randn([64, 32, 3, 3]), bnParams(64)), globalAvgPool2d, linear(randn([10, 64])))
  expectType<Tensor<[8, 10]>>(vgg(randn([8, 3, 32, 32])))
  // a block checks what it is given
  //// @ts-expect-error
  expectError(classifier(flatten(randn([64, 16, 4, 4]))))
  //// @ts-expect-error
  expectError(model(randn([64, 1, 28, 27])))
  expectType<'sequential: layer 0 (conv2d) does not fit: conv2d: input has 4 channels but weight expects 3'>(
    errorOf(convBnRelu(randn([16, 3, 3, 3]), bnParams(16)), randn([8, 4, 32, 32])),
  )
  //// @ts-expect-error
  expectError(convBnRelu(randn([16, 3, 3, 3]), bnParams(16))(randn([8, 4, 32, 32])))
  //// @ts-expect-error
  expectError(convBnRelu(randn([16, 3, 3, 3]), bnParams(8)))
}

// ================================================================== sequential(...)
{
  const s = sequential(
    conv2d(netParams.conv1),
    maxPool2d({ kernelSize: 2 }),
    relu,
    conv2d(netParams.conv2),
    maxPool2d({ kernelSize: 2 }),
    relu,
    flatten,
    linear(netParams.fc),
  )
  expectType<Tensor<[64, 10]>>(s(randn([64, 1, 28, 28])))
  expectType<Tensor<[64, 10]>>(pipe(randn([64, 1, 28, 28]), s))
  expectType<Tensor<[number, 10]>>(s(randn([64, 1, 28, 28]) as Tensor<[number, 1, 28, 28]>))
  expectType<'sequential'>(s.op)
  // sequentials nest
  const head = sequential(flatten, linear(netParams.fc))
  const body = sequential(conv2d(netParams.conv1), maxPool2d({ kernelSize: 2 }), relu, conv2d(netParams.conv2), maxPool2d({ kernelSize: 2 }), relu)
  expectType<Tensor<[64, 20, 4, 4]>>(body(randn([64, 1, 28, 28])))
  expectType<Tensor<[64, 10]>>(sequential(body, head)(randn([64, 1, 28, 28])))
  expectType<Tensor<[2, 3]>>(sequential()(randn([2, 3])))
  // generic batch through a sequential
  const f = <N extends number>(x: Tensor<[N, 1, 28, 28]>) => s(x)
  expectType<Tensor<[16, 10]>>(f(randn([16, 1, 28, 28])))

  // a layer that does not fit is named by index and op
  const bad = sequential(
    conv2d(netParams.conv1),
    maxPool2d({ kernelSize: 2 }),
    relu,
    conv2d(netParams.conv2),
    maxPool2d({ kernelSize: 2 }),
    relu,
    flatten,
    linear(randn([10, 300])),
  )
  const x = randn([64, 1, 28, 28])
  expectType<'sequential: layer 7 (linear) does not fit: linear: input has 320 features but weight expects 300'>(errorOf(bad, x))
  //// @ts-expect-error
  expectError(bad(x))
  //// @ts-expect-error
  expectError(pipe(x, bad))
  expectType<'sequential: layer 0 (conv2d) does not fit: conv2d: input has 3 channels but weight expects 1'>(
    errorOf(s, randn([64, 3, 28, 28])),
  )
  //// @ts-expect-error
  expectError(s(randn([64, 3, 28, 28])))
  expectType<'sequential: layer 3 (conv2d) does not fit: conv2d: input has 10 channels but weight expects 20'>(
    errorOf(sequential(conv2d(netParams.conv1), relu, relu, conv2d(randn([20, 20, 3, 3]))), x),
  )
  expectType<'sequential: layer 1 (maxPool2d) does not fit: maxPool2d: kernel 5 exceeds padded input 4'>(
    errorOf(sequential(relu, maxPool2d({ kernelSize: 5 })), randn([1, 1, 4, 4])),
  )
  expectType<'sequential: layer 1 (maxPool2d) does not fit: maxPool2d: expects input [N, C, H, W], got [1, 16]'>(
    errorOf(sequential(flatten, maxPool2d({ kernelSize: 2 })), randn([1, 1, 4, 4])),
  )
  // nested: the outer index, then the inner message
  expectType<'sequential: layer 1 (sequential) does not fit: sequential: layer 1 (linear) does not fit: linear: input has 320 features but weight expects 300'>(
    errorOf(sequential(body, sequential(flatten, linear(randn([10, 300])))), x),
  )
  //// @ts-expect-error
  expectError(sequential(body, sequential(flatten, linear(randn([10, 300]))))(x))
}

// ================================================================== one error, where it happens: no cascade
{
  const x3 = randn([64, 3, 28, 28])
  // inside a pipe, only the failing step is reported: every later line is free of errors (tsc checks this,
  // since the directive covers one line only)
  expectError(
    pipe(
      x3,
      //// @ts-expect-error
      conv2d(netParams.conv1),
      maxPool2d({ kernelSize: 2 }),
      relu,
      conv2d(netParams.conv2),
      maxPool2d({ kernelSize: 2 }),
      relu,
      flatten,
      linear(netParams.fc),
      logSoftmax(),
    ),
  )
  // a failure in the middle of a pipe
  expectError(
    pipe(
      randn([64, 1, 28, 28]),
      conv2d(netParams.conv1),
      maxPool2d({ kernelSize: 2 }),
      relu,
      //// @ts-expect-error
      conv2d(netParams.conv1),
      maxPool2d({ kernelSize: 2 }),
      relu,
      flatten,
      linear(netParams.fc),
    ),
  )
  // a failure at the last step
  expectError(
    pipe(
      randn([64, 1, 28, 28]),
      conv2d(netParams.conv1),
      maxPool2d({ kernelSize: 2 }),
      relu,
      conv2d(netParams.conv2),
      maxPool2d({ kernelSize: 2 }),
      relu,
      flatten,
      //// @ts-expect-error
      linear(lenetParams.f1),
    ),
  )
}
// direct application: the failing op's result is a tensor of unknown shape, and using it is not an error
// (the body of this function of the failed result is checked line by line by tsc)
declare const brokenInput: Tensor<[64, 3, 28, 28]>
expectError(
  ((y) => {
    expectType<Tensor<number[]>>(y)
    expectType<Tensor<number[]>>(relu(y))
    expectType<Tensor<number[]>>(pipe(y, maxPool2d({ kernelSize: 2 }), relu, conv2d(netParams.conv2), flatten, linear(netParams.fc)))
    expectType<Tensor<number[]>>(add(y, randn([64, 10, 24, 24])))
  })(
    //// @ts-expect-error
    conv2d(netParams.conv1)(brokenInput),
  ),
)
// the residual-style add of two branches
expectType<Tensor<[8, 64, 56, 56]>>(add(randn([8, 64, 56, 56]), avgPool2d({ kernelSize: 1 })(randn([8, 64, 56, 56]))))
