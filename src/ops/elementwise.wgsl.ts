/** WGSL of the elementwise ops: one invocation per output element, broadcasting by index arithmetic. */
import type { Node } from '../graph.ts'
import { defineKernel, type Expr } from '../compiler/kernel.ts'
import { defineElementwise, type ExprIO } from '../compiler/fusion.ts'
import { perElement } from '../compiler/wgsl.ts'

/** An op's value from its operands' values; `x` may be any expression, so it is parenthesised where it is used. */
type Unary = (node: Node, x: Expr, io: ExprIO) => Expr

const unaryExprs: Record<string, Unary> = {
  // NaN must pass through as in PyTorch. Mesa folds select(x, 0, x < 0) into a max() that drops NaN
  // on llvmpipe (relu(NaN) came out 0), so the comparison is guarded explicitly.
  relu: (_, x) => `select(${x}, 0.0, ${x} < 0.0 && ${x} == ${x})`,
  leakyRelu: (n, x, io) => `select(${x}, ${x} * ${io.literal(n.attrs.negativeSlope as number, 'float32')}, ${x} < 0.0)`,
  sigmoid: (_, x) => `1.0 / (1.0 + exp(-${x}))`,
  tanh: (_, x, io) => (io.helper('tanh'), `tanh_stable(${x})`),
  gelu: (n, x, io) =>
    n.attrs.approximate === 'tanh'
      ? (io.helper('tanh'), `0.5 * ${x} * (1.0 + tanh_stable(0.7978845608028654 * (${x} + 0.044715 * ${x} * ${x} * ${x})))`)
      : (io.helper('erf'), `0.5 * ${x} * (1.0 + erf_approx(${x} * 0.7071067811865476))`),
  exp: (_, x) => `exp(${x})`,
  log: (_, x) => `log(${x})`,
  sqrt: (_, x) => `sqrt(${x})`,
  abs: (_, x) => `abs(${x})`,
  neg: (_, x) => `-${x}`,
  erf: (_, x, io) => (io.helper('erf'), `erf_approx(${x})`),
}

const binaryExprs: Record<string, (a: Expr, b: Expr) => Expr> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  // NaN in either operand wins, as torch.maximum/minimum do.
  maximum: (a, b) => `select(select(${b}, ${a}, ${a} > ${b}), ${a} + ${b}, ${a} != ${a} || ${b} != ${b})`,
  minimum: (a, b) => `select(select(${b}, ${a}, ${a} < ${b}), ${a} + ${b}, ${a} != ${a} || ${b} != ${b})`,
  pow: (a, b) => `pow(${a}, ${b})`,
  greater: (a, b) => `u32(${a} > ${b})`,
  less: (a, b) => `u32(${a} < ${b})`,
  equal: (a, b) => `u32(${a} == ${b})`,
}
const comparisons = new Set(['greater', 'less', 'equal'])

// Each op is one expression: its kernel stores it per element, and defineElementwise lets the
// compiler inline it or fuse it into a producer's store. Operands are bound to `let`s in the kernel,
// so each is read once; in a fused expression they are parenthesised.
for (const [op, expr] of Object.entries(unaryExprs)) {
  defineElementwise(op, { expr: (node, [x], io) => `(${expr(node, `(${x})`, io)})` })
  defineKernel(op, (node) => ({
    steps: [
      perElement(node, (io, read) => `  let x = ${read(0)};\n  ${io.store('i', expr(node, 'x', io))}`, { inlineLiterals: true, epilogue: node.dtype === 'float32' }),
    ],
  }))
}

for (const [op, expr] of Object.entries(binaryExprs)) {
  if (!comparisons.has(op)) defineElementwise(op, { expr: (_, [a, b]) => `(${expr(`(${a})`, `(${b})`)})` })
  defineKernel(op, (node) => ({
    steps: [
      perElement(node, (io, read) => `  let a = ${read(0)};\n  let b = ${read(1)};\n  ${io.store('i', expr('a', 'b'))}`, {
        inlineLiterals: true,
        epilogue: node.dtype === 'float32',
      }),
    ],
  }))
}

// Conversions as PyTorch's `.to(dtype)`: float → int rounds toward zero, x → bool is x != 0
// (NaN is true), bool → number is 0 or 1. bool is stored as u32.
const castExprs: Record<string, (x: Expr) => Expr> = {
  'int32→float32': (x) => `f32(${x})`,
  'bool→float32': (x) => `f32(${x})`,
  'float32→int32': (x) => `i32(${x})`,
  'bool→int32': (x) => `i32(${x})`,
  'float32→bool': (x) => `u32(${x} != 0.0)`,
  'int32→bool': (x) => `u32(${x} != 0i)`,
}
defineKernel('cast', (node) => {
  const convert = castExprs[`${node.inputs[0].dtype}→${node.dtype}`]
  if (!convert) throw new Error(`cast: no conversion from ${node.inputs[0].dtype} to ${node.dtype}`)
  return { steps: [perElement(node, (io, read) => `  ${io.store('i', convert(read(0)))}`, { inlineLiterals: true })] }
})

defineKernel('where', (node) => ({
  steps: [perElement(node, (io, read) => `  ${io.store('i', `select(${read(2)}, ${read(1)}, ${read(0)} != 0u)`)}`, { inlineLiterals: true })],
}))

defineKernel('dropout', (node) => {
  const rate = node.attrs.rate as number
  return {
    steps: [
      perElement(node, (io) => {
        io.helper('random')
        // The seed is an attribute, or (input 1) a scalar int32 tensor read at run time.
        const seed = node.inputs.length > 1 ? `u32(${io.load(1, '0u')})` : `${(node.attrs.seed as number) >>> 0}u`
        const scaled = `${io.load(0, 'i')} * ${io.literal(1 / (1 - rate), 'float32')}`
        return `  let keep = uniform01(${seed}, i) >= ${io.literal(rate, 'float32')};\n  ${io.store('i', `select(0.0, ${scaled}, keep)`)}`
      }),
    ],
  }
})
