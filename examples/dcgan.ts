/**
 * Lesson: a DCGAN-style generator (transposed convolutions up from a noise
 * vector, batch norm, relu, tanh) and its discriminator (strided
 * convolutions, leaky relu), trained against each other on MNIST for a few
 * hundred steps. Writes 64 samples of the untrained generator (noise) and
 * of the briefly trained one (strokes, then digits) as image grids.
 *
 *   npx tsx examples/dcgan.ts [--steps N]
 */
import { pipe } from 'fp-ts/lib/function.js'
import { writeFileSync } from 'node:fs'
import { convTranspose2d, conv2d, batchNorm2d, relu, tanh, leakyRelu, flatten, linear, add, jit, valueAndGrad, randn, zeros, ones, fromArray, type Tensor } from '../src/index.ts'
import { conv2dParams, convTranspose2dParams, linearParams, binaryCrossEntropyWithLogits } from '../src/nn/index.ts'
import { adam } from '../src/optim/index.ts'
import { loadMnist, hostBatches } from '../src/data/index.ts'
import { imageGridPng } from '../src/viz/index.ts'
import { QUICK, outPath } from './common.ts'

const LATENT = 16
const BATCH = 64

const generatorParams = () => ({
  t1: convTranspose2dParams({ inChannels: LATENT, outChannels: 64, kernelSize: 7 }, { seed: 1 }),
  bn1: { weight: ones([64]), bias: zeros([64]) },
  t2: convTranspose2dParams({ inChannels: 64, outChannels: 32, kernelSize: 4 }, { seed: 2 }),
  bn2: { weight: ones([32]), bias: zeros([32]) },
  t3: convTranspose2dParams({ inChannels: 32, outChannels: 1, kernelSize: 4 }, { seed: 3 }),
})
type G = ReturnType<typeof generatorParams>
// Batch norm normalises with the batch's statistics here (training mode), also when sampling: the running
// statistics it would use to evaluate are not tracked in this short run, and a batch of 64 samples is large enough.
const stats = <C extends number>(c: C) => ({ runningMean: zeros([c]), runningVar: ones([c]) })
const [stats64, stats32] = [stats(64), stats(32)]
const generator = (p: G) => (z: Tensor<[number, 16, 1, 1]>): Tensor<[number, 1, 28, 28]> =>
  pipe(
    z,
    convTranspose2d(p.t1), batchNorm2d({ ...p.bn1, ...stats64 }, { training: true }), relu,                          // [N, 64, 7, 7]
    convTranspose2d(p.t2, { stride: 2, padding: 1 }), batchNorm2d({ ...p.bn2, ...stats32 }, { training: true }), relu, // [N, 32, 14, 14]
    convTranspose2d(p.t3, { stride: 2, padding: 1 }), tanh,                                                          // [N, 1, 28, 28]
  )

const discriminatorParams = () => ({
  c1: conv2dParams({ inChannels: 1, outChannels: 32, kernelSize: 4 }, { seed: 4 }),
  c2: conv2dParams({ inChannels: 32, outChannels: 64, kernelSize: 4 }, { seed: 5 }),
  fc: linearParams({ inFeatures: 3136, outFeatures: 1 }, { seed: 6 }),
})
type D = ReturnType<typeof discriminatorParams>
const discriminator = (p: D) => (x: Tensor<[number, 1, 28, 28]>): Tensor<[number, 1]> =>
  pipe(
    x,
    conv2d(p.c1, { stride: 2, padding: 1 }), leakyRelu({ negativeSlope: 0.2 }), // [N, 32, 14, 14]
    conv2d(p.c2, { stride: 2, padding: 1 }), leakyRelu({ negativeSlope: 0.2 }), // [N, 64, 7, 7]
    flatten, linear(p.fc),                                                      // [N, 1]
  )

const [real, fake] = [ones([BATCH, 1]) as Tensor<[number, 1]>, zeros([BATCH, 1]) as Tensor<[number, 1]>]
const dOptimizer = adam({ lr: 2e-4, beta1: 0.5 })
const gOptimizer = adam({ lr: 2e-4, beta1: 0.5 })
type DState = ReturnType<typeof dOptimizer.init>
type GState = ReturnType<typeof gOptimizer.init>
type Images = Tensor<[number, 1, 28, 28]>
type Noise = Tensor<[number, 16, 1, 1]>

// The discriminator learns to tell real digits (target 1) from generated ones (target 0)...
const dStep = jit((d: D, state: DState, g: G, images: Images, z: Noise) => {
  const generated = generator(g)(z)
  const [loss, grads] = valueAndGrad((p: D) =>
    add(binaryCrossEntropyWithLogits(discriminator(p)(images), real), binaryCrossEntropyWithLogits(discriminator(p)(generated), fake)),
  )(d)
  const [next, nextState] = dOptimizer.update(d, grads, state)
  return { d: next, state: nextState, loss }
}, { donate: [0, 1] })
// ...and the generator learns to make the discriminator say 1 for its samples.
const gStep = jit((g: G, state: GState, d: D, z: Noise) => {
  const [loss, grads] = valueAndGrad((p: G) => binaryCrossEntropyWithLogits(discriminator(d)(generator(p)(z)), real))(g)
  const [next, nextState] = gOptimizer.update(g, grads, state)
  return { g: next, state: nextState, loss }
}, { donate: [0, 1] })

const stepsArg = process.argv.indexOf('--steps')
const steps = stepsArg >= 0 ? Number(process.argv[stepsArg + 1]) : QUICK ? 10 : 400
const digits = loadMnist()
const fixedNoise = randn([BATCH, LATENT, 1, 1], { seed: 1234 }) // the same 64 points before and after
const samples = async (g: G, file: string) => {
  const values = await generator(g)(fixedNoise).data()
  writeFileSync(file, await imageGridPng({ values, shape: [BATCH, 1, 28, 28] }, { range: [-1, 1], scale: 2, margin: 2, columns: 8 }))
  return { file, values }
}

let [g, d] = [generatorParams(), discriminatorParams()]
let [gState, dState] = [gOptimizer.init(g), dOptimizer.init(d)]
const before = await samples(g, outPath('dcgan-untrained.png'))
console.log(`DCGAN on MNIST, ${steps} steps of ${BATCH}: untrained samples: ${before.file}`)
let step = 0
const started = performance.now()
for (let epoch = 0; step < steps; epoch++) {
  for (const batch of hostBatches(digits, { batchSize: BATCH, shuffle: true, seed: epoch, dropLast: true })) {
    if (step === steps) break
    // Pixels 0..1 → −1..1, the range of tanh.
    const images = fromArray(batch.images.map((v) => 2 * v - 1), [BATCH, 1, 28, 28]) as Images
    const dOut = await dStep(d, dState, g, images, randn([BATCH, LATENT, 1, 1], { seed: 2 * step }) as Noise)
    ;[d, dState] = [dOut.d, dOut.state]
    const gOut = await gStep(g, gState, d, randn([BATCH, LATENT, 1, 1], { seed: 2 * step + 1 }) as Noise)
    ;[g, gState] = [gOut.g, gOut.state]
    images.dispose()
    step++
    if (step % Math.max(1, Math.floor(steps / 5)) === 0 || step === steps) {
      const [[dl], [gl]] = await Promise.all([dOut.loss.data(), gOut.loss.data()])
      console.log(`step ${String(step).padStart(4)}  discriminator loss ${dl.toFixed(3)}  generator loss ${gl.toFixed(3)}`)
    }
  }
}
console.log(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s`)
const after = await samples(g, outPath('dcgan-trained.png'))
console.log(`trained samples: ${after.file}`)
const change = after.values.reduce((sum, v, i) => sum + Math.abs(v - before.values[i]), 0) / after.values.length
console.log(`mean |change| of the 64 samples' pixels (range −1..1): ${change.toFixed(4)}`)
