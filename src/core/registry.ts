/**
 * Every primitive's definition, by name. Typed over `Primitive` (the keys of `Params`), so a
 * primitive whose definition is missing, or a definition without a shape rule, VJP or lowering,
 * does not compile; the op-name list is derived from it. Nodes carry their definition, so the
 * compiler and autodiff never look a primitive up here: this table is for code that starts from
 * a name (serialisers, tests, the list of ops).
 */
import { constant, external } from './leaves.ts'
import * as core from './ops.ts'
import type { Primitive } from './params.ts'
import type { PrimitiveDef } from './primitive.ts'
import ACTIVATIONS from '../ops/activations.ts'
import INTERPOLATE from '../ops/interpolate.ts'
import POOL_INDICES from '../ops/pool-indices.ts'
import { arangePrimitive, eyePrimitive, randomPrimitive } from '../ops/creation.ts'
import {
  conv1dPrimitive, conv2dPrimitive, conv3dPrimitive, convTranspose1dPrimitive, convTranspose2dPrimitive, convTranspose3dPrimitive,
  convWeightGradPrimitive,
} from '../ops/conv.ts'
import { dropoutPrimitive } from '../ops/elementwise.ts'
import { stopGradientPrimitive } from '../ops/gradient.ts'
import { linearPrimitive } from '../ops/linear.ts'
import {
  adaptiveAvgPoolGradPrimitive, adaptiveAvgPool2dPrimitive, adaptiveAvgPool3dPrimitive, avgPool1dPrimitive, avgPool2dPrimitive,
  avgPool3dPrimitive, batchNorm2dPrimitive, globalAvgPool2dPrimitive, globalMaxPool2dPrimitive, maxPool1dPrimitive, maxPool2dPrimitive,
  maxPool3dPrimitive, poolGradPrimitive, upsampleGradPrimitive, upsamplePrimitive, batchNormGradStatsPrimitive, batchNormInputGradPrimitive,
} from '../ops/pool.ts'

export const PRIMITIVES: { readonly [P in Primitive]: PrimitiveDef<P> } = {
  // creation
  constant,
  external,
  fill: core.fillPrimitive,
  arange: arangePrimitive,
  eye: eyePrimitive,
  random: randomPrimitive,
  // convolution and pooling
  conv1d: conv1dPrimitive,
  conv2d: conv2dPrimitive,
  conv3d: conv3dPrimitive,
  convTranspose1d: convTranspose1dPrimitive,
  convTranspose2d: convTranspose2dPrimitive,
  convTranspose3d: convTranspose3dPrimitive,
  maxPool1d: maxPool1dPrimitive,
  maxPool2d: maxPool2dPrimitive,
  maxPool3d: maxPool3dPrimitive,
  avgPool1d: avgPool1dPrimitive,
  avgPool2d: avgPool2dPrimitive,
  avgPool3d: avgPool3dPrimitive,
  ...POOL_INDICES,
  adaptiveAvgPool2d: adaptiveAvgPool2dPrimitive,
  adaptiveAvgPool3d: adaptiveAvgPool3dPrimitive,
  globalAvgPool2d: globalAvgPool2dPrimitive,
  globalMaxPool2d: globalMaxPool2dPrimitive,
  upsample: upsamplePrimitive,
  ...INTERPOLATE,
  batchNorm2d: batchNorm2dPrimitive,
  // dense
  linear: linearPrimitive,
  matmul: core.matmulPrimitive,
  // elementwise
  ...ACTIVATIONS,
  exp: core.expPrimitive,
  log: core.logPrimitive,
  sqrt: core.sqrtPrimitive,
  abs: core.absPrimitive,
  neg: core.negPrimitive,
  tanh: core.tanhPrimitive,
  erf: core.erfPrimitive,
  dropout: dropoutPrimitive,
  cast: core.castPrimitive,
  add: core.addPrimitive,
  sub: core.subPrimitive,
  mul: core.mulPrimitive,
  div: core.divPrimitive,
  maximum: core.maximumPrimitive,
  minimum: core.minimumPrimitive,
  pow: core.powPrimitive,
  greater: core.greaterPrimitive,
  less: core.lessPrimitive,
  equal: core.equalPrimitive,
  where: core.wherePrimitive,
  // reductions
  sum: core.sumPrimitive,
  mean: core.meanPrimitive,
  max: core.maxPrimitive,
  argmax: core.argmaxPrimitive,
  softmax: core.softmaxPrimitive,
  logSoftmax: core.logSoftmaxPrimitive,
  // layout
  reshape: core.reshapePrimitive,
  permute: core.permutePrimitive,
  concat: core.concatPrimitive,
  pad: core.padPrimitive,
  slice: core.slicePrimitive,
  broadcastTo: core.broadcastToPrimitive,
  // autodiff and losses
  stopGradient: stopGradientPrimitive,
  oneHot: core.oneHotPrimitive,
  // internal: gradients that are not a composition of other ops
  convWeightGrad: convWeightGradPrimitive,
  poolGrad: poolGradPrimitive,
  adaptiveAvgPoolGrad: adaptiveAvgPoolGradPrimitive,
  upsampleGrad: upsampleGradPrimitive,
  batchNormGradStats: batchNormGradStatsPrimitive,
  batchNormInputGrad: batchNormInputGradPrimitive,
}

/** Every primitive's name, in the registry's order. */
export const OP_NAMES = Object.keys(PRIMITIVES) as readonly Primitive[]
