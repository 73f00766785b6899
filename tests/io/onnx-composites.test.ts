/**
 * The composite ops (built from other public ops, no node of their own) export to ONNX as their
 * parts: each small graph passes onnx.checker (full_check) and ONNX Runtime reproduces
 * shapewise's outputs at two batch sizes.
 */
import { describe } from 'vitest'
import { argmax, channelShuffle, fold, groupNorm, instanceNorm2d, layerNorm, lpPool1d, lpPool2d, mul, pad, pixelShuffle, pixelUnshuffle, randn, softmax, unfold, type Tensor } from '../../src/index.ts'
import { crossEntropy, nllLoss } from '../../src/nn/index.ts'
import { onnxCaseTests, type OnnxCase } from './onnx-helpers.ts'
import { temporaryFolder } from './helpers.ts'

const dir = temporaryFolder('onnx-composites')
type X = Tensor<[number, 4, 6, 6]>
const X = ['N', 4, 6, 6] as const
const labelsOf = (x: X) => argmax({ axis: 1 })(mul(x, -1))

const cases: OnnxCase[] = [
  { name: 'pixelShuffle pixelUnshuffle channelShuffle', shapes: [X], fn: (x: X) => [pixelShuffle(2)(x), pixelUnshuffle(3)(x), channelShuffle(2)(x)] },
  {
    name: 'lpPool1d lpPool2d', shapes: [X, ['N', 3, 9]],
    fn: (x: X, y: Tensor<[number, 3, 9]>) => [lpPool2d({ normType: 2, kernelSize: 3, stride: 2, padding: 1 })(x), lpPool1d({ normType: 3, kernelSize: 2 })(mul(y, y))],
  },
  {
    name: 'unfold and fold', shapes: [X, ['N', 36, 9]],
    fn: (x: X, cols: Tensor<[number, 36, 9]>) => [unfold({ kernelSize: 3, stride: 2, padding: 1 })(x), fold({ outputSize: [6, 6], kernelSize: 3, stride: 2, padding: 1 })(cols)],
  },
  {
    name: 'pad reflect replicate circular', shapes: [X],
    fn: (x: X) => (['reflect', 'replicate', 'circular'] as const).map((mode) => pad([[0, 0], [0, 0], [2, 1], [0, 3]], { mode })(x)),
  },
  {
    name: 'layerNorm groupNorm instanceNorm2d with and without affine parameters', shapes: [X],
    fn: (x: X) => [
      layerNorm([6, 6], { weight: randn([6, 6], { seed: 2 }), bias: randn([6, 6], { seed: 3 }) })(x), layerNorm([4, 6, 6], {}, { eps: 1e-3 })(x),
      groupNorm(2, { weight: randn([4], { seed: 4 }), bias: randn([4], { seed: 5 }) })(x), instanceNorm2d({ weight: randn([4], { seed: 6 }) })(x),
    ],
  },
  {
    name: 'crossEntropy and nllLoss with weight, ignoreIndex, spatial labels, probabilities', shapes: [X],
    fn: (x: X) => [
      crossEntropy(x, labelsOf(x), { weight: randn([4], { seed: 1 }), ignoreIndex: 2 }),
      crossEntropy(x, labelsOf(x), { reduction: 'none', labelSmoothing: 0.1 }),
      crossEntropy(x, softmax({ axis: 1 })(mul(x, 2)), { reduction: 'sum' }),
      nllLoss(x, labelsOf(x), { ignoreIndex: 0 }),
    ],
  },
]

describe('composite ops export to ONNX as their parts', () => onnxCaseTests(cases, dir))
