/** conv1d/conv2d and their transposes: typed, data-last layers over lazy nodes. */
import type {
  Shape, Input, ShapeFn, ConvShape, ConvTransposeShape, ConvOptions, ConvTransposeOptions, ConvSpec, ConvTransposeSpec,
  CheckKeys, SpelledOptions, IfSpelled, OptionsLike,
} from '../../types/index.ts'
import { makeNode } from '../graph.ts'
import { layer, type Layer } from '../layer.ts'
import { convShape, convTransposeShape, convSpec, convTransposeSpec } from '../shape/conv.ts'
import { checkOptionsSpelling } from '../shape/options.ts'
import { wrap } from '../tensor.ts'
import { splitWeights, acceptWeighted, type Weights, type WeightShape, type BiasShape } from './weights.ts'

export interface ConvFn<Op extends string, Rank extends number, W extends Shape, B, O> extends ShapeFn {
  readonly op: Op
  readonly accepts: 'float'
  readonly output: ConvShape<Op, Rank, Input<this>, W, B, O>
}
export interface ConvTransposeFn<Op extends string, Rank extends number, W extends Shape, B, O> extends ShapeFn {
  readonly op: Op
  readonly accepts: 'float'
  readonly output: ConvTransposeShape<Op, Rank, Input<this>, W, B, O>
}

const convLayer = (op: 'conv1d' | 'conv2d' | 'convTranspose1d' | 'convTranspose2d', rank: number, transposed: boolean) => (weights: Weights, options: object = {}) => {
  checkOptionsSpelling(op, options, transposed ? convTransposeSpec : convSpec, [], rank)
  return layer(op, (x) => {
    const { weight, bias } = splitWeights(weights)
    acceptWeighted(op, x, weight, bias)
    const rule = transposed ? convTransposeShape : convShape
    const shape = rule(op, rank, x.shape, weight.shape, bias?.shape, options)
    const inputs = bias ? [x.node, weight.node, bias.node] : [x.node, weight.node]
    return wrap(makeNode(op, inputs, { ...options, rank }, shape, 'float32'))
  })
}

/**
 * A convolution layer factory: the options' keys are checked where they are
 * written (types/options.ts), their values by the shape rule where the layer is applied.
 */
type ConvOf<Op extends string, Rank extends number> = <const W extends Weights, const O extends OptionsLike<ConvOptions> = {}>(
  weights: W, options?: SpelledOptions<O, CheckKeys<Op, O, ConvSpec, never>>,
) => Layer<IfSpelled<CheckKeys<Op, O, ConvSpec, never>, ConvFn<Op, Rank, WeightShape<W>, BiasShape<W>, O>>>
type ConvTransposeOf<Op extends string, Rank extends number> = <const W extends Weights, const O extends OptionsLike<ConvTransposeOptions> = {}>(
  weights: W, options?: SpelledOptions<O, CheckKeys<Op, O, ConvTransposeSpec, never>>,
) => Layer<IfSpelled<CheckKeys<Op, O, ConvTransposeSpec, never>, ConvTransposeFn<Op, Rank, WeightShape<W>, BiasShape<W>, O>>>

/**
 * 1-D convolution: input [N, C, L], weight [Co, C/groups, k].
 *
 * @example
 * import { ones, conv1d } from 'shapewise'
 * // One channel summed over a window of 3: the input [1, 1, 5] of ones gives 3 everywhere, padded ends 2.
 * const y = conv1d(ones([1, 1, 3]), { padding: 1 })(ones([1, 1, 5]))
 * await y.data() // → [2, 3, 3, 3, 2]
 */
export const conv1d = convLayer('conv1d', 1, false) as ConvOf<'conv1d', 1>

/**
 * 2-D convolution: input [N, C, H, W], weight [Co, C/groups, kh, kw].
 *
 * @example
 * import { ones, zeros, conv2d } from 'shapewise'
 * const weight = ones([6, 1, 5, 5])
 * const y = conv2d({ weight, bias: zeros([6]) }, { padding: 2 })(ones([1, 1, 28, 28]))
 * y.shape // → [1, 6, 28, 28]
 * // A wrong channel count is a compile error here, and a ShapeError at run time.
 */
export const conv2d = convLayer('conv2d', 2, false) as ConvOf<'conv2d', 2>

/**
 * 1-D transposed convolution: input [N, Ci, L], weight [Ci, Co/groups, k].
 *
 * @example
 * import { ones, convTranspose1d } from 'shapewise'
 * const y = convTranspose1d(ones([1, 1, 2]), { stride: 2 })(ones([1, 1, 3]))
 * y.shape // → [1, 1, 6]
 * await y.data() // → [1, 1, 1, 1, 1, 1]
 */
export const convTranspose1d = convLayer('convTranspose1d', 1, true) as ConvTransposeOf<'convTranspose1d', 1>

/**
 * 2-D transposed convolution: input [N, Ci, H, W], weight [Ci, Co/groups, kh, kw].
 *
 * @example
 * import { ones, convTranspose2d } from 'shapewise'
 * // Doubles H and W, as a decoder's upsampling step.
 * convTranspose2d(ones([16, 8, 2, 2]), { stride: 2 })(ones([1, 16, 7, 7])).shape // → [1, 8, 14, 14]
 */
export const convTranspose2d = convLayer('convTranspose2d', 2, true) as ConvTransposeOf<'convTranspose2d', 2>
