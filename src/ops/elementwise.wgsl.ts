/** WGSL of the elementwise ops: one invocation per output element, broadcasting by index arithmetic. */
import type { NodeBase, NodeOf } from '../graph.ts'
import type { Lowering } from '../compiler/kernel.ts'
import { EPILOGUE_IDENTITY } from '../compiler/fusion.ts'
import type { Primitive } from '../core/params.ts'
import type { ElementwiseRule } from '../core/primitive.ts'
import { elementwiseKernel, elementwiseOperands, operandKernel, isLiteralNode, literal } from '../compiler/wgsl.ts'
import { hashWgsl } from './random.wgsl.ts'

// erf by Abramowitz & Stegun 7.1.26 is only good to 1.5e-7 absolute; this
// rational form (W. J. Cody style, 5 terms) keeps gelu within float32 noise.
export const erfWgsl = `
fn erf_approx(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.5 * a);
  let y = 1.0 - t * exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(-y, y, x >= 0.0);
}`

// tanh through exp(-2|x|) never overflows, unlike the textbook (e^x − e^−x)/(e^x + e^−x).
export const tanhWgsl = `
fn tanh_stable(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}`

/** A unary elementwise op as one WGSL expression of `x`, with the helper functions it calls. */
export interface UnaryBody {
  readonly expr: string
  readonly prelude?: string
}

export const unaryBodies = {
  // NaN must pass through as in PyTorch. Mesa folds select(x, 0, x < 0) into a max() that drops NaN
  // on llvmpipe (relu(NaN) came out 0), so the comparison is guarded explicitly.
  relu: () => ({ expr: 'select(x, 0.0, x < 0.0 && x == x)' }),
  leakyRelu: (n: NodeOf<'leakyRelu'>) => ({ expr: `select(x, x * ${literal(n.params.negativeSlope, 'float32')}, x < 0.0)` }),
  sigmoid: () => ({ expr: '1.0 / (1.0 + exp(-x))' }),
  tanh: () => ({ expr: 'tanh_stable(x)', prelude: tanhWgsl }),
  gelu: (n: NodeOf<'gelu'>): UnaryBody =>
    n.params.approximate === 'tanh'
      ? { expr: '0.5 * x * (1.0 + tanh_stable(0.7978845608028654 * (x + 0.044715 * x * x * x)))', prelude: tanhWgsl }
      : { expr: '0.5 * x * (1.0 + erf_approx(x * 0.7071067811865476))', prelude: erfWgsl },
  exp: () => ({ expr: 'exp(x)' }),
  log: () => ({ expr: 'log(x)' }),
  sqrt: () => ({ expr: 'sqrt(x)' }),
  abs: () => ({ expr: 'abs(x)' }),
  neg: () => ({ expr: '-x' }),
  erf: () => ({ expr: 'erf_approx(x)', prelude: erfWgsl }),
} satisfies { readonly [P in Primitive]?: (node: NodeOf<P>) => UnaryBody }

/** Input 0 is bound (not a literal), has the output's type and is read at the output's own index. */
const readsInputInPlace = (node: NodeBase) => {
  const a = node.inputs[0]
  return !isLiteralNode(a) && a.dtype === node.dtype && a.shape.length === node.shape.length && a.shape.every((d, k) => d === node.shape[k])
}

/** An expression with its variables (whole words) replaced by operand expressions, in one pass. */
const substitute = (expr: string, values: Record<string, string>) =>
  expr.replaceAll(new RegExp(`\\b(${Object.keys(values).join('|')})\\b`, 'g'), (v) => `(${values[v]})`)

// Each op is one expression: its ElementwiseRule lets the compiler fuse it into a producer's epilogue.
/** The fusion rule of a unary op written as `body`. */
export const unaryElementwise = <P extends Primitive>(body: (node: NodeOf<P>) => UnaryBody): ElementwiseRule<P> => ({
  expr: (node, [x]) => `(${substitute(body(node).expr, { x })})`,
  prelude: (node) => body(node).prelude,
})
/** The kernel of a unary op written as `body`: one invocation per element, fusable after. */
export const unaryLowering = <P extends Primitive>(body: (node: NodeOf<P>) => UnaryBody) => (node: NodeOf<P>): Lowering => {
    const { expr, prelude } = body(node)
    const store = node.dtype === 'float32' ? `out[i] = epilogue(i, ${expr});` : `out[i] = ${expr};`
    const kernel = operandKernel(node, `  let x = ${elementwiseOperands(node).read(0)};\n  ${store}`, [prelude ?? '', EPILOGUE_IDENTITY].join('\n'))
    return { steps: [{ ...kernel, epilogue: node.dtype === 'float32', inPlace: readsInputInPlace(node) }] }
}

export const binaryExprs = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  // NaN in either operand wins, as torch.maximum/minimum do.
  maximum: 'select(select(b, a, a > b), a + b, a != a || b != b)',
  minimum: 'select(select(b, a, a < b), a + b, a != a || b != b)',
  pow: 'pow(a, b)',
  greater: 'u32(a > b)',
  less: 'u32(a < b)',
  equal: 'u32(a == b)',
} as const satisfies { readonly [P in Primitive]?: string }

/** The fusion rule of a binary arithmetic op (comparisons give bool, so they do not fuse). */
export const binaryElementwise = <P extends Primitive>(expr: string): ElementwiseRule<P> => ({ expr: (_, [a, b]) => `(${substitute(expr, { a, b })})` })
/** The kernel of a binary op written as `expr` of `a` and `b`, broadcasting by index. */
export const binaryLowering = (expr: string) => (node: NodeBase): Lowering => {
    const fused = node.dtype === 'float32'
    const { read } = elementwiseOperands(node)
    const body = `  let a = ${read(0)};\n  let b = ${read(1)};\n  out[i] = ${fused ? `epilogue(i, ${expr})` : expr};`
    return { steps: [{ ...operandKernel(node, body, fused ? EPILOGUE_IDENTITY : ''), epilogue: fused, inPlace: readsInputInPlace(node) }] }
}

// Conversions as PyTorch's `.to(dtype)`: float → int rounds toward zero, x → bool is x != 0
// (NaN is true), bool → number is 0 or 1. bool is stored as u32.
const castExprs: Record<string, (x: string) => string> = {
  'int32→float32': (x) => `f32(${x})`,
  'bool→float32': (x) => `f32(${x})`,
  'float32→int32': (x) => `i32(${x})`,
  'bool→int32': (x) => `i32(${x})`,
  'float32→bool': (x) => `u32(${x} != 0.0)`,
  'int32→bool': (x) => `u32(${x} != 0i)`,
}
export const lowerCast = (node: NodeOf<'cast'>): Lowering => {
  const { read } = elementwiseOperands(node)
  const convert = castExprs[`${node.inputs[0].dtype}→${node.dtype}`]
  if (!convert) throw new Error(`cast: no conversion from ${node.inputs[0].dtype} to ${node.dtype}`)
  return { steps: [operandKernel(node, `  out[i] = ${convert(read(0))};`)] }
}

export const lowerWhere = (node: NodeOf<'where'>): Lowering => {
  const { read } = elementwiseOperands(node)
  return { steps: [operandKernel(node, `  out[i] = select(${read(2)}, ${read(1)}, ${read(0)} != 0u);`)] }
}

export const lowerDropout = (node: NodeOf<'dropout'>): Lowering => {
  const rate = node.params.rate
  // The seed is an attribute, or (input 1) a scalar int32 tensor read at run time.
  const seed = node.inputs.length > 1 ? 'u32(in1[0])' : `${(node.params.seed ?? 0) >>> 0}u`
  const body = `  let keep = uniform01(${seed}, i) >= ${literal(rate, 'float32')};\n  out[i] = select(0.0, in0[i] * ${literal(1 / (1 - rate), 'float32')}, keep);`
  return { steps: [elementwiseKernel(node, body, hashWgsl)] }
}
