/**
 * Parameter records for the weighted layers, typed from their spec and
 * initialised with seeded random values (lazily, on the device).
 *
 * 'torch' is PyTorch's layer default (uniform in ±1/√fan_in for weight and
 * bias); Kaiming (He) uses the ReLU gain √2, Xavier (Glorot) fan_in + fan_out.
 */
import type { Div } from '../../types/index.ts'
import { rand, randn, full } from '../ops/creation.ts'
import { fail } from '../shape/errors.ts'
import type { Tensor } from '../tensor.ts'
import { add, mul } from '../core/ops.ts'
import type { AnyTensor } from '../tree.ts'
import { libraryCall } from '../memory.ts'

export type InitName = 'torch' | 'kaimingUniform' | 'kaimingNormal' | 'xavierUniform' | 'xavierNormal'

export interface InitOptions {
  readonly init?: InitName
  /** Seed of the weight; the bias uses the next one. Unseeded layers draw from a global counter. */
  readonly seed?: number
}

let nextSeed = 1 << 20
const seeds = (options: InitOptions) => {
  const seed = options.seed ?? (nextSeed += 2)
  return [seed, seed + 1] as const
}

// Library calls: the draw and the scaled draw are temporaries, not tensors the user holds, so they
// fuse into one kernel per parameter rather than three (each a shader to compile on a first run).
const uniform = (shape: number[], bound: number, seed: number) => libraryCall(() => add(mul(rand(shape, { seed }) as AnyTensor, 2 * bound), -bound))
const normal = (shape: number[], std: number, seed: number) => libraryCall(() => mul(randn(shape, { seed }) as AnyTensor, std))

/** A weight tensor of `shape` with fan_in / fan_out as for PyTorch's layers. */
const initWeight = (shape: number[], fanIn: number, fanOut: number, init: InitName, seed: number): AnyTensor => {
  switch (init) {
    case 'torch':
      return uniform(shape, 1 / Math.sqrt(fanIn), seed)
    case 'kaimingUniform':
      return uniform(shape, Math.sqrt(6 / fanIn), seed)
    case 'kaimingNormal':
      return normal(shape, Math.sqrt(2 / fanIn), seed)
    case 'xavierUniform':
      return uniform(shape, Math.sqrt(6 / (fanIn + fanOut)), seed)
    case 'xavierNormal':
      return normal(shape, Math.sqrt(2 / (fanIn + fanOut)), seed)
  }
}

const positive = (op: string, values: Record<string, number | readonly number[]>) => {
  for (const [name, value] of Object.entries(values))
    for (const v of typeof value === 'number' ? [value] : value) if (!(Number.isInteger(v) && v > 0)) fail(`${op}: ${name} must be a positive integer, got ${v}`)
}

type Pair<K> = K extends readonly [infer A extends number, infer B extends number] ? [A, B] : K extends number ? [K, K] : [number, number]
type Triple<K> = K extends readonly [infer A extends number, infer B extends number, infer C extends number]
  ? [A, B, C]
  : K extends number ? [K, K, K] : [number, number, number]
type WithBias<W, B extends boolean, Co extends number> = B extends false ? { weight: W } : { weight: W; bias: Tensor<[Co]> }

const make = (weight: AnyTensor, biasShape: number[] | undefined, fanIn: number, seed: number) =>
  biasShape ? { weight, bias: uniform(biasShape, 1 / Math.sqrt(fanIn), seed) } : { weight }

export interface ConvSpec<Ci extends number, Co extends number, K, G extends number, B extends boolean> {
  readonly inChannels: Ci
  readonly outChannels: Co
  readonly kernelSize: K
  readonly groups?: G
  readonly bias?: B
}

/**
 * Weight and bias [Co] of a convolution-like layer. A conv's weight is
 * [Co, Ci/groups, k…], a transposed conv's [Ci, Co/groups, k…]; as in PyTorch,
 * fan_in counts weight.size(1) · taps and fan_out the other channel count.
 */
const convParams = (
  op: string,
  spec: ConvSpec<number, number, unknown, number, boolean>,
  kernel: readonly number[],
  transposed: boolean,
  options: InitOptions,
) => {
  const groups = spec.groups ?? 1
  positive(op, { inChannels: spec.inChannels, outChannels: spec.outChannels, kernelSize: kernel, groups })
  if (spec.inChannels % groups || spec.outChannels % groups) fail(`${op}: channels ${spec.inChannels}→${spec.outChannels} are not divisible by groups ${groups}`)
  const [outer, inner] = transposed ? [spec.inChannels, spec.outChannels] : [spec.outChannels, spec.inChannels]
  const taps = kernel.reduce((a, b) => a * b, 1)
  const fanIn = (inner / groups) * taps
  const [ws, bs] = seeds(options)
  const weight = initWeight([outer, inner / groups, ...kernel], fanIn, (outer / groups) * taps, options.init ?? 'torch', ws)
  return make(weight, spec.bias === false ? undefined : [spec.outChannels], fanIn, bs) as never
}

/** The kernel sizes on `rank` axes: one number for every axis, or one per axis. */
const kernelOf = (k: number | readonly number[], rank: number) => (typeof k === 'number' ? Array.from({ length: rank }, () => k) : [...k])

/**
 * Parameters of a 2-D convolution: weight [Co, Ci/groups, kh, kw] and bias [Co].
 *
 * @example
 * import { conv2dParams } from 'shapewise/nn'
 * const c1 = conv2dParams({ inChannels: 1, outChannels: 6, kernelSize: 5 }) // PyTorch's default (Kaiming-uniform) init
 * c1.weight.shape // → [6, 1, 5, 5]
 * c1.bias.shape // → [6]
 */
export function conv2dParams<const Ci extends number, const Co extends number, const K extends number | readonly [number, number], const G extends number = 1, const B extends boolean = true>(
  spec: ConvSpec<Ci, Co, K, G, B>,
  options: InitOptions = {},
): WithBias<Tensor<[Co, Div<Ci, G>, ...Pair<K>]>, B, Co> {
  return convParams('conv2dParams', spec, kernelOf(spec.kernelSize, 2), false, options)
}

/**
 * Parameters of a 1-D convolution: weight [Co, Ci/groups, k] and bias [Co].
 *
 * @example
 * import { conv1dParams } from 'shapewise/nn'
 * conv1dParams({ inChannels: 4, outChannels: 8, kernelSize: 3, groups: 2 }).weight.shape // → [8, 2, 3]
 */
export function conv1dParams<const Ci extends number, const Co extends number, const K extends number, const G extends number = 1, const B extends boolean = true>(
  spec: ConvSpec<Ci, Co, K, G, B>,
  options: InitOptions = {},
): WithBias<Tensor<[Co, Div<Ci, G>, K]>, B, Co> {
  return convParams('conv1dParams', spec, [spec.kernelSize], false, options)
}

/**
 * Parameters of a 2-D transposed convolution: weight [Ci, Co/groups, kh, kw] and bias [Co].
 *
 * @example
 * import { convTranspose2dParams } from 'shapewise/nn'
 * convTranspose2dParams({ inChannels: 16, outChannels: 8, kernelSize: 2 }).weight.shape // → [16, 8, 2, 2]
 */
export function convTranspose2dParams<const Ci extends number, const Co extends number, const K extends number | readonly [number, number], const G extends number = 1, const B extends boolean = true>(
  spec: ConvSpec<Ci, Co, K, G, B>,
  options: InitOptions = {},
): WithBias<Tensor<[Ci, Div<Co, G>, ...Pair<K>]>, B, Co> {
  return convParams('convTranspose2dParams', spec, kernelOf(spec.kernelSize, 2), true, options)
}

/**
 * Parameters of a 3-D convolution: weight [Co, Ci/groups, kd, kh, kw] and bias [Co] (PyTorch's Conv3d init).
 *
 * @example
 * import { conv3dParams } from 'shapewise/nn'
 * const c1 = conv3dParams({ inChannels: 3, outChannels: 64, kernelSize: 3 })
 * c1.weight.shape // → [64, 3, 3, 3, 3]
 * conv3dParams({ inChannels: 64, outChannels: 64, kernelSize: [1, 3, 3], bias: false }).weight.shape // → [64, 64, 1, 3, 3]
 */
export function conv3dParams<
  const Ci extends number, const Co extends number, const K extends number | readonly [number, number, number], const G extends number = 1, const B extends boolean = true,
>(spec: ConvSpec<Ci, Co, K, G, B>, options: InitOptions = {}): WithBias<Tensor<[Co, Div<Ci, G>, ...Triple<K>]>, B, Co> {
  return convParams('conv3dParams', spec, kernelOf(spec.kernelSize, 3), false, options)
}

/**
 * Parameters of a 3-D transposed convolution: weight [Ci, Co/groups, kd, kh, kw] and bias [Co].
 *
 * @example
 * import { convTranspose3dParams } from 'shapewise/nn'
 * convTranspose3dParams({ inChannels: 16, outChannels: 8, kernelSize: 4 }).weight.shape // → [16, 8, 4, 4, 4]
 */
export function convTranspose3dParams<
  const Ci extends number, const Co extends number, const K extends number | readonly [number, number, number], const G extends number = 1, const B extends boolean = true,
>(spec: ConvSpec<Ci, Co, K, G, B>, options: InitOptions = {}): WithBias<Tensor<[Ci, Div<Co, G>, ...Triple<K>]>, B, Co> {
  return convParams('convTranspose3dParams', spec, kernelOf(spec.kernelSize, 3), true, options)
}

/**
 * Parameters of a linear layer: weight [out, in] and bias [out].
 *
 * @example
 * import { linearParams } from 'shapewise/nn'
 * const fc = linearParams({ inFeatures: 320, outFeatures: 10 })
 * fc.weight.shape // → [10, 320]
 * 'bias' in linearParams({ inFeatures: 3, outFeatures: 2, bias: false }) // → false
 */
export function linearParams<const In extends number, const Out extends number, const B extends boolean = true>(
  spec: { readonly inFeatures: In; readonly outFeatures: Out; readonly bias?: B },
  options: InitOptions = {},
): WithBias<Tensor<[Out, In]>, B, Out> {
  positive('linearParams', { inFeatures: spec.inFeatures, outFeatures: spec.outFeatures })
  const [ws, bs] = seeds(options)
  const weight = initWeight([spec.outFeatures, spec.inFeatures], spec.inFeatures, spec.outFeatures, options.init ?? 'torch', ws)
  return make(weight, spec.bias === false ? undefined : [spec.outFeatures], spec.inFeatures, bs) as never
}

/**
 * batchNorm2d parameters and running statistics: γ = 1, β = 0, mean 0, variance 1.
 *
 * @example
 * import { batchNorm2dParams } from 'shapewise/nn'
 * const bn = batchNorm2dParams({ numFeatures: 2 })
 * await bn.weight.data() // → [1, 1]
 * await bn.runningVar.data() // → [1, 1]
 */
export function batchNorm2dParams<const C extends number>(spec: { readonly numFeatures: C }) {
  positive('batchNorm2dParams', { numFeatures: spec.numFeatures })
  const c = [spec.numFeatures] as [C]
  return { weight: full(c, 1), bias: full(c, 0), runningMean: full(c, 0), runningVar: full(c, 1) }
}
