/**
 * The public ops of the package entry, and how to build each from a PyTorch
 * fixture case: one typed table, so that an op exported without a line here
 * does not compile.
 */
import * as api from '../../src/index.ts'
import type { AnyTensor } from '../../src/index.ts'

type Api = typeof api

/** The exports of the package entry that are functions (classes, constants and types are not). */
type FunctionExport = { [K in keyof Api]: Api[K] extends (...args: never[]) => unknown ? K : never }[keyof Api]

/**
 * Exported functions that are not ops on tensors: they create tensors from
 * host data, compose layers, transform functions, walk trees or manage memory
 * and the device. Everything else the entry exports is an op and needs a
 * builder below.
 */
export const NOT_OPS = [
  // creation from host values
  'tensor', 'fromArray', 'full', 'zeros', 'ones', 'arange', 'linspace', 'eye', 'rand', 'randn',
  // a type assertion, not a computation
  'assertShape',
  // composition
  'layer', 'sequential', 'residual', 'concatBranches', 'skip', 'pipe',
  // trees of tensors
  'flattenTree', 'mapTree', 'zipTrees', 'countParameters', 'leaves',
  // transformations
  'valueAndGrad', 'valueAndGradWithAux', 'grad', 'vjp', 'jit', 'jitTraces',
  // memory and the device
  'scope', 'memory', 'trimMemory', 'realize', 'backendInfo', 'pipelineCompilations', 'resetDevice',
] as const satisfies readonly FunctionExport[]

/** A public op: a layer, layer factory or tensor function exported by the package entry. */
export type PublicOp = Exclude<FunctionExport, (typeof NOT_OPS)[number]>

/** A fixture case's `attrs`: PyTorch's options under shapewise's names (tests/fixtures/README.md). */
export type Attrs = Record<string, any>

/** Builds an op from a case's attributes and inputs (in fixture order). */
export type Builder = (attrs: Attrs, inputs: readonly AnyTensor[]) => AnyTensor

// Fixture shapes are known at run time only, so the ops are called through their untyped
// signatures here; the run-time shape rules check every call.
const op = api as unknown as { readonly [K in PublicOp]: (...args: any[]) => any }

const unary = (name: PublicOp): Builder => (_, [x]) => op[name](x)
const binary = (name: PublicOp): Builder => (_, [a, b]) => op[name](a, b)
/** `op(attrs)(x)`: a layer factory whose options are the case's attributes. */
const configured = (name: PublicOp): Builder => (a, [x]) => op[name](a)(x)
/** `op(weights, attrs)(x)`, inputs `[x, weight, bias?]`. */
const weighted = (name: PublicOp): Builder => (a, [x, weight, bias]) => op[name](bias ? { weight, bias } : { weight }, a)(x)
const reduction = (name: PublicOp): Builder => (a, [x]) => op[name]({ axis: a.axis, keepDims: a.keepDims })(x)

/** Every public op, built from a fixture case. */
export const build: { readonly [Op in PublicOp]: Builder } = {
  conv1d: weighted('conv1d'),
  conv2d: weighted('conv2d'),
  conv3d: weighted('conv3d'),
  convTranspose1d: weighted('convTranspose1d'),
  convTranspose2d: weighted('convTranspose2d'),
  convTranspose3d: weighted('convTranspose3d'),
  maxPool1d: configured('maxPool1d'),
  maxPool2d: configured('maxPool2d'),
  maxPool3d: configured('maxPool3d'),
  avgPool1d: configured('avgPool1d'),
  avgPool2d: configured('avgPool2d'),
  avgPool3d: configured('avgPool3d'),
  upsample: configured('upsample'),
  adaptiveAvgPool2d: (a, [x]) => op.adaptiveAvgPool2d(a.outputSize)(x),
  adaptiveAvgPool3d: (a, [x]) => op.adaptiveAvgPool3d(a.outputSize)(x),
  globalAvgPool2d: unary('globalAvgPool2d'),
  globalMaxPool2d: unary('globalMaxPool2d'),
  batchNorm2d: (a, [x, weight, bias, runningMean, runningVar]) => op.batchNorm2d({ weight, bias, runningMean, runningVar }, a)(x),
  localResponseNorm: configured('localResponseNorm'),
  unfold: configured('unfold'),
  fold: configured('fold'),
  lpPool1d: configured('lpPool1d'),
  lpPool2d: configured('lpPool2d'),
  pixelShuffle: (a, [x]) => op.pixelShuffle(a.upscaleFactor)(x),
  pixelUnshuffle: (a, [x]) => op.pixelUnshuffle(a.downscaleFactor)(x),
  channelShuffle: (a, [x]) => op.channelShuffle(a.groups)(x),
  // Inputs [x, weight?, bias?]: the affine parameters when the case has them.
  layerNorm: (a, [x, weight, bias]) => op.layerNorm(a.normalizedShape, weight ? { weight, bias } : {}, a)(x),
  groupNorm: (a, [x, weight, bias]) => op.groupNorm(a.numGroups, weight ? { weight, bias } : {}, a)(x),
  instanceNorm2d: (a, [x, weight, bias]) => op.instanceNorm2d(weight ? { weight, bias } : {}, a)(x),
  linear: (_, [x, weight, bias]) => op.linear(bias ? { weight, bias } : weight)(x),
  matmul: binary('matmul'),
  relu: unary('relu'),
  sigmoid: unary('sigmoid'),
  tanh: unary('tanh'),
  // PyTorch's one gelu with `approximate: 'tanh'` is shapewise's geluTanh.
  gelu: (a, [x]) => (a.approximate === 'tanh' ? op.geluTanh : op.gelu)(x),
  geluTanh: unary('geluTanh'),
  exp: unary('exp'),
  log: unary('log'),
  sqrt: unary('sqrt'),
  abs: unary('abs'),
  neg: unary('neg'),
  erf: unary('erf'),
  leakyRelu: (a, [x]) => op.leakyRelu(a.negativeSlope === undefined ? {} : { negativeSlope: a.negativeSlope })(x),
  cast: (a, [x]) => op.cast(a.dtype)(x),
  dropout: configured('dropout'),
  dropout2d: configured('dropout2d'),
  elu: (a, [x]) => op.elu(a.alpha === undefined ? {} : { alpha: a.alpha })(x),
  silu: unary('silu'),
  hardswish: unary('hardswish'),
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  div: binary('div'),
  maximum: binary('maximum'),
  minimum: binary('minimum'),
  pow: binary('pow'),
  greater: binary('greater'),
  less: binary('less'),
  equal: binary('equal'),
  where: (_, [condition, a, b]) => op.where(condition, a, b),
  sum: reduction('sum'),
  mean: reduction('mean'),
  max: reduction('max'),
  argmax: reduction('argmax'),
  softmax: (a, [x]) => op.softmax({ axis: a.axis })(x),
  logSoftmax: (a, [x]) => op.logSoftmax({ axis: a.axis })(x),
  reshape: (a, [x]) => op.reshape(a.shape)(x),
  // PyTorch's flatten(x, startDim) is shapewise's flatten (startDim 1) or flattenFrom(startDim).
  flatten: (a, [x]) => (a.startDim === undefined ? op.flatten(x) : op.flattenFrom(a.startDim)(x)),
  flattenFrom: (a, [x]) => op.flattenFrom(a.startDim)(x),
  // shapewise's permute takes non-negative dims only (its type and run-time rule both say so);
  // PyTorch also accepts negative ones, which the fixtures use once.
  permute: (a, [x]) => op.permute(a.dims.map((d: number) => (d < 0 ? d + x.rank : d)))(x),
  transpose: (a, [x]) => op.transpose(a.dim0, a.dim1)(x),
  concat: (a, xs) => op.concat(xs, a.axis),
  // A fixture with a mode is pad(pads, { mode }) (pad_modes.json); the constant ones pass the value.
  pad: (a, [x]) => op.pad(a.pads, a.mode === undefined ? a.value : { mode: a.mode })(x),
  slice: (a, [x]) => op.slice({ start: a.start, end: a.end, step: a.step })(x),
  stopGradient: unary('stopGradient'),
  broadcastTo: (a, [x]) => op.broadcastTo(x, a.shape),
  oneHot: (a, [labels]) => op.oneHot(labels, a.classes),
}

/** The fixture op names that are public ops (all of them, checked by tests/ops/fixtures.test.ts). */
export const isPublicOp = (name: string): name is PublicOp => Object.hasOwn(build, name)

/** The op a fixture case describes, applied to its inputs. */
export const buildCase = (c: { readonly op: string; readonly attrs: Attrs }, inputs: readonly AnyTensor[]): AnyTensor => {
  if (!isPublicOp(c.op)) throw new Error(`no public op ${c.op} (a fixture outran the library)`)
  return build[c.op](c.attrs, inputs)
}
