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
 * written (src/shape/options.ts), their values by the shape rule where the layer is applied.
 */
type ConvOf<Op extends string, Rank extends number> = <const W extends Weights, const O extends OptionsLike<ConvOptions> = {}>(
  weights: W, options?: SpelledOptions<O, CheckKeys<Op, O, ConvSpec, never>>,
) => Layer<IfSpelled<CheckKeys<Op, O, ConvSpec, never>, ConvFn<Op, Rank, WeightShape<W>, BiasShape<W>, O>>>
type ConvTransposeOf<Op extends string, Rank extends number> = <const W extends Weights, const O extends OptionsLike<ConvTransposeOptions> = {}>(
  weights: W, options?: SpelledOptions<O, CheckKeys<Op, O, ConvTransposeSpec, never>>,
) => Layer<IfSpelled<CheckKeys<Op, O, ConvTransposeSpec, never>, ConvTransposeFn<Op, Rank, WeightShape<W>, BiasShape<W>, O>>>

/** 1-D convolution: input [N, C, L], weight [Co, C/groups, k]. */
export const conv1d = convLayer('conv1d', 1, false) as ConvOf<'conv1d', 1>

/** 2-D convolution: input [N, C, H, W], weight [Co, C/groups, kh, kw]. */
export const conv2d = convLayer('conv2d', 2, false) as ConvOf<'conv2d', 2>

/** 1-D transposed convolution: input [N, Ci, L], weight [Ci, Co/groups, k]. */
export const convTranspose1d = convLayer('convTranspose1d', 1, true) as ConvTransposeOf<'convTranspose1d', 1>

/** 2-D transposed convolution: input [N, Ci, H, W], weight [Ci, Co/groups, kh, kw]. */
export const convTranspose2d = convLayer('convTranspose2d', 2, true) as ConvTransposeOf<'convTranspose2d', 2>
