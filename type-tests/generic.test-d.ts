/**
 * A generic batch `N` through every op: each model below is written as a
 * function of `Tensor<[N, …]>` with its exact output type as the annotation,
 * so the compiler proves that N comes out unchanged (a deferred `Add<N, 0>`
 * or `Min<2147483647, N>` would not satisfy it), and `expectType` pins the
 * generic signature and a literal-batch application.
 *
 * `//// @ts-expect-error` above an `expectError(...)`: see type-tests/README.md.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import {
  randn, conv2d, convTranspose2d, maxPool2d, avgPool2d, relu, linear, logSoftmax, concat, reshape, mean, matmul, pad,
  slice, softmax, transpose, type Tensor,
} from '../src/index.ts'

// ================================================================== the lesson's Net: x.view(-1, 320)
const net = {
  conv1: { weight: randn([10, 1, 5, 5]), bias: randn([10]) },
  conv2: { weight: randn([20, 10, 5, 5]), bias: randn([20]) },
  fc1: { weight: randn([50, 320]), bias: randn([50]) },
  fc2: { weight: randn([10, 50]), bias: randn([10]) },
}
const lessonNet = <N extends number>(x: Tensor<[N, 1, 28, 28]>): Tensor<[N, 10]> =>
  pipe(
    x,
    conv2d(net.conv1),
    maxPool2d({ kernelSize: 2 }),
    relu,
    conv2d(net.conv2),
    maxPool2d({ kernelSize: 2 }),
    relu,
    reshape([-1, 320]), // x.view(-1, 320): [N, 20, 4, 4] → [N, 320]
    linear(net.fc1),
    relu,
    linear(net.fc2),
    logSoftmax(),
  )
expectType<<N extends number>(x: Tensor<[N, 1, 28, 28]>) => Tensor<[N, 10]>>(lessonNet)
expectType<Tensor<[64, 10]>>(lessonNet(randn([64, 1, 28, 28])))
{
  // the -1 is the batch whatever it is; other targets still follow the element count
  const view = <N extends number>(x: Tensor<[N, 20, 4, 4]>): Tensor<[N, 320]> => reshape([-1, 320])(x)
  const viewSpatial = <N extends number>(x: Tensor<[N, 20, 4, 4]>): Tensor<[N, 20, 16]> => reshape([-1, 20, 16])(x)
  expectType<Tensor<[3, 320]>>(view(randn([3, 20, 4, 4])))
  expectType<Tensor<[3, 20, 16]>>(viewSpatial(randn([3, 20, 4, 4])))
  expectType<Tensor<[number, 320]>>(reshape([-1, 320])(randn([3, 20, 4, 4]) as Tensor<[number, 20, 4, 4]>))
  expectType<Tensor<[6, 160]>>(reshape([-1, 160])(randn([3, 20, 4, 4])))
  expectType<Tensor<[8, 2, 16]>>(reshape([8, 2, -1])(randn([2, 16, 4, 2])))
  //// @ts-expect-error
  expectError(reshape([-1, 300])(randn([3, 20, 4, 4])))
}

// ================================================================== U-Net with concatenated skips
const unetParams = {
  enc1: randn([16, 1, 3, 3]),
  enc2: randn([32, 16, 3, 3]),
  bottom: randn([64, 32, 3, 3]),
  up2: randn([64, 32, 2, 2]), // convTranspose2d weight: [Cin, Cout, k, k]
  dec2: randn([32, 64, 3, 3]),
  up1: randn([32, 16, 2, 2]),
  dec1: randn([16, 32, 3, 3]),
  head: randn([2, 16, 1, 1]),
}
const unet = <N extends number>(x: Tensor<[N, 1, 64, 64]>): Tensor<[N, 2, 64, 64]> => {
  const p = unetParams
  const e1 = pipe(x, conv2d(p.enc1, { padding: 1 }), relu) //                         [N, 16, 64, 64]
  const e2 = pipe(e1, maxPool2d({ kernelSize: 2 }), conv2d(p.enc2, { padding: 1 }), relu) // [N, 32, 32, 32]
  const b = pipe(e2, maxPool2d({ kernelSize: 2 }), conv2d(p.bottom, { padding: 1 }), relu) // [N, 64, 16, 16]
  const u2 = convTranspose2d(p.up2, { stride: 2 })(b) //                               [N, 32, 32, 32]
  const d2 = pipe(concat([u2, e2], 1), conv2d(p.dec2, { padding: 1 }), relu) //        [N, 64 → 32, 32, 32]
  const u1 = convTranspose2d(p.up1, { stride: 2 })(d2) //                              [N, 16, 64, 64]
  const d1 = pipe(concat([u1, e1], 1), conv2d(p.dec1, { padding: 1 }), relu) //        [N, 32 → 16, 64, 64]
  return conv2d(p.head)(d1)
}
expectType<<N extends number>(x: Tensor<[N, 1, 64, 64]>) => Tensor<[N, 2, 64, 64]>>(unet)
expectType<Tensor<[4, 2, 64, 64]>>(unet(randn([4, 1, 64, 64])))
{
  const skip = <N extends number>(a: Tensor<[N, 32, 32, 32]>, b: Tensor<[N, 32, 32, 32]>) => concat([a, b], 1)
  expectType<<N extends number>(a: Tensor<[N, 32, 32, 32]>, b: Tensor<[N, 32, 32, 32]>) => Tensor<[N, 64, 32, 32]>>(skip)
  // a skip whose spatial size does not match is still refused, with the generic batch in the message
  expectError(<N extends number>(a: Tensor<[N, 32, 32, 32]>, b: Tensor<[N, 32, 16, 16]>) =>
    //// @ts-expect-error
    concat([a, b], 1))
}

// ================================================================== Inception: four branches concatenated on channels
const inceptionParams = {
  b1: randn([64, 192, 1, 1]),
  b3reduce: randn([96, 192, 1, 1]),
  b3: randn([128, 96, 3, 3]),
  b5reduce: randn([16, 192, 1, 1]),
  b5: randn([32, 16, 5, 5]),
  poolProj: randn([32, 192, 1, 1]),
}
const inception3a = <N extends number>(x: Tensor<[N, 192, 28, 28]>): Tensor<[N, 256, 28, 28]> => {
  const p = inceptionParams
  return concat(
    [
      pipe(x, conv2d(p.b1), relu),
      pipe(x, conv2d(p.b3reduce), relu, conv2d(p.b3, { padding: 1 }), relu),
      pipe(x, conv2d(p.b5reduce), relu, conv2d(p.b5, { padding: 2 }), relu),
      pipe(x, maxPool2d({ kernelSize: 3, stride: 1, padding: 1 }), conv2d(p.poolProj), relu),
    ],
    1,
  )
}
expectType<<N extends number>(x: Tensor<[N, 192, 28, 28]>) => Tensor<[N, 256, 28, 28]>>(inception3a)
expectType<Tensor<[2, 256, 28, 28]>>(inception3a(randn([2, 192, 28, 28])))

// ================================================================== mean over two axes, batched matmul, pad, slice
{
  // squeeze-and-excitation: global average by mean over H and W, two linears, a channel-wise gate
  const se = { fc1: randn([4, 16]), fc2: randn([16, 4]) }
  const squeeze = <N extends number>(x: Tensor<[N, 16, 8, 8]>): Tensor<[N, 16]> =>
    pipe(x, mean({ axis: [2, 3] }), linear(se.fc1), relu, linear(se.fc2))
  expectType<<N extends number>(x: Tensor<[N, 16, 8, 8]>) => Tensor<[N, 16]>>(squeeze)
  const keep = <N extends number>(x: Tensor<[N, 16, 8, 8]>): Tensor<[N, 16, 1, 1]> => mean({ axis: [-2, -1], keepDims: true })(x)
  expectType<Tensor<[5, 16, 1, 1]>>(keep(randn([5, 16, 8, 8])))
  const overBatch = <N extends number>(x: Tensor<[N, 16, 8, 8]>): Tensor<[16, 8]> => mean({ axis: [0, 3] })(x)
  expectType<Tensor<[16, 8]>>(overBatch(randn([5, 16, 8, 8])))

  // self-attention scores: a batched matmul of [N, T, D] by its transpose, then a batched matmul by V
  const attention = <N extends number>(q: Tensor<[N, 10, 32]>, k: Tensor<[N, 10, 32]>, v: Tensor<[N, 10, 64]>): Tensor<[N, 10, 64]> =>
    matmul(softmax()(matmul(q, transpose(1, 2)(k))), v)
  expectType<Tensor<[3, 10, 64]>>(attention(randn([3, 10, 32]), randn([3, 10, 32]), randn([3, 10, 64])))
  // a shared weight broadcast over the batch, and a 1-D operand
  const project = <N extends number>(x: Tensor<[N, 10, 32]>): Tensor<[N, 10, 8]> => matmul(x, randn([32, 8]))
  const dot = <N extends number>(x: Tensor<[N, 10, 32]>): Tensor<[N, 10]> => matmul(x, randn([32]))
  expectType<Tensor<[3, 10, 8]>>(project(randn([3, 10, 32])))
  expectType<Tensor<[3, 10]>>(dot(randn([3, 10, 32])))
  //// @ts-expect-error
  expectError(<N extends number>(x: Tensor<[N, 10, 32]>) => matmul(x, randn([16, 8])))

  // pad the spatial dims (the batch is padded by 0 and stays N), crop them back with a slice
  const padded = <N extends number>(x: Tensor<[N, 3, 8, 8]>): Tensor<[N, 3, 10, 10]> => pad([[0, 0], [0, 0], [1, 1], [1, 1]])(x)
  const cropped = <N extends number>(x: Tensor<[N, 3, 10, 10]>): Tensor<[N, 3, 8, 8]> =>
    slice({ start: [0, 0, 1, 1], end: [2147483647, 3, 9, 9] })(x)
  const centre = <N extends number>(x: Tensor<[N, 3, 10, 10]>): Tensor<[N, 3, 4, 4]> => slice({ start: [0, 0, 3, 3], end: [2147483647, 2147483647, 7, 7] })(x)
  const everyOther = <N extends number>(x: Tensor<[N, 3, 10, 10]>): Tensor<[N, 3, 5, 5]> =>
    slice({ start: [0, 0, 0, 0], end: [2147483647, 3, 10, 10], step: [1, 1, 2, 2] })(x)
  const firstTwo = <N extends number>(x: Tensor<[N, 3, 8, 8]>): Tensor<[N, 2, 8, 8]> => slice({ start: [0, 0], end: [2147483647, 2] })(x)
  expectType<Tensor<[2, 3, 8, 8]>>(cropped(padded(randn([2, 3, 8, 8]))))
  expectType<Tensor<[2, 3, 4, 4]>>(centre(randn([2, 3, 10, 10])))
  expectType<Tensor<[2, 3, 5, 5]>>(everyOther(randn([2, 3, 10, 10])))
  expectType<Tensor<[2, 2, 8, 8]>>(firstTwo(randn([2, 3, 8, 8])))
  // a block using all four, generic in the batch
  const block = <N extends number>(x: Tensor<[N, 3, 8, 8]>): Tensor<[N, 3, 8]> =>
    pipe(x, pad([[0, 0], [0, 0], [1, 1], [1, 1]]), avgPool2d({ kernelSize: 3, stride: 1 }), slice({ start: [0, 0, 0, 0], end: [2147483647, 3, 8, 8] }), mean({ axis: [2] }))
  expectType<<N extends number>(x: Tensor<[N, 3, 8, 8]>) => Tensor<[N, 3, 8]>>(block)
}

// ================================================================== regressions of the generic-batch shortcuts
{
  // an unknown target dim next to the -1: the -1 is not the batch (N·320 / n is unknown)
  const n = 320 as number
  expectType<Tensor<[number, number]>>(reshape([-1, n])(randn([3, 20, 4, 4])))
  // a literal batch still goes through the element count: [3, 20, 4, 4] → [-1, 640] is 1.5 rows, an error
  //// @ts-expect-error
  expectError(reshape([-1, 640])(randn([3, 20, 4, 4])))
  expectType<Tensor<[6, 160]>>(reshape([-1, 160])(randn([3, 20, 4, 4])))
  // slices that do not start at 0 or step by 1 still compute from the size
  expectType<Tensor<[2, 3, 6, 4]>>(slice({ start: [0, 0, 2, 0], end: [2147483647, 3, 2147483647, 8], step: [1, 1, 1, 2] })(randn([2, 3, 8, 8])))
}
