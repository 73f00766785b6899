/** The shape of a vector-Jacobian rule, and the table every op must appear in. */
import type { Node } from '../graph.ts'
import type { OpName } from '../ops/names.ts'
import type { AnyTensor } from '../tree.ts'

export interface VjpContext {
  readonly node: Node
  /** The op's inputs, as tensors. */
  readonly inputs: readonly AnyTensor[]
  /** The op's output (reuse it: e.g. sigmoid' = y(1 − y)). */
  readonly output: AnyTensor
  /** The cotangent of the output. */
  readonly dy: AnyTensor
}

/** Cotangents of the inputs (null where an input has none, e.g. int labels). */
export type VjpRule = (ctx: VjpContext) => readonly (AnyTensor | null)[]

/**
 * A rule for every op: the table's type lists every OpName, so a new op
 * without a rule does not compile. 'none' marks ops with no gradient
 * (creation, argmax, comparisons, stopGradient).
 */
export type VjpTable<Ops extends OpName = OpName> = { readonly [K in Ops]: VjpRule | 'none' }
