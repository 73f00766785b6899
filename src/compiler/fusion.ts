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
import type { Node } from '../graph.ts'
import { broadcastIndex, isLiteralNode, literalOf } from './wgsl.ts'

export const EPILOGUE_IDENTITY = 'fn epilogue(i: u32, v: f32) -> f32 { return v; }'

/** An elementwise op as a WGSL expression of its operands' values (operand 0 first). */
export interface ElementwiseRule {
  readonly expr: (node: Node, operands: readonly string[]) => string
  /** Helper functions the expression calls. */
  readonly prelude?: (node: Node) => string | undefined
}

const rules = new Map<string, ElementwiseRule>()

export const defineElementwise = (op: string, rule: ElementwiseRule): void => {
  rules.set(op, rule)
}
export const elementwiseRule = (op: string): ElementwiseRule | undefined => rules.get(op)

/** Whether `consumer` can run as an epilogue of `producer`: float32, same shape, producer is operand 0. */
export const fusable = (producer: Node, consumer: Node): boolean =>
  rules.has(consumer.op) &&
  consumer.inputs[0] === producer &&
  !consumer.inputs.slice(1).includes(producer) &&
  producer.dtype === 'float32' &&
  consumer.dtype === 'float32' &&
  consumer.inputs.every((n) => n.dtype === 'float32') &&
  consumer.shape.length === producer.shape.length &&
  consumer.shape.every((d, i) => d === producer.shape[i])

/** The chain's operands other than the running value, each once: one extra binding apiece. */
export const extraOperands = (chain: readonly Node[]): Node[] => [...new Set(chain.flatMap((node) => node.inputs.slice(1)))].filter((n) => !isLiteralNode(n))

/** Ops whose kernels read a literal node as a WGSL literal (elementwiseOperands), so it needs no buffer. */
export const readsLiterals = (op: string): boolean => rules.has(op) || op === 'where' || op === 'greater' || op === 'less' || op === 'equal'

/**
 * The producer's WGSL with the chain applied in its epilogue. Operand k ≥ 1
 * of the chain's nodes reads binding `firstBinding + j` (j counts the extra
 * operands in chain order), as `extra` lists them.
 */
export const fuseChain = (wgsl: string, chain: readonly Node[], firstBinding: number): { wgsl: string; extra: Node[] } => {
  if (!wgsl.includes(EPILOGUE_IDENTITY)) throw new Error('fuseChain: the producer has no epilogue')
  const extra = extraOperands(chain)
  const preludes = new Set<string>()
  const lines = chain.map((node) => {
    const rule = rules.get(node.op)!
    const prelude = rule.prelude?.(node)
    if (prelude) preludes.add(prelude)
    const operands = node.inputs.map((input, k) =>
      k === 0 ? 'x' : isLiteralNode(input) ? literalOf(input) : `fused${extra.indexOf(input)}[${broadcastIndex(input.shape, node.shape, 'i')}]`,
    )
    return `  x = ${rule.expr(node, operands)};`
  })
  const declarations = extra.map((_, j) => `@group(0) @binding(${firstBinding + j}) var<storage, read> fused${j}: array<f32>;`)
  const epilogue = [`fn epilogue(i: u32, v: f32) -> f32 {`, `  var x = v;`, ...lines, `  return x;`, `}`].join('\n')
  const body = wgsl.replace(EPILOGUE_IDENTITY, [...declarations, ...[...preludes].filter((p) => !wgsl.includes(p)), epilogue].join('\n'))
  return { wgsl: body, extra }
}
