/**
 * Elementwise ops as expressions, and the kernels the compiler builds from
 * them: an epilogue chain (conv + bias + relu, matmul + add, relu after an
 * add) runs inside its producer's kernel by wrapping the value the producer
 * stores, and single-use elementwise operands are computed inline where they
 * are read. Both save a dispatch and a round trip of the whole tensor
 * through memory per fused op.
 */
import type { Node, NodeOf } from '../graph.ts'
import type { Primitive } from '../core/params.ts'
import type { ElementwiseRule } from '../core/primitive.ts'
import type { Expr, ExprIO, Lowering } from './kernel.ts'
import type { Epilogue } from './render.ts'
import { broadcastIndex, isLiteralNode, literalOf, sameShape, sizeOf } from './wgsl.ts'

export type { ExprIO }

export type { ElementwiseRule }

/** The expression a node's primitive fuses as, when it is an elementwise one (see PrimitiveDef.elementwise). */
export const elementwiseRule = <P extends Primitive>(node: NodeOf<P>): ElementwiseRule<P> | undefined => node.primitive.elementwise
/** `node` as its elementwise expression of `operands` (the caller checked it has one). */
const expressionOf = (node: Node, operands: readonly Expr[], io: ExprIO): Expr => (elementwiseRule(node) as ElementwiseRule<Primitive>).expr(node, operands, io)

/** Whether `consumer` can run as an epilogue of `producer`: float32, same shape, producer is operand 0. */
export const fusable = (producer: Node, consumer: Node): boolean =>
  elementwiseRule(consumer) !== undefined &&
  consumer.inputs[0] === producer &&
  !consumer.inputs.slice(1).includes(producer) &&
  producer.dtype === 'float32' &&
  consumer.dtype === 'float32' &&
  consumer.inputs.every((n) => n.dtype === 'float32') &&
  sameShape(consumer.shape, producer.shape)

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

/** Ops whose kernels read a literal node as a WGSL literal (perElement's inlineLiterals), so it needs no buffer. */
export const readsLiterals = (node: Node): boolean =>
  elementwiseRule(node) !== undefined || node.op === 'where' || node.op === 'greater' || node.op === 'less' || node.op === 'equal'

/**
 * The value of `input` at element i of a tensor of shape `at`: a literal, an
 * inlined expression (its operands recursively), or `read` of a bound leaf.
 */
const operandValue = (input: Node, at: readonly number[], inlined: Inlined, read: (leaf: Node, index: Expr) => Expr, io: ExprIO): Expr => {
  if (isLiteralNode(input)) return literalOf(input, io)
  if (inlined(input))
    return expressionOf(input, input.inputs.map((operand) => operandValue(operand, input.shape, inlined, read, io)), io)
  return read(input, broadcastIndex(input.shape, at, 'i'))
}

/**
 * The epilogue computing `chain` on a producer's stored value; its operand j
 * is `operands[j]`, bound after the producer's own bindings.
 */
export const chainEpilogue = (chain: readonly Node[], inlined: Inlined = never): Epilogue & { readonly extra: readonly Node[] } => {
  const extra = extraOperands(chain, inlined)
  return {
    extra,
    operands: extra.length,
    apply: (io, first) => {
      const read = (leaf: Node, index: Expr) => io.load(first + extra.indexOf(leaf), index)
      return chain.map((node) => {
        const operands = node.inputs.map((input, k) => (k === 0 ? 'x' : operandValue(input, node.shape, inlined, read, io)))
        return `x = ${expressionOf(node, operands, io)};`
      })
    },
  }
}

/**
 * A kernel computing elementwise `root` with inlined operands, written by the
 * compiler rather than the op's emitter. Operand 0, when bound, is operand 0
 * of the kernel (so the kernel can run in place); the other bound leaves follow.
 */
export const expressionLowering = (root: Node, inlined: Inlined): Lowering => {
  const first = root.inputs[0]
  const firstBound = !isLiteralNode(first) && !inlined(first)
  const rest = leavesOf(root.inputs, inlined).filter((n) => !(firstBound && n === first))
  const operands = firstBound ? [first, ...rest] : rest
  return {
    operands,
    steps: [
      {
        label: `shapewise ${root.op} with inlined operands`,
        bindings: [...operands.map((_, k) => ({ input: k })), { output: true as const }],
        dispatch: { threads: sizeOf(root.shape), perOutputElement: true },
        epilogue: true,
        body: (io) => {
          const read = (leaf: Node, index: Expr) => io.load(operands.indexOf(leaf), index)
          return `  ${io.store('i', expressionOf(root, root.inputs.map((input) => operandValue(input, root.shape, inlined, read, io)), io))}`
        },
      },
    ],
  }
}
