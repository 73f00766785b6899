/** Gradients of the elementwise ops, written with other ops. */
import type { VjpTable } from '../autodiff/rule.ts'
import { sumTo } from '../autodiff/sum-to.ts'
import { add, sub, mul, div, neg, exp, log, tanh, erf, greater, less, equal, where } from '../autodiff/untyped.ts'
import { makeNode } from '../graph.ts'
import { wrap } from '../tensor.ts'
import type { AnyTensor } from '../tree.ts'

export const elementwiseVjp: VjpTable<
  | 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'gelu' | 'exp' | 'log' | 'sqrt' | 'abs' | 'neg' | 'erf' | 'dropout' | 'cast'
  | 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'greater' | 'less' | 'equal' | 'where'
> = {
  // Written with the output (y > 0 ⇔ x > 0) so the input is not needed after the forward pass:
  // that leaves relu free to fuse into its producer's epilogue.
  relu: ({ output: y, dy }) => [where(greater(y, 0), dy, 0)],
  leakyRelu: ({ node, inputs: [x], output: y, dy }) => {
    const slope = node.attrs.negativeSlope as number
    // With a non-negative slope the output's sign is the input's, as for relu.
    return [where(greater(slope >= 0 ? y : x, 0), dy, mul(dy, slope))]
  },
  sigmoid: ({ output: y, dy }) => [mul(dy, mul(y, add(neg(y), 1)))],
  tanh: ({ output: y, dy }) => [mul(dy, add(neg(mul(y, y)), 1))],
  gelu: ({ node, inputs: [x], dy }) => {
    if (node.attrs.approximate === 'tanh') {
      // d/dx ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³)
      const u = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), 0.7978845608028654)
      const t = tanh(u)
      const du = mul(add(mul(mul(x, x), 3 * 0.044715), 1), 0.7978845608028654)
      const sech2 = add(neg(mul(t, t)), 1)
      return [mul(dy, add(mul(add(t, 1), 0.5), mul(mul(mul(x, 0.5), sech2), du)))]
    }
    // Φ(x) + x·φ(x)
    const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5)
    const pdf = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI))
    return [mul(dy, add(cdf, mul(x, pdf)))]
  },
  exp: ({ output: y, dy }) => [mul(dy, y)],
  log: ({ inputs: [x], dy }) => [div(dy, x)],
  sqrt: ({ output: y, dy }) => [div(dy, mul(y, 2))],
  abs: ({ inputs: [x], dy }) => [where(greater(x, 0), dy, where(less(x, 0), neg(dy), 0))],
  neg: ({ dy }) => [neg(dy)],
  erf: ({ inputs: [x], dy }) => [mul(dy, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))],
  // The same seed and rate reproduce the mask, scaled by 1/(1 − rate).
  dropout: ({ node, dy }) => [wrap(makeNode('dropout', [dy.node, ...node.inputs.slice(1)], node.attrs, dy.shape, dy.dtype)) as AnyTensor, null],
  // A cast node always changes the dtype (a cast to the same dtype returns its input), so one side
  // is int32 or bool: no gradient flows through it, as PyTorch detaches integer tensors.
  cast: 'none',
  add: ({ inputs: [a, b], dy }) => [sumTo(dy, a.shape), sumTo(dy, b.shape)],
  sub: ({ inputs: [a, b], dy }) => [sumTo(dy, a.shape), sumTo(neg(dy), b.shape)],
  mul: ({ inputs: [a, b], dy }) => [sumTo(mul(dy, b), a.shape), sumTo(mul(dy, a), b.shape)],
  div: ({ inputs: [a, b], dy }) => [sumTo(div(dy, b), a.shape), sumTo(neg(div(mul(dy, a), mul(b, b))), b.shape)],
  // Ties split the gradient evenly, as PyTorch does.
  maximum: ({ inputs: [a, b], dy }) => {
    const tie = where(equal(a, b), mul(dy, 0.5), 0)
    return [sumTo(where(greater(a, b), dy, tie), a.shape), sumTo(where(less(a, b), dy, tie), b.shape)]
  },
  minimum: ({ inputs: [a, b], dy }) => {
    const tie = where(equal(a, b), mul(dy, 0.5), 0)
    return [sumTo(where(less(a, b), dy, tie), a.shape), sumTo(where(greater(a, b), dy, tie), b.shape)]
  },
  pow: ({ inputs: [a, b], output: y, dy }) => [sumTo(mul(dy, mul(b, div(y, a))), a.shape), sumTo(mul(dy, mul(y, log(a))), b.shape)],
  greater: 'none',
  less: 'none',
  equal: 'none',
  where: ({ inputs: [c, a, b], dy }) => [null, sumTo(where(c, dy, 0), a.shape), sumTo(where(c, 0, dy), b.shape)],
}
