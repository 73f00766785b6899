/**
 * The two LeNets of the lessons, as pure functions of their parameters.
 * Shared by examples/train-lenet.ts, bench/lenet-step.ts and the tests.
 */
import { pipe } from 'fp-ts/lib/function.js'
import { conv2d, maxPool2d, relu, flatten, linear, type Tensor } from '../src/index.ts'
import { conv2dParams, linearParams } from '../src/nn/index.ts'

/** The classic LeNet-5: 6 and 16 channels, then 120, 84 and 10 units. */
export const classicParams = () => ({
  c1: conv2dParams({ inChannels: 1, outChannels: 6, kernelSize: 5 }, { seed: 1 }),
  c2: conv2dParams({ inChannels: 6, outChannels: 16, kernelSize: 5 }, { seed: 3 }),
  f1: linearParams({ inFeatures: 400, outFeatures: 120 }, { seed: 5 }),
  f2: linearParams({ inFeatures: 120, outFeatures: 84 }, { seed: 7 }),
  f3: linearParams({ inFeatures: 84, outFeatures: 10 }, { seed: 9 }),
})
export type ClassicParams = ReturnType<typeof classicParams>
export const classic = (p: ClassicParams) => <N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
  pipe(
    x,
    conv2d(p.c1, { padding: 2 }), relu, maxPool2d({ kernelSize: 2 }),   // [N, 6, 14, 14]
    conv2d(p.c2), relu, maxPool2d({ kernelSize: 2 }),                   // [N, 16, 5, 5]
    flatten,                                                            // [N, 400]
    linear(p.f1), relu, linear(p.f2), relu, linear(p.f3),               // [N, 10]
  )

/** The seed lesson's `Net`: 10 and 20 channels, then one linear layer 320 → 10. */
export const seedParams = () => ({
  c1: conv2dParams({ inChannels: 1, outChannels: 10, kernelSize: 5 }, { seed: 1 }),
  c2: conv2dParams({ inChannels: 10, outChannels: 20, kernelSize: 5 }, { seed: 3 }),
  fc: linearParams({ inFeatures: 320, outFeatures: 10 }, { seed: 5 }),
})
export type SeedParams = ReturnType<typeof seedParams>
export const seedNet = (p: SeedParams) => <N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
  pipe(
    x,
    conv2d(p.c1), maxPool2d({ kernelSize: 2 }), relu,   // [N, 10, 12, 12]
    conv2d(p.c2), maxPool2d({ kernelSize: 2 }), relu,   // [N, 20, 4, 4]
    flatten,                                            // [N, 320]
    linear(p.fc),                                       // [N, 10]
  )
