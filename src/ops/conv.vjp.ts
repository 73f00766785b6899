/**
 * Gradients of convolution and transposed convolution. The input gradient
 * of a conv is a transposed conv of the cotangent (and vice versa); the
 * weight gradient is its own kernel, `convWeightGrad`.
 */
import type { VjpTable } from '../autodiff/rule.ts'
import { sum, slice, pad } from '../autodiff/untyped.ts'
import { makeNode } from '../graph.ts'
import { axisValue } from '../shape/errors.ts'
import { convPadding, paddingOnAxis, type ConvOptions } from '../shape/conv.ts'
import { wrap } from '../tensor.ts'
import type { AnyTensor } from '../tree.ts'
import { conv1d, conv2d, convTranspose1d, convTranspose2d } from './conv.ts'

type Op = (x: AnyTensor) => AnyTensor
type Untyped = (w: AnyTensor, o: object) => Op
// Each branch is cast on its own: a conditional over the two typed factories would make the
// checker relate their generic signatures (some 60,000 instantiations for nothing).
const convOf = (rank: number) => (rank === 1 ? (conv1d as unknown as Untyped) : (conv2d as unknown as Untyped))
const convTransposeOf = (rank: number) => (rank === 1 ? (convTranspose1d as unknown as Untyped) : (convTranspose2d as unknown as Untyped))

interface AxisParams {
  readonly stride: number
  readonly padLeft: number
  readonly dilation: number
}

/**
 * The weight gradient: out[a, b, k…] = Σ outside[n, a, o…] · inside[n, g·B + b, o·stride − padLeft + k·dilation].
 * For a conv, inside = x and outside = dy; for a transposed conv the roles swap.
 */
const convWeightGrad = (inside: AnyTensor, outside: AnyTensor, weightShape: readonly number[], axes: readonly AxisParams[], groups: number) =>
  wrap(makeNode('convWeightGrad', [inside.node, outside.node], { axes, groups }, weightShape, 'float32')) as AnyTensor

/** Cropping (or zero-extending) the spatial dims of t to [padLeft, padLeft + size). */
const crop = (t: AnyTensor, padLeft: readonly number[], sizes: readonly number[]) => {
  const rank = sizes.length
  const available = t.shape.slice(2)
  const start = [0, 0, ...padLeft]
  const end = [t.shape[0], t.shape[1], ...padLeft.map((p, i) => Math.min(p + sizes[i], available[i]))]
  const cut = slice(t, start, end)
  const missing = sizes.map((s, i) => s - (end[2 + i] - padLeft[i]))
  const pads: [number, number][] = [[0, 0], [0, 0], ...missing.map((m): [number, number] => [0, Math.max(0, m)])]
  return missing.some((m) => m > 0) ? pad(cut, pads.slice(0, rank + 2)) : cut
}

const biasGrad = (dy: AnyTensor) => sum(dy, dy.shape.map((_, i) => i).filter((i) => i !== 1))

const convVjp = ({ node, inputs: [x, w, bias], dy }: Parameters<Exclude<VjpTable['conv2d'], 'none'>>[0]) => {
  const options = node.attrs as unknown as ConvOptions & { rank: number }
  const rank = options.rank
  const groups = options.groups ?? 1
  const axes = x.shape.slice(2).map((input, i) => {
    const stride = axisValue(options.stride, i, 1)
    const dilation = axisValue(options.dilation, i, 1)
    const [padLeft] = convPadding(input, w.shape[2 + i], stride, paddingOnAxis(options.padding, i), dilation)
    return { stride, padLeft, dilation }
  })
  // The transposed conv of dy covers input positions from −padLeft on; crop it to the input.
  const full = convTransposeOf(rank)(w, { stride: axes.map((a) => a.stride), dilation: axes.map((a) => a.dilation), groups })(dy)
  const dx = crop(full, axes.map((a) => a.padLeft), x.shape.slice(2))
  const grads: (AnyTensor | null)[] = [dx, convWeightGrad(x, dy, w.shape, axes, groups)]
  if (bias) grads.push(biasGrad(dy))
  return grads
}

const convTransposeVjp = ({ node, inputs: [x, w, bias], dy }: Parameters<Exclude<VjpTable['conv2d'], 'none'>>[0]) => {
  const options = node.attrs as { stride?: number | number[]; padding?: number | number[]; dilation?: number | number[]; groups?: number; rank: number }
  const rank = options.rank
  const groups = options.groups ?? 1
  const axes = x.shape.slice(2).map((_, i) => ({
    stride: axisValue(options.stride, i, 1),
    padLeft: axisValue(options.padding, i, 0),
    dilation: axisValue(options.dilation, i, 1),
  }))
  // A conv of dy with the same weight is the adjoint; outputPadding only adds positions no input reads.
  const conv = convOf(rank)(w, { stride: axes.map((a) => a.stride), padding: axes.map((a) => a.padLeft), dilation: axes.map((a) => a.dilation), groups })(dy)
  const dx = conv.shape.every((d, i) => d === x.shape[i]) ? conv : crop(conv, axes.map(() => 0), x.shape.slice(2))
  const grads: (AnyTensor | null)[] = [dx, convWeightGrad(dy, x, w.shape, axes, groups)]
  if (bias) grads.push(biasGrad(dy))
  return grads
}

export const convVjpTable: VjpTable<'conv1d' | 'conv2d' | 'convTranspose1d' | 'convTranspose2d' | 'convWeightGrad'> = {
  conv1d: convVjp,
  conv2d: convVjp,
  convTranspose1d: convTransposeVjp,
  convTranspose2d: convTransposeVjp,
  convWeightGrad: 'none',
}
