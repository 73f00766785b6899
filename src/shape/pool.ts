/** Run-time twins of types/pool.ts: the same formulas, the same messages. */
import type { MaxPoolSpec, AvgPoolSpec, UpsampleSpec, OutputSizeSpec } from '../../types/pool.ts'
import { fail, shapeText, axisValue, layoutText, checkOptions, type Spatial } from './errors.ts'
import { checkSpelling } from './options.ts'

/** The options and what each takes, in the order they are checked (typed by the type-level lists, so the two cannot drift). */
export const maxPoolSpec: MaxPoolSpec = [['kernelSize', 'positive'], ['stride', 'positive'], ['padding', 'nonNegative'], ['dilation', 'positive'], ['ceilMode', 'flag']]
export const avgPoolSpec: AvgPoolSpec = [
  ['kernelSize', 'positive'], ['stride', 'positive'], ['padding', 'nonNegative'], ['ceilMode', 'flag'], ['countIncludePad', 'flag'],
]
export const upsampleSpec: UpsampleSpec = [['scaleFactor', 'positive'], ['size', 'positive'], ['mode', 'mode'], ['alignCorners', 'flag']]
const outputSizeSpec: OutputSizeSpec = [['outputSize', 'positive']]
/** The spec of a pooling op by name. */
export const poolSpec = (op: string) => (op.startsWith('maxPool') ? maxPoolSpec : avgPoolSpec)

export interface PoolOptions {
  readonly kernelSize: Spatial
  readonly stride?: Spatial
  readonly padding?: Spatial
  readonly dilation?: Spatial
  readonly ceilMode?: boolean
  readonly countIncludePad?: boolean
}

/** Output size of one pooling axis, with PyTorch's ceilMode rule. */
export const poolAxis = (
  op: string, input: number, kernel: number, stride: number, padding: number, dilation: number, ceilMode: boolean,
): number => {
  if (padding > Math.floor(kernel / 2)) fail(`${op}: padding ${padding} exceeds half the kernel ${kernel}`)
  const padded = input + 2 * padding
  const effective = dilation * (kernel - 1) + 1
  // Ceil mode keeps a first window that overshoots the padded input by less than a stride.
  const span = ceilMode ? padded + stride - 1 - effective : padded - effective
  if (span < 0) fail(`${op}: kernel ${effective} exceeds padded input ${padded}`)
  if (!ceilMode) return Math.floor(span / stride) + 1
  const out = Math.floor(span / stride) + 1
  // The last window must start inside the input or the left padding.
  return (out - 1) * stride >= input + padding ? out - 1 : out
}

/** Per-axis parameters of a pooling window, defaults applied (stride = kernel). */
export const poolParams = (options: PoolOptions, axis: number) => {
  const kernel = axisValue(options.kernelSize, axis, 1)
  return {
    kernel,
    stride: axisValue(options.stride, axis, kernel),
    padding: axisValue(options.padding, axis, 0),
    dilation: axisValue(options.dilation, axis, 1),
  }
}

export const poolShape = (op: string, rank: number, x: readonly number[], options: PoolOptions): number[] => {
  checkSpelling(op, options, poolSpec(op), rank)
  checkOptions(op, options, ['kernelSize', 'stride', 'dilation'], ['padding'])
  if (x.length !== rank + 2) fail(`${op}: expects input ${layoutText(rank)}, got ${shapeText(x)}`)
  const spatial = x.slice(2).map((input, i) => {
    const p = poolParams(options, i)
    return poolAxis(op, input, p.kernel, p.stride, p.padding, p.dilation, options.ceilMode === true)
  })
  return [x[0], x[1], ...spatial]
}

const expectImage = (op: string, x: readonly number[]) => {
  if (x.length !== 4) fail(`${op}: expects input [N, C, H, W], got ${shapeText(x)}`)
}

export const adaptivePoolShape = (op: string, x: readonly number[], outputSize: Spatial): number[] => {
  checkSpelling(op, { outputSize }, outputSizeSpec, 2)
  expectImage(op, x)
  checkOptions(op, { outputSize }, ['outputSize'], [])
  return [x[0], x[1], axisValue(outputSize, 0, 1), axisValue(outputSize, 1, 1)]
}

export const globalPoolShape = (op: string, x: readonly number[]): number[] => {
  expectImage(op, x)
  // The mean of an empty window is NaN (as PyTorch); its maximum has no value.
  if (op === 'globalMaxPool2d' && x[2] * x[3] === 0) fail(`${op}: cannot take the maximum of an empty ${x[2]}×${x[3]} window`)
  return [x[0], x[1]]
}

export type UpsampleOptions = {
  readonly scaleFactor?: Spatial
  readonly size?: Spatial
  readonly mode?: 'nearest' | 'bilinear'
  readonly alignCorners?: boolean
}

export const upsampleShape = (x: readonly number[], options: UpsampleOptions): number[] => {
  checkSpelling('upsample', options, upsampleSpec, 2)
  expectImage('upsample', x)
  const [n, c, h, w] = x
  if (options.size !== undefined) {
    checkOptions('upsample', options, ['size'], [])
    return [n, c, axisValue(options.size, 0, h), axisValue(options.size, 1, w)]
  }
  if (options.scaleFactor !== undefined) {
    checkOptions('upsample', options, ['scaleFactor'], [])
    return [n, c, h * axisValue(options.scaleFactor, 0, 1), w * axisValue(options.scaleFactor, 1, 1)]
  }
  return fail('upsample: needs scaleFactor or size')
}

export const batchNormShape = (x: readonly number[], param: readonly number[]): number[] => {
  expectImage('batchNorm2d', x)
  if (param.length !== 1) fail(`batchNorm2d: parameters must be [C], got ${shapeText(param)}`)
  if (param[0] !== x[1]) fail(`batchNorm2d: input has ${x[1]} channels but parameters have ${param[0]}`)
  return [...x]
}
