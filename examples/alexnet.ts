/**
 * Lesson: AlexNet (d2l 7.1), typed end to end. The original network takes
 * 227×227 RGB images, normalises responses across neighbouring channels
 * (local response normalisation, LRN) after the first two convolutions and
 * uses dropout before the last layers; d2l's version takes 224×224 with a
 * padded first convolution and no LRN. The compiler computes every shape
 * (the annotations below are checked); a forward pass of the 227 network runs.
 *
 *   npx tsx examples/alexnet.ts
 */
import { pipe } from 'fp-ts/lib/function.js'
import { conv2d, relu, maxPool2d, flatten, linear, dropout, concat, localResponseNorm, randn, type Tensor, type Mode } from '../src/index.ts'
import { conv2dParams, linearParams, countParameters, summary } from '../src/nn/index.ts'

const alexnetParams = () => ({
  c1: conv2dParams({ inChannels: 3, outChannels: 96, kernelSize: 11 }, { seed: 1 }),
  c2: conv2dParams({ inChannels: 96, outChannels: 256, kernelSize: 5 }, { seed: 2 }),
  c3: conv2dParams({ inChannels: 256, outChannels: 384, kernelSize: 3 }, { seed: 3 }),
  c4: conv2dParams({ inChannels: 384, outChannels: 384, kernelSize: 3 }, { seed: 4 }),
  c5: conv2dParams({ inChannels: 384, outChannels: 256, kernelSize: 3 }, { seed: 5 }),
  // The first dense layer's 9,216 × 4,096 weight is 151 MB, above the 128 MiB a WebGPU storage binding may hold
  // here (maxStorageBufferBindingSize), so it is two halves of 2,048 outputs, concatenated — as the original
  // AlexNet split its layers across two GPUs.
  f1a: linearParams({ inFeatures: 9216, outFeatures: 2048 }, { seed: 6 }),
  f1b: linearParams({ inFeatures: 9216, outFeatures: 2048 }, { seed: 10 }),
  f2: linearParams({ inFeatures: 4096, outFeatures: 4096 }, { seed: 7 }),
  f3: linearParams({ inFeatures: 4096, outFeatures: 1000 }, { seed: 8 }),
})
type AlexNetParams = ReturnType<typeof alexnetParams>
const lrn = localResponseNorm({ size: 5, alpha: 1e-4, beta: 0.75, k: 2 })

/** The original: 227×227, LRN after conv 1 and 2, dropout 0.5 before the two hidden dense layers. */
const alexnet = (p: AlexNetParams, mode: Mode & { seed: number }) => (x: Tensor<[1, 3, 227, 227]>) => {
  const c1: Tensor<[1, 96, 55, 55]> = pipe(x, conv2d(p.c1, { stride: 4 }), relu)                 // (227 − 11) / 4 + 1 = 55
  const p1: Tensor<[1, 96, 27, 27]> = pipe(lrn(c1), maxPool2d({ kernelSize: 3, stride: 2 }))       // (55 − 3) / 2 + 1 = 27
  const c2: Tensor<[1, 256, 27, 27]> = pipe(p1, conv2d(p.c2, { padding: 2 }), relu)
  const p2: Tensor<[1, 256, 13, 13]> = pipe(lrn(c2), maxPool2d({ kernelSize: 3, stride: 2 }))
  const c5: Tensor<[1, 256, 13, 13]> = pipe(p2, conv2d(p.c3, { padding: 1 }), relu, conv2d(p.c4, { padding: 1 }), relu, conv2d(p.c5, { padding: 1 }), relu)
  const features: Tensor<[1, 9216]> = pipe(c5, maxPool2d({ kernelSize: 3, stride: 2 }), flatten) // 256 · 6 · 6
  const dropped = pipe(features, dropout({ rate: 0.5, ...mode }))
  const hidden: Tensor<[1, 4096]> = pipe(concat([linear(p.f1a)(dropped), linear(p.f1b)(dropped)], 1), relu)
  return pipe(hidden, dropout({ rate: 0.5, ...mode, seed: mode.seed + 1, training: true }), linear(p.f2), relu, linear(p.f3))
}

/** d2l's version: 224×224 (one channel in d2l's Fashion-MNIST run; three here), padding 1 on the first conv, no LRN. */
const d2lConv1 = conv2dParams({ inChannels: 3, outChannels: 96, kernelSize: 11 }, { seed: 9 })
const d2lFeatures = (p: AlexNetParams) => (x: Tensor<[1, 3, 224, 224]>): Tensor<[1, 6400]> =>
  pipe(
    x,
    conv2d(d2lConv1, { stride: 4, padding: 1 }), relu, maxPool2d({ kernelSize: 3, stride: 2 }), // 54 → 26
    conv2d(p.c2, { padding: 2 }), relu, maxPool2d({ kernelSize: 3, stride: 2 }),                // 26 → 12
    conv2d(p.c3, { padding: 1 }), relu, conv2d(p.c4, { padding: 1 }), relu, conv2d(p.c5, { padding: 1 }), relu,
    maxPool2d({ kernelSize: 3, stride: 2 }), flatten,                                           // 256 · 5 · 5 = 6400
  )
// d2l's first dense layer therefore takes 6,400 features, not the original's 9,216; reusing f1 does not compile:
//   error: linear: input has 6400 features but weight expects 9216
const d2lWithOriginalHead = (p: AlexNetParams, x: Tensor<[1, 3, 224, 224]>) =>
  // @ts-expect-error the error above
  linear(p.f1a)(d2lFeatures(p)(x))
void d2lWithOriginalHead

const params = alexnetParams()
const image = randn([1, 3, 227, 227], { seed: 0 })
console.log(summary((x) => alexnet(params, { training: false, seed: 0 })(x as never), [1, 3, 227, 227], params))
const started = performance.now()
const logits: Tensor<[1, 1000]> = alexnet(params, { training: false, seed: 0 })(image)
const values = await logits.data()
console.log(`AlexNet forward (227×227, evaluation mode): logits [${logits.shape.join(', ')}], all finite: ${values.every(Number.isFinite)}, ${((performance.now() - started) / 1000).toFixed(1)} s`)
console.log(`parameters: ${countParameters(params).toLocaleString('en-US')}`)

// LRN against the formula, computed directly on the host for a small input.
const small = randn([1, 7, 2, 3], { seed: 5 })
const [got, a] = [await lrn(small).data(), await small.data()]
let worst = 0
for (let ch = 0; ch < 7; ch++)
  for (let i = 0; i < 6; i++) {
    let sum = 0
    for (let j = Math.max(0, ch - 2); j <= Math.min(6, ch + 2); j++) sum += a[j * 6 + i] ** 2
    const want = a[ch * 6 + i] / (2 + (1e-4 / 5) * sum) ** 0.75
    worst = Math.max(worst, Math.abs(got[ch * 6 + i] - want))
  }
console.log(`local response norm vs its formula: max |difference| = ${worst.toExponential(1)}`)
