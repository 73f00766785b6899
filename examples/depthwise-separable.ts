/**
 * Lesson: depthwise separable convolution (MobileNet's building block). A
 * depthwise conv (groups = channels: one 3×3 filter per channel, weight
 * [C, 1, 3, 3]) followed by a pointwise 1×1 conv that mixes channels does
 * the work of a full 3×3 conv with far fewer parameters and multiply-adds.
 * The compiler checks the grouping: a depthwise weight must have C/groups = 1
 * input channel.
 *
 *   npx tsx examples/depthwise-separable.ts
 */
import { pipe } from 'fp-ts/lib/function.js'
import { conv2d, randn, slice, type Tensor } from '../src/index.ts'
import { countParameters } from '../src/nn/index.ts'

const x = randn([1, 32, 56, 56], { seed: 0 })
const full = { weight: randn([64, 32, 3, 3], { seed: 1 }) }
const depthwise = { weight: randn([32, 1, 3, 3], { seed: 2 }) }  // one filter per input channel
const pointwise = { weight: randn([64, 32, 1, 1], { seed: 3 }) } // 1×1: mixes the 32 channels into 64

const standard: Tensor<[1, 64, 56, 56]> = pipe(x, conv2d(full, { padding: 1 }))
const perChannel: Tensor<[1, 32, 56, 56]> = pipe(x, conv2d(depthwise, { padding: 1, groups: 32 }))
const separable: Tensor<[1, 64, 56, 56]> = pipe(perChannel, conv2d(pointwise))

// A depthwise weight with 2 input channels per group does not fit groups = 32 (2 × 32 = 64):
//   error: conv2d: input has 32 channels but weight expects 64
// @ts-expect-error the error above
const wrongGroups = () => conv2d({ weight: randn([32, 2, 3, 3]) }, { padding: 1, groups: 32 })(x)
void wrongGroups

const macs = (outputs: number, perOutput: number) => outputs * perOutput
const [h, w] = [56, 56]
console.log(`standard 3×3 conv 32 → 64:        ${countParameters(full).toLocaleString('en-US').padStart(6)} parameters, ${macs(64 * h * w, 32 * 9).toLocaleString('en-US')} multiply-adds`)
console.log(`depthwise 3×3 (groups 32) + 1×1:  ${(countParameters(depthwise) + countParameters(pointwise)).toLocaleString('en-US').padStart(6)} parameters, ${(macs(32 * h * w, 9) + macs(64 * h * w, 32)).toLocaleString('en-US')} multiply-adds`)
console.log(`shapes: standard [${standard.shape.join(', ')}], depthwise [${perChannel.shape.join(', ')}], separable [${separable.shape.join(', ')}]`)

// The depthwise conv is channel by channel: channel 5 of its output is the
// single-channel conv of input channel 5 with filter 5.
const channel5 = pipe(x, slice({ start: [0, 5, 0, 0], end: [1, 6, 56, 56] }), conv2d({ weight: pipe(depthwise.weight, slice({ start: [5, 0, 0, 0], end: [6, 1, 3, 3] })) }, { padding: 1 }))
const fromDepthwise = pipe(perChannel, slice({ start: [0, 5, 0, 0], end: [1, 6, 56, 56] }))
const [a, b] = [await channel5.data(), await fromDepthwise.data()]
const diff = Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)
console.log(`depthwise channel 5 = conv of input channel 5 with filter 5: max |difference| = ${diff.toExponential(1)}`)
