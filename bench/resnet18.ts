/**
 * The ResNet-18 of the CIFAR papers, as a function of its parameters: a 3×3
 * stem with 64 channels (no max pool), four stages of two basic blocks
 * (64, 128, 256, 512 channels; stride 2 from the second stage on, with a 1×1
 * convolution and batch norm on the shortcut), global average pooling and a
 * linear layer to 10 classes. 11.17 M parameters; 0.56 GFLOP per 32×32 image
 * forward. bench/peers.py builds the same network in PyTorch.
 *
 * Batch norm runs in training mode (batch statistics). Its running
 * statistics are kept apart from the trainable parameters, so a training
 * step differentiates only what PyTorch's optimizer updates.
 */
import { pipe } from 'fp-ts/lib/function.js'
import { batchNorm2d, conv2d, flatten, globalAvgPool2d, linear, relu, add, jit, valueAndGrad, randn, fromArray, type Tensor } from '../src/index.ts'
import { batchNorm2dParams, conv2dParams, crossEntropy, linearParams } from '../src/nn/index.ts'
import { sgd, type OptimizerState } from '../src/optim/index.ts'

type Image = Tensor<[number, number, number, number]>

const conv = (inChannels: number, outChannels: number, kernelSize: number, seed: number) =>
  conv2dParams({ inChannels, outChannels, kernelSize, bias: false }, { seed })
const norm = (numFeatures: number) => {
  const { weight, bias, runningMean, runningVar } = batchNorm2dParams({ numFeatures })
  return { trainable: { weight, bias }, statistics: { runningMean, runningVar } }
}

const blockParams = (inChannels: number, outChannels: number, stride: number, seed: number) => {
  const [bn1, bn2, bnShortcut] = [norm(outChannels), norm(outChannels), norm(outChannels)]
  const shortcut = stride !== 1 || inChannels !== outChannels
  return {
    params: {
      conv1: conv(inChannels, outChannels, 3, seed), bn1: bn1.trainable,
      conv2: conv(outChannels, outChannels, 3, seed + 1), bn2: bn2.trainable,
      ...(shortcut ? { shortcut: conv(inChannels, outChannels, 1, seed + 2), bnShortcut: bnShortcut.trainable } : {}),
    },
    statistics: { bn1: bn1.statistics, bn2: bn2.statistics, ...(shortcut ? { bnShortcut: bnShortcut.statistics } : {}) },
    stride,
  }
}

const STAGES = [[64, 1], [128, 2], [256, 2], [512, 2]] as const

/** Parameters (trainable), batch-norm statistics, and the strides of the blocks. */
export const resnet18Params = () => {
  const stem = norm(64)
  const blocks = STAGES.flatMap(([channels, stride], s) => {
    const inChannels = s === 0 ? 64 : STAGES[s - 1][0]
    return [blockParams(inChannels, channels, stride, 10 + 10 * s), blockParams(channels, channels, 1, 15 + 10 * s)]
  })
  return {
    params: { stem: conv(3, 64, 3, 1), bnStem: stem.trainable, blocks: blocks.map((b) => b.params), fc: linearParams({ inFeatures: 512, outFeatures: 10 }, { seed: 99 }) },
    statistics: { bnStem: stem.statistics, blocks: blocks.map((b) => b.statistics) },
    strides: blocks.map((b) => b.stride),
  }
}
type Built = ReturnType<typeof resnet18Params>
export type ResNet18Params = Built['params']
export type ResNet18Statistics = Built['statistics']
type Norm = { weight: Tensor<[number]>; bias: Tensor<[number]> }
type Statistics = { runningMean: Tensor<[number]>; runningVar: Tensor<[number]> }

const bn = (p: Norm, s: Statistics) => (x: Image): Image =>
  batchNorm2d({ ...p, ...s } as never, { training: true })(x as never) as Image

/** Logits [N, 10] of a batch [N, 3, 32, 32]. */
export const resnet18 = (p: ResNet18Params, s: ResNet18Statistics, strides: readonly number[]) => (x: Tensor<[number, 3, 32, 32]>): Tensor<[number, 10]> => {
  const c = (w: unknown, options: { stride?: number; padding?: number }) => (t: Image): Image => conv2d({ weight: w } as never, options)(t as never) as Image
  let h: Image = pipe(x as Image, c(p.stem.weight, { padding: 1 }), bn(p.bnStem, s.bnStem), relu)
  p.blocks.forEach((b, i) => {
    const st = s.blocks[i] as { bn1: Statistics; bn2: Statistics; bnShortcut?: Statistics }
    const main = pipe(h, c(b.conv1.weight, { stride: strides[i], padding: 1 }), bn(b.bn1, st.bn1), relu, c(b.conv2.weight, { padding: 1 }), bn(b.bn2, st.bn2))
    const shortcut = 'shortcut' in b && b.shortcut ? pipe(h, c(b.shortcut.weight, { stride: strides[i] }), bn(b.bnShortcut!, st.bnShortcut!)) : h
    h = relu(add(main as never, shortcut as never) as Image)
  })
  return pipe(h, globalAvgPool2d, flatten, linear(p.fc)) as unknown as Tensor<[number, 10]>
}

/**
 * A jitted ResNet-18 training step at `batch` (crossEntropy, SGD lr 0.01 with momentum 0.9; the
 * parameters and the optimizer state donated) with its state: `run()` takes one step and reads
 * the loss back; `tensors` are what to put on the device before timing it.
 */
export const resnet18Training = (batch: number) => {
  const built = resnet18Params()
  let params: ResNet18Params = built.params
  const optimizer = sgd({ lr: 0.01, momentum: 0.9 })
  let state = optimizer.init(params) as OptimizerState<unknown>
  const x = randn([batch, 3, 32, 32], { seed: 5 })
  const y = fromArray(Int32Array.from({ length: batch }, (_, i) => (i * 7 + 3) % 10), [batch], 'int32')
  const step = jit(
    (p: ResNet18Params, s: OptimizerState<unknown>, stats: ResNet18Statistics, images: Tensor<[number, 3, 32, 32]>, labels: Tensor<[number], 'int32'>) => {
      const [loss, grads] = valueAndGrad((q: ResNet18Params) => crossEntropy(resnet18(q, stats, built.strides)(images), labels))(p)
      const [next, nextState] = optimizer.update(p, grads as never, s as never)
      return { params: next as ResNet18Params, state: nextState as OptimizerState<unknown>, loss }
    },
    { donate: [0, 1] },
  )
  return {
    tensors: [params, built.statistics, state, x, y] as unknown,
    run: async (): Promise<void> => {
      const out = await step(params, state, built.statistics, x as Tensor<[number, 3, 32, 32]>, y as Tensor<[number], 'int32'>)
      params = out.params
      state = out.state
      await out.loss.data()
      out.loss.dispose()
    },
  }
}
