/** Gradients of the reductions and of softmax / logSoftmax. */
import type { VjpTable } from '../autodiff/rule.ts'
import { add, mul, div, sub, neg, exp, sum, equal, where, reshape, broadcastTo } from '../autodiff/untyped.ts'
import type { AnyTensor } from '../tree.ts'

/** dy reshaped so that it broadcasts back over the reduced axes. */
const keepDimsShape = (x: AnyTensor, axes: readonly number[]) => x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
const spread = (x: AnyTensor, dy: AnyTensor, axes: readonly number[]) => broadcastTo(reshape(dy, keepDimsShape(x, axes)), x.shape)
const count = (x: AnyTensor, axes: readonly number[]) => axes.reduce((n, a) => n * x.shape[a], 1)

export const reduceVjp: VjpTable<'sum' | 'mean' | 'max' | 'argmax' | 'softmax' | 'logSoftmax'> = {
  sum: ({ node, inputs: [x], dy }) => [spread(x, dy, node.attrs.axes as number[])],
  mean: ({ node, inputs: [x], dy }) => [div(spread(x, dy, node.attrs.axes as number[]), count(x, node.attrs.axes as number[]))],
  // Ties share the gradient evenly, as PyTorch's amax does.
  max: ({ node, inputs: [x], output: y, dy }) => {
    const axes = node.attrs.axes as number[]
    const isMax = equal(x, spread(x, y, axes))
    const ties = sum(where(isMax, 1, 0), axes, true)
    return [where(isMax, div(spread(x, dy, axes), broadcastTo(ties, x.shape)), 0)]
  },
  argmax: 'none',
  softmax: ({ node, output: y, dy }) => {
    const axis = node.attrs.axis as number
    return [mul(y, sub(dy, sum(mul(dy, y), axis, true)))]
  },
  logSoftmax: ({ node, output: y, dy }) => {
    const axis = node.attrs.axis as number
    return [add(dy, neg(mul(exp(y), sum(dy, axis, true))))]
  },
}
