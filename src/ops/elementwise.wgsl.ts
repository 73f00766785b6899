/** WGSL of the elementwise ops: one invocation per output element, broadcasting by index arithmetic. */
import type { NodeBase, NodeOf } from '../graph.ts'
import type { Expr, Lowering } from '../compiler/kernel.ts'
import type { ExprIO } from '../compiler/fusion.ts'
import type { Primitive } from '../core/params.ts'
import type { ElementwiseRule } from '../core/primitive.ts'
import { perElement } from '../compiler/wgsl.ts'

/**
 * A unary elementwise op: its value from `x`, which may be any expression (parenthesise it where it is
 * used); literals and shared helpers (erf, tanh) go through `io`, so a kernel carries only those it uses.
 */
export type UnaryBody<P extends Primitive> = (node: NodeOf<P>, x: Expr, io: ExprIO) => Expr

/** A body that does not depend on its node's parameters: one type for every primitive, so a table of them can be indexed by a generic name. */
const plain = (f: (x: Expr, io: ExprIO) => Expr) => (_: NodeBase, x: Expr, io: ExprIO): Expr => f(x, io)

export const unaryBodies = {
  // NaN must pass through as in PyTorch. Mesa folds select(x, 0, x < 0) into a max() that drops NaN
  // on llvmpipe (relu(NaN) came out 0), so the comparison is guarded explicitly.
  relu: (_, x) => `select(${x}, 0.0, ${x} < 0.0 && ${x} == ${x})`,
  leakyRelu: (n, x, io) => `select(${x}, ${x} * ${io.literal(n.params.negativeSlope, 'float32')}, ${x} < 0.0)`,
  sigmoid: (_, x) => `1.0 / (1.0 + exp(-${x}))`,
  tanh: plain((x, io) => (io.helper('tanh'), `tanh_stable(${x})`)),
  gelu: (n, x, io) =>
    n.params.approximate === 'tanh'
      ? (io.helper('tanh'), `0.5 * ${x} * (1.0 + tanh_stable(0.7978845608028654 * (${x} + 0.044715 * ${x} * ${x} * ${x})))`)
      : (io.helper('erf'), `0.5 * ${x} * (1.0 + erf_approx(${x} * 0.7071067811865476))`),
  exp: plain((x) => `exp(${x})`),
  log: plain((x) => `log(${x})`),
  sqrt: plain((x) => `sqrt(${x})`),
  abs: plain((x) => `abs(${x})`),
  neg: plain((x) => `-${x}`),
  erf: plain((x, io) => (io.helper('erf'), `erf_approx(${x})`)),
} satisfies { readonly [P in Primitive]?: UnaryBody<P> }

// Each op is one expression: its ElementwiseRule lets the compiler inline it or fuse it into a
// producer's store; its kernel binds the operand to a `let`, so it is read once.
/** The fusion rule of a unary op written as `body`. */
export const unaryElementwise = <P extends Primitive>(body: UnaryBody<P>): ElementwiseRule<P> => ({
  expr: (node, [x], io) => `(${body(node, `(${x})`, io)})`,
})
/** The kernel of a unary op written as `body`: one invocation per element, fusable after. */
export const unaryLowering = <P extends Primitive>(body: UnaryBody<P>) => (node: NodeOf<P>): Lowering => ({
  steps: [perElement(node, (io, read) => `  let x = ${read(0)};\n  ${io.store('i', body(node, 'x', io))}`, { inlineLiterals: true, epilogue: node.dtype === 'float32' })],
})

export const binaryExprs = {
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
} as const satisfies { readonly [P in Primitive]?: (a: Expr, b: Expr) => Expr }

/** The fusion rule of a binary arithmetic op (comparisons give bool, so they do not fuse). */
export const binaryElementwise = <P extends Primitive>(expr: (a: Expr, b: Expr) => Expr): ElementwiseRule<P> => ({
  expr: (_, [a, b]) => `(${expr(`(${a})`, `(${b})`)})`,
})
/** The kernel of a binary op written as `expr` of `a` and `b`, broadcasting by index. */
export const binaryLowering = (expr: (a: Expr, b: Expr) => Expr) => (node: NodeBase): Lowering => ({
  steps: [
    perElement(node, (io, read) => `  let a = ${read(0)};\n  let b = ${read(1)};\n  ${io.store('i', expr('a', 'b'))}`, {
      inlineLiterals: true,
      epilogue: node.dtype === 'float32',
    }),
  ],
})

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
export const lowerCast = (node: NodeOf<'cast'>): Lowering => {
  const convert = castExprs[`${node.inputs[0].dtype}→${node.dtype}`]
  if (!convert) throw new Error(`cast: no conversion from ${node.inputs[0].dtype} to ${node.dtype}`)
  return { steps: [perElement(node, (io, read) => `  ${io.store('i', convert(read(0)))}`, { inlineLiterals: true })] }
}

export const lowerWhere = (node: NodeOf<'where'>): Lowering => ({
  steps: [perElement(node, (io, read) => `  ${io.store('i', `select(${read(2)}, ${read(1)}, ${read(0)} != 0u)`)}`, { inlineLiterals: true })],
})

export const lowerDropout = (node: NodeOf<'dropout'>): Lowering => {
  const rate = node.params.rate
  return {
    steps: [
      perElement(node, (io) => {
        io.helper('random')
        // The seed is a parameter, or (input 1) a scalar int32 tensor read at run time.
        const seed = node.inputs.length > 1 ? `u32(${io.load(1, '0u')})` : `${(node.params.seed ?? 0) >>> 0}u`
        const scaled = `${io.load(0, 'i')} * ${io.literal(1 / (1 - rate), 'float32')}`
        return `  let keep = uniform01(${seed}, i) >= ${io.literal(rate, 'float32')};\n  ${io.store('i', `select(0.0, ${scaled}, keep)`)}`
      }),
    ],
  }
}
