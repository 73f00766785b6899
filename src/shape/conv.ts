/** Run-time twins of types/conv.ts: the same formulas, the same messages. */
import type { ConvSpec, ConvTransposeSpec } from '../../types/conv.ts'
import { fail, shapeText, axisValue, layoutText, checkOptions, type Spatial } from './errors.ts'
import { checkSpelling } from './options.ts'

export interface ConvOptions {
  readonly stride?: Spatial
  readonly padding?: Spatial | 'same' | 'valid'
  readonly dilation?: Spatial
  readonly groups?: number
}
export interface ConvTransposeOptions {
  readonly stride?: Spatial
  readonly padding?: Spatial
  readonly outputPadding?: Spatial
  readonly dilation?: Spatial
  readonly groups?: number
}

/** The options and what each takes, in the order they are checked (typed by the type-level lists, so the two cannot drift). */
export const convSpec: ConvSpec = [['stride', 'positive'], ['padding', 'padding'], ['dilation', 'positive'], ['groups', 'count']]
export const convTransposeSpec: ConvTransposeSpec = [
  ['stride', 'positive'], ['padding', 'nonNegative'], ['outputPadding', 'nonNegative'], ['dilation', 'positive'], ['groups', 'count'],
]

/** Output size of one conv axis; padding 'same' follows PyTorch at stride 1, SAME_UPPER beyond. */
export const convAxis = (op: string, input: number, kernel: number, stride: number, padding: number | 'same', dilation: number): number => {
  if (padding === 'same') return stride === 1 ? input : Math.ceil(input / stride)
  const padded = input + 2 * padding
  const effective = dilation * (kernel - 1) + 1
  if (padded < effective) fail(`${op}: kernel ${effective} exceeds padded input ${padded}`)
  return Math.floor((padded - effective) / stride) + 1
}

/** [left, right] padding of one axis for 'same' (extra on the right), or the symmetric padding. */
export const convPadding = (input: number, kernel: number, stride: number, padding: number | 'same', dilation: number): [number, number] => {
  if (padding !== 'same') return [padding, padding]
  const out = Math.ceil(input / stride)
  const total = Math.max((out - 1) * stride + dilation * (kernel - 1) + 1 - input, 0)
  return [Math.floor(total / 2), total - Math.floor(total / 2)]
}

export const paddingOnAxis = (padding: ConvOptions['padding'], axis: number): number | 'same' =>
  padding === 'same' ? 'same' : padding === 'valid' ? 0 : axisValue(padding, axis, 0)

export const convTransposeAxis = (
  op: string, input: number, kernel: number, stride: number, padding: number, outputPadding: number, dilation: number,
): number => {
  if (outputPadding >= stride && outputPadding >= dilation)
    fail(`${op}: outputPadding ${outputPadding} must be smaller than stride ${stride} or dilation ${dilation}`)
  const out = (input - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1
  if (out < 1) fail(`${op}: output size ${out} is not positive`)
  return out
}

const checkBias = (op: string, outChannels: number, bias: readonly number[] | undefined) => {
  if (bias === undefined) return
  if (bias.length !== 1) fail(`${op}: bias must be [${outChannels}], got ${shapeText(bias)}`)
  if (bias[0] !== outChannels) fail(`${op}: bias has ${bias[0]} values but weight has ${outChannels} output channels`)
}

/** conv1d (rank 1) / conv2d (rank 2): input [N, C, …], weight [Co, Ci/groups, …k]. */
export const convShape = (
  op: string, rank: number, x: readonly number[], w: readonly number[], bias: readonly number[] | undefined, options: ConvOptions,
): number[] => {
  checkSpelling(op, options, convSpec, rank)
  checkOptions(op, options, ['stride', 'dilation', 'groups'], ['padding'])
  if (x.length !== rank + 2) fail(`${op}: expects input ${layoutText(rank)}, got ${shapeText(x)}`)
  if (w.length !== rank + 2) fail(`${op}: weight must be [Co, Ci/groups, ${rank} kernel dims], got ${shapeText(w)}`)
  const groups = options.groups ?? 1
  const [n, c] = x
  const [co, cig] = w
  if (c !== cig * groups)
    fail(`${op}: input has ${c} channels but weight expects ${cig * groups}${groups === 1 ? '' : ` (groups ${groups} × ${cig} channels per group)`}`)
  if (co % groups !== 0) fail(`${op}: ${co} output channels are not divisible by groups ${groups}`)
  checkBias(op, co, bias)
  const spatial = x.slice(2).map((input, i) =>
    convAxis(op, input, w[2 + i], axisValue(options.stride, i, 1), paddingOnAxis(options.padding, i), axisValue(options.dilation, i, 1)),
  )
  return [n, co, ...spatial]
}

/** convTranspose1d / convTranspose2d: input [N, Ci, …], weight [Ci, Co/groups, …k]. */
export const convTransposeShape = (
  op: string, rank: number, x: readonly number[], w: readonly number[], bias: readonly number[] | undefined, options: ConvTransposeOptions,
): number[] => {
  checkSpelling(op, options, convTransposeSpec, rank)
  checkOptions(op, options, ['stride', 'dilation', 'groups'], ['padding', 'outputPadding'])
  if (x.length !== rank + 2) fail(`${op}: expects input ${layoutText(rank)}, got ${shapeText(x)}`)
  if (w.length !== rank + 2) fail(`${op}: weight must be [Ci, Co/groups, ${rank} kernel dims], got ${shapeText(w)}`)
  const groups = options.groups ?? 1
  const [n, c] = x
  const [ci, cog] = w
  if (c !== ci) fail(`${op}: input has ${c} channels but weight expects ${ci}`)
  if (ci % groups !== 0) fail(`${op}: ${ci} input channels are not divisible by groups ${groups}`)
  checkBias(op, cog * groups, bias)
  const spatial = x.slice(2).map((input, i) =>
    convTransposeAxis(
      op, input, w[2 + i], axisValue(options.stride, i, 1), axisValue(options.padding, i, 0),
      axisValue(options.outputPadding, i, 0), axisValue(options.dilation, i, 1),
    ),
  )
  return [n, cog * groups, ...spatial]
}
