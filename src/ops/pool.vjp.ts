/**
 * Gradients of pooling, resampling and batch normalisation. Window ops send
 * the cotangent back through their own gather kernels (`poolGrad`,
 * `adaptiveAvgPool2dGrad`, `upsampleGrad`); the rest are compositions.
 */
import type { VjpTable } from '../autodiff/rule.ts'
import { add, sub, mul, div, sqrt, full, sum, equal, where, reshape, broadcastTo } from '../autodiff/untyped.ts'
import { makeNode, type Node } from '../graph.ts'
import { wrap } from '../tensor.ts'
import type { AnyTensor } from '../tree.ts'

/** A gradient node shaped like x, computed from x (and the forward attributes) and dy. */
const gradNode = (op: 'poolGrad' | 'adaptiveAvgPool2dGrad' | 'upsampleGrad', forward: Node, x: AnyTensor, dy: AnyTensor) =>
  wrap(makeNode(op, [x.node, dy.node], { forward: forward.op, ...forward.attrs }, x.shape, 'float32')) as AnyTensor

const windowVjp = (op: 'poolGrad' | 'adaptiveAvgPool2dGrad' | 'upsampleGrad') =>
  (({ node, inputs: [x], dy }) => [gradNode(op, node, x, dy)]) satisfies Exclude<VjpTable['maxPool2d'], 'none'>

/** dy of [N, C] spread back over [N, C, H, W]. */
const spatial = (x: AnyTensor, t: AnyTensor) => broadcastTo(reshape(t, [x.shape[0], x.shape[1], 1, 1]), x.shape)

export const poolVjpTable: VjpTable<
  | 'maxPool1d' | 'maxPool2d' | 'avgPool1d' | 'avgPool2d' | 'adaptiveAvgPool2d' | 'globalAvgPool2d' | 'globalMaxPool2d'
  | 'upsample' | 'batchNorm2d' | 'poolGrad' | 'adaptiveAvgPool2dGrad' | 'upsampleGrad'
> = {
  maxPool1d: windowVjp('poolGrad'),
  maxPool2d: windowVjp('poolGrad'),
  avgPool1d: windowVjp('poolGrad'),
  avgPool2d: windowVjp('poolGrad'),
  adaptiveAvgPool2d: windowVjp('adaptiveAvgPool2dGrad'),
  upsample: windowVjp('upsampleGrad'),
  globalAvgPool2d: ({ inputs: [x], dy }) => [div(spatial(x, dy), x.shape[2] * x.shape[3])],
  // Ties share the gradient, like max over axes.
  globalMaxPool2d: ({ inputs: [x], output: y, dy }) => {
    const isMax = equal(x, spatial(x, y))
    const ties = sum(where(isMax, 1, 0), [2, 3], false)
    return [where(isMax, spatial(x, div(dy, ties)), 0)]
  },
  batchNorm2d: ({ node, inputs: [x, gamma, , runningMean, runningVar], dy }) => {
    const { training, eps } = node.attrs as { training: boolean; eps: number }
    // A [C] statistic broadcast over [N, C, H, W] (spatial() is for [N, C] values).
    const perChannel = (t: AnyTensor) => broadcastTo(reshape(t, [1, x.shape[1], 1, 1]), x.shape)
    const reduce = (t: AnyTensor) => sum(t, [0, 2, 3], false)
    const count = x.shape[0] * x.shape[2] * x.shape[3]
    const mean = training ? div(reduce(x), count) : runningMean
    const centered = sub(x, perChannel(mean))
    const variance = training ? div(reduce(mul(centered, centered)), count) : runningVar
    const rstd = perChannel(div(full(variance.shape, 1), sqrt(add(variance, eps))))
    const normalized = mul(centered, rstd)
    const g = mul(dy, perChannel(gamma))
    // In training the batch statistics depend on x too: remove the mean of g and its projection on x̂.
    const dx = training
      ? mul(rstd, sub(sub(g, perChannel(div(reduce(g), count))), mul(normalized, perChannel(div(reduce(mul(g, normalized)), count)))))
      : mul(g, rstd)
    return [dx, reduce(mul(dy, normalized)), reduce(dy), null, null]
  },
  poolGrad: 'none',
  adaptiveAvgPool2dGrad: 'none',
  upsampleGrad: 'none',
}
