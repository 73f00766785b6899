/**
 * Epilogue fusion: an elementwise chain after a producer (conv + bias +
 * relu, matmul + add, relu after an add) runs inside the producer's kernel
 * instead of as kernels of its own, saving a dispatch and a round trip of
 * the whole tensor through memory per fused op.
 *
 * The contract: a producer step marked `epilogue: true` includes
 * EPILOGUE_IDENTITY in its WGSL and writes every output element as
 * `out[i] = epilogue(i, value)`, i being the element's flat index. Fusion
 * rewrites that function to apply the chain, reading the chain's other
 * operands through extra read-only bindings appended after the step's own.
 */
import type { Node, NodeOf } from '../graph.ts'
import type { Primitive } from '../core/params.ts'
import type { ElementwiseRule } from '../core/primitive.ts'
import { broadcastIndex, isLiteralNode, literalOf, flatIndex, NON_FINITE_WGSL, WORKGROUP } from './wgsl.ts'

export const EPILOGUE_IDENTITY = 'fn epilogue(i: u32, v: f32) -> f32 { return v; }'

export type { ElementwiseRule }

/** The expression a node's primitive fuses as, when it is an elementwise one (see PrimitiveDef.elementwise). */
export const elementwiseRule = <P extends Primitive>(node: NodeOf<P>): ElementwiseRule<P> | undefined => node.primitive.elementwise
const rules = { has: (node: Node) => elementwiseRule(node) !== undefined, get: elementwiseRule }

/** Whether `consumer` can run as an epilogue of `producer`: float32, same shape, producer is operand 0. */
export const fusable = (producer: Node, consumer: Node): boolean =>
  rules.has(consumer) &&
  consumer.inputs[0] === producer &&
  !consumer.inputs.slice(1).includes(producer) &&
  producer.dtype === 'float32' &&
  consumer.dtype === 'float32' &&
  consumer.inputs.every((n) => n.dtype === 'float32') &&
  consumer.shape.length === producer.shape.length &&
  consumer.shape.every((d, i) => d === producer.shape[i])

/** Which operands are computed inline where they are read (single-use elementwise side operands). */
export type Inlined = (node: Node) => boolean
const never: Inlined = () => false

/** The bound operands read by operand nodes `inputs`, through inlined ones, each once and in order. */
export const leavesOf = (inputs: readonly Node[], inlined: Inlined, into: Node[] = []): Node[] => {
  for (const n of inputs) {
    if (isLiteralNode(n)) continue
    if (inlined(n)) leavesOf(n.inputs, inlined, into)
    else if (!into.includes(n)) into.push(n)
  }
  return into
}

/** The chain's operands other than the running value, each once: one extra binding apiece. */
export const extraOperands = (chain: readonly Node[], inlined: Inlined = never): Node[] =>
  leavesOf(chain.flatMap((node) => node.inputs.slice(1)), inlined)

/**
 * The WGSL value of `input` at element i of a tensor of shape `at`: a
 * literal, an inlined expression (its operands recursively), or a read of a
 * bound operand through `name`.
 */
const operandValue = (input: Node, at: readonly number[], inlined: Inlined, name: (n: Node) => string, preludes: Set<string>): string => {
  if (isLiteralNode(input)) return literalOf(input)
  if (inlined(input)) {
    const rule = rules.get(input)!
    const prelude = rule.prelude?.(input)
    if (prelude) preludes.add(prelude)
    return rule.expr(input, input.inputs.map((operand) => operandValue(operand, input.shape, inlined, name, preludes)))
  }
  return `${name(input)}[${broadcastIndex(input.shape, at, 'i')}]`
}

/** Ops whose kernels read a literal node as a WGSL literal (elementwiseOperands), so it needs no buffer. */
export const readsLiterals = (node: Node): boolean => rules.has(node) || node.op === 'where' || node.op === 'greater' || node.op === 'less' || node.op === 'equal'

/**
 * The producer's WGSL with the chain applied in its epilogue. Operand k ≥ 1
 * of the chain's nodes reads binding `firstBinding + j` (j counts the extra
 * operands in chain order), as `extra` lists them; inlined operands are
 * computed in place from theirs.
 */
export const fuseChain = (wgsl: string, chain: readonly Node[], firstBinding: number, inlined: Inlined = never): { wgsl: string; extra: Node[] } => {
  if (!wgsl.includes(EPILOGUE_IDENTITY)) throw new Error('fuseChain: the producer has no epilogue')
  const extra = extraOperands(chain, inlined)
  const preludes = new Set<string>()
  const name = (n: Node) => `fused${extra.indexOf(n)}`
  const lines = chain.map((node) => {
    const rule = rules.get(node)!
    const prelude = rule.prelude?.(node)
    if (prelude) preludes.add(prelude)
    const operands = node.inputs.map((input, k) => (k === 0 ? 'x' : operandValue(input, node.shape, inlined, name, preludes)))
    return `  x = ${rule.expr(node, operands)};`
  })
  const declarations = extra.map((_, j) => `@group(0) @binding(${firstBinding + j}) var<storage, read> fused${j}: array<f32>;`)
  const epilogue = [`fn epilogue(i: u32, v: f32) -> f32 {`, `  var x = v;`, ...lines, `  return x;`, `}`].join('\n')
  const body = wgsl.replace(EPILOGUE_IDENTITY, [...declarations, ...[...preludes].filter((p) => !wgsl.includes(p)), epilogue].join('\n'))
  return { wgsl: body, extra }
}

/**
 * A kernel computing elementwise `root` with inlined operands, written by the
 * compiler rather than the op's emitter. Operand 0, when bound, is `in0` at
 * binding 0 (so the kernel can run in place); the other bound operands follow.
 */
export const expressionKernel = (root: Node, inlined: Inlined): { wgsl: string; operands: Node[]; total: number; inPlace: boolean } => {
  const first = root.inputs[0]
  const firstBound = !isLiteralNode(first) && !inlined(first)
  const rest = leavesOf(root.inputs, inlined).filter((n) => !(firstBound && n === first))
  const operands = firstBound ? [first, ...rest] : rest
  const preludes = new Set<string>()
  // Not `fused…`: an epilogue chain fused after this kernel declares those.
  const name = (n: Node) => (firstBound && n === first ? 'in0' : `operand${rest.indexOf(n)}`)
  const rule = rules.get(root)!
  const prelude = rule.prelude?.(root)
  if (prelude) preludes.add(prelude)
  const value = rule.expr(root, root.inputs.map((input) => operandValue(input, root.shape, inlined, name, preludes)))
  const total = root.shape.reduce((a, b) => a * b, 1)
  const declarations = operands.map((n, b) => `@group(0) @binding(${b}) var<storage, read> ${name(n)}: array<f32>;`)
  const wgsl = [
    NON_FINITE_WGSL,
    ...declarations,
    `@group(0) @binding(${operands.length}) var<storage, read_write> out: array<f32>;`,
    ...preludes,
    EPILOGUE_IDENTITY,
    `@compute @workgroup_size(${WORKGROUP})`,
    `fn main(@builtin(global_invocation_id) gid: vec3<u32>) {`,
    `  let i = ${flatIndex(total)};`,
    `  if (i >= ${total}u) { return; }`,
    `  out[i] = epilogue(i, ${value});`,
    `}`,
  ].join('\n')
  const sameShape = first.shape.length === root.shape.length && first.shape.every((d, k) => d === root.shape[k])
  return { wgsl, operands, total, inPlace: firstBound && sameShape && first.dtype === root.dtype }
}
