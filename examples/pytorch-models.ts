/**
 * Two PyTorch models written as shapewise functions of parameter trees that
 * mirror the PyTorch modules' attributes, so their `state_dict` files load
 * unchanged (`loadSafetensors(file, { like: params })`) and PyTorch loads
 * what shapewise saves. Shared by examples/pytorch-interop.ts and the tests.
 */
import { pipe } from 'fp-ts/lib/function.js'
import {
  adaptiveAvgPool2d, batchNorm2d, conv2d, flatten, full, linear, maxPool2d, relu, residual, sequential, type Tensor,
} from '../src/index.ts'
import { batchNorm2dParams, conv2dParams, linearParams } from '../src/nn/index.ts'

/** The lesson's `Net` (conv1 1→10 k5, max pool, relu, conv2 10→20 k5, max pool, relu, fc 320→10). */
export const netParams = () => ({
  conv1: conv2dParams({ inChannels: 1, outChannels: 10, kernelSize: 5 }),
  conv2: conv2dParams({ inChannels: 10, outChannels: 20, kernelSize: 5 }),
  fc: linearParams({ inFeatures: 320, outFeatures: 10 }),
})
export type NetParams = ReturnType<typeof netParams>
export const net = (p: NetParams) => <N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
  pipe(
    x,
    conv2d(p.conv1), maxPool2d({ kernelSize: 2 }), relu,   // [N, 10, 12, 12]
    conv2d(p.conv2), maxPool2d({ kernelSize: 2 }), relu,   // [N, 20, 4, 4]
    flatten, linear(p.fc),                                 // [N, 10]
  )

/** nn.BatchNorm2d's state: γ, β, running statistics and PyTorch's step counter. */
const bn = <C extends number>(numFeatures: C) => ({ ...batchNorm2dParams({ numFeatures }), numBatchesTracked: full([], 0, 'int32') })
const conv = <Ci extends number, Co extends number, K extends number>(inChannels: Ci, outChannels: Co, kernelSize: K) =>
  conv2dParams({ inChannels, outChannels, kernelSize, bias: false })

/** torchvision's BasicBlock: conv3x3 → bn → relu → conv3x3 → bn, plus the shortcut, then relu. */
const basicBlockParams = <Ci extends number, Co extends number>(inChannels: Ci, outChannels: Co) => ({
  conv1: conv(inChannels, outChannels, 3), bn1: bn(outChannels), conv2: conv(outChannels, outChannels, 3), bn2: bn(outChannels),
})

/**
 * A small ResNet in torchvision's layout (conv1, bn1, layer1.0.conv1, …,
 * layer2.0.downsample.0/1, fc), at widths 8 and 16 instead of 64…512: the
 * model of tests/fixtures/generate_io.py.
 */
export const resnetParams = () => ({
  conv1: conv(3, 8, 7),
  bn1: bn(8),
  layer1: [basicBlockParams(8, 8), basicBlockParams(8, 8)],
  layer2: [{ ...basicBlockParams(8, 16), downsample: [conv(8, 16, 1), bn(16)] as const }],
  fc: linearParams({ inFeatures: 16, outFeatures: 10 }),
})
export type ResnetParams = ReturnType<typeof resnetParams>
type Block = ResnetParams['layer1'][number]

const basicBlock = (p: Block) =>
  sequential(
    residual(sequential(conv2d(p.conv1, { padding: 1 }), batchNorm2d(p.bn1, { training: false }), relu, conv2d(p.conv2, { padding: 1 }), batchNorm2d(p.bn2, { training: false }))),
    relu,
  )
const downsampleBlock = (p: ResnetParams['layer2'][0]) =>
  sequential(
    residual(
      sequential(conv2d(p.conv1, { stride: 2, padding: 1 }), batchNorm2d(p.bn1, { training: false }), relu, conv2d(p.conv2, { padding: 1 }), batchNorm2d(p.bn2, { training: false })),
      sequential(conv2d(p.downsample[0], { stride: 2 }), batchNorm2d(p.downsample[1], { training: false })),
    ),
    relu,
  )

/** Eval mode: batch norm uses the running statistics. Input [N, 3, H, W], output [N, 10]. */
export const resnet = (p: ResnetParams) => <N extends number>(x: Tensor<[N, 3, 32, 32]>) =>
  pipe(
    x,
    conv2d(p.conv1, { stride: 2, padding: 3 }), batchNorm2d(p.bn1, { training: false }), relu,   // [N, 8, 16, 16]
    maxPool2d({ kernelSize: 3, stride: 2, padding: 1 }),                   // [N, 8, 8, 8]
    basicBlock(p.layer1[0]), basicBlock(p.layer1[1]),                      // [N, 8, 8, 8]
    downsampleBlock(p.layer2[0]),                                          // [N, 16, 4, 4]
    adaptiveAvgPool2d([1, 1]), flatten,                                    // [N, 16]
    linear(p.fc),                                                          // [N, 10]
  )
