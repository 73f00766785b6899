/** Small WGSL building blocks shared by the kernel emitters. */
import type { DType, Node, NodeBase } from '../graph.ts'
import { wgslType, type KernelBinding } from './kernel.ts'

export const WORKGROUP = 64
const MAX_GROUPS = 65535

/** Workgroup counts covering `threads` invocations of a 1-D kernel (spilling into y past 65535 groups). */
export const grid1d = (threads: number): readonly [number, number, number] => {
  const groups = Math.max(1, Math.ceil(threads / WORKGROUP))
  return groups <= MAX_GROUPS ? [groups, 1, 1] : [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS), 1]
}

/** The flat invocation index of a kernel dispatched with grid1d(threads). */
export const flatIndex = (threads: number): string => {
  const [x] = grid1d(threads)
  return `gid.x + gid.y * ${x * WORKGROUP}u`
}

/**
 * Bit patterns of NaN and ±Infinity behind a `var`: Tint folds
 * `bitcast<f32>(0x7f800000u)` at compile time and rejects the non-finite
 * result, so these values must only exist at run time.
 */
export const NON_FINITE_WGSL = 'var<private> nonFiniteBits: vec3<u32> = vec3<u32>(0x7fc00000u, 0x7f800000u, 0xff800000u);'

/** Storage declarations: inputs read-only (bindings 0..n-1), then the output. */
export const declareIO = (inputs: readonly { dtype: DType }[], out: { dtype: DType }): string =>
  [
    NON_FINITE_WGSL,
    ...inputs.map((t, i) => `@group(0) @binding(${i}) var<storage, read> in${i}: array<${wgslType(t.dtype)}>;`),
    `@group(0) @binding(${inputs.length}) var<storage, read_write> out: array<${wgslType(out.dtype)}>;`,
  ].join('\n')

export const ioBindings = (inputCount: number) => [...Array.from({ length: inputCount }, (_, i) => ({ input: i })), { output: true as const }]

/** Row-major strides of a shape. */
export const stridesOf = (shape: readonly number[]): number[] => {
  const strides = new Array<number>(shape.length)
  let s = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s
    s *= shape[i]
  }
  return strides
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)

/**
 * WGSL computing the flat index into an input of shape `from` that
 * broadcasts to `to`, given the output's flat index in `i`.
 */
export const broadcastIndex = (from: readonly number[], to: readonly number[], i = 'i'): string => {
  if (from.length === to.length && from.every((d, k) => d === to[k])) return i
  const outStrides = stridesOf(to)
  const inStrides = stridesOf(from)
  const offset = to.length - from.length
  const terms = from
    .map((d, k) => (d === 1 ? '' : `((${i} / ${outStrides[k + offset]}u) % ${to[k + offset]}u) * ${inStrides[k]}u`))
    .filter((t) => t !== '')
  return terms.length === 0 ? '0u' : terms.join(' + ')
}

/** A literal of the node's element type. */
export const literal = (value: number, dtype: DType): string => {
  if (dtype === 'float32') {
    // Needs NON_FINITE_WGSL in the module (declareIO includes it).
    if (Number.isNaN(value)) return 'bitcast<f32>(nonFiniteBits.x)'
    if (value === Infinity) return 'bitcast<f32>(nonFiniteBits.y)'
    if (value === -Infinity) return 'bitcast<f32>(nonFiniteBits.z)'
    // JavaScript writes |v| ≥ 1e21 in exponent form ('3e+38'), which is already a float literal: '.0' after it is a syntax error.
    const text = String(value)
    return /[.e]/.test(text) ? text : `${text}.0`
  }
  return dtype === 'int32' ? `${Math.trunc(value)}i` : `${value ? 1 : 0}u`
}

/**
 * A node whose value is one number: a fill, or a one-element constant (the
 * scalars of `mul(x, 0.5)`). Elementwise kernels read it as a WGSL literal
 * instead of a binding, so it costs no buffer, upload or kernel.
 */
export const isLiteralNode = (node: Node): boolean =>
  node.dtype !== 'bool' && (node.op === 'fill' || (node.op === 'constant' && sizeOf(node.shape) === 1))

export const literalOf = (node: Node): string =>
  literal(node.op === 'fill' ? node.params.value : (node.data![0] as number), node.dtype)

/**
 * The operands of an elementwise node: a literal for a literal node, else a
 * read of binding `in{k}` at the broadcast index. Bound inputs come first, in
 * order, then the output.
 */
export const elementwiseOperands = (node: NodeBase) => {
  const bound = node.inputs.map((input, k) => [input, k] as const).filter(([input]) => !isLiteralNode(input))
  const declarations = [
    NON_FINITE_WGSL,
    ...bound.map(([input, k], b) => `@group(0) @binding(${b}) var<storage, read> in${k}: array<${wgslType(input.dtype)}>;`),
    `@group(0) @binding(${bound.length}) var<storage, read_write> out: array<${wgslType(node.dtype)}>;`,
  ].join('\n')
  const read = (k: number) => {
    const input = node.inputs[k]
    return isLiteralNode(input) ? literalOf(input) : `in${k}[${broadcastIndex(input.shape, node.shape)}]`
  }
  const bindings = [...bound.map(([, k]) => ({ input: k })), { output: true as const }]
  return { declarations, read, bindings }
}

/** One invocation per output element of `node`: `body` runs with the flat index in `i`. */
const perElement = (node: NodeBase, declarations: string, bindings: KernelBinding[], body: string, prelude: string) => {
  const total = sizeOf(node.shape)
  return {
    wgsl: `${declarations}
${prelude}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = ${flatIndex(total)};
  if (i >= ${total}u) { return; }
${body}
}`,
    workgroups: grid1d(total),
    bindings,
  }
}

/** An elementwise kernel whose operands come from elementwiseOperands (literal nodes are not bound). */
export const operandKernel = (node: NodeBase, body: string, prelude = '') => {
  const { declarations, bindings } = elementwiseOperands(node)
  return perElement(node, declarations, bindings, body, prelude)
}

/** An elementwise kernel binding every input, `in0…`, then `out`. */
export const elementwiseKernel = (node: NodeBase, body: string, prelude = '') =>
  perElement(node, declareIO(node.inputs, node), ioBindings(node.inputs.length), body, prelude)
