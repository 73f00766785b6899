/**
 * The graph the compiler's passes rewrite: the nodes a request needs, in
 * topological order, and what each pass has decided about them so far.
 * Every pass is `(graph) => graph` and fills in one field (see passes.ts).
 */
import { topologicalOrder, type DType, type Node } from '../graph.ts'
import type { Binding, BufferDecl, Step, TextureDecl } from '../runtime/plan.ts'
import type { Expr, ExprIO, KernelBinding, KernelLowering, KernelStep, KernelTarget } from './kernel.ts'

export interface CompileContext {
  /** The device buffer of a node already computed, if any (a leaf of this compile). */
  readonly realized: (n: Node) => GPUBuffer | undefined
  /** Whether an uploaded constant should stay on the device (it has a live tensor). */
  readonly keepConstant: (n: Node) => boolean
  readonly target: KernelTarget
  /** Inputs whose buffers the plan may overwrite (a jitted function's donated arguments). */
  readonly donated: ReadonlySet<Node>
}

/** How one node runs, as the lower pass decided. */
export type NodeLowering =
  /** Already on the device: bound, not computed. */
  | { readonly realized: GPUBuffer }
  /** Host data uploaded into its buffer (constants; the values of ops over empty operands). */
  | { readonly upload: ArrayBufferView; readonly keep: boolean }
  /** No elements: a placeholder buffer, no step. */
  | { readonly placeholder: true }
  /** A view of input `alias`: its buffer, no work. */
  | { readonly alias: number }
  /** Kernel steps; `{ input: k }` bindings refer to `operands[k]`. */
  | { readonly kernel: KernelLowering; readonly operands: readonly Node[] }

/** Where a routine reads one heavy operand from. */
export type OperandLayout = 'texture' | 'buffer'

/** How a kernel reads element `index` of a fused view: through `load`, a read of its source's buffer. */
export type ViewRead = (index: Expr, load: (sourceIndex: Expr) => Expr, io: ExprIO) => Expr

/** A node that is read, not computed: element i of it is `read(i, …)` of `source`, which has a buffer. */
export interface FusedView {
  readonly source: Node
  readonly read: ViewRead
}

export interface KernelGraph {
  readonly ctx: CompileContext
  readonly targets: readonly Node[]
  /** The nodes to schedule, in topological order; realized nodes are leaves. */
  readonly order: readonly Node[]
  /** The consumers of each node among the unrealized nodes, one entry per use. */
  readonly consumers: ReadonlyMap<Node, readonly Node[]>
  /** fold literals: scalars every consumer reads as a WGSL literal; never materialised. */
  readonly literals: ReadonlySet<Node>
  /** inline elementwise: nodes computed inside their one consumer's expression. */
  readonly inlined: ReadonlySet<Node>
  /** lower: how each remaining node runs. */
  readonly lowered: ReadonlyMap<Node, NodeLowering>
  /** choose operand layout: how each routine that offered textures reads its heavy operands (its lowering in `lowered` follows it). */
  readonly operandLayouts: ReadonlyMap<Node, readonly OperandLayout[]>
  /** fuse views: movement nodes (and views of them) read through index maps in their consumers' loads; no kernel, no buffer. */
  readonly views: ReadonlyMap<Node, FusedView>
  /** fuse epilogues: producer → the elementwise chain computed in its last step's stores. */
  readonly chains: ReadonlyMap<Node, readonly Node[]>
  /** plan in-place: producer → the donated input whose buffer its kernel overwrites. */
  readonly overwrites: ReadonlyMap<Node, Node>
  /** assign buffers: the plan's buffers and steps, kernel steps still as IR (rendered last). */
  readonly assignment?: Assignment
}

/** A kernel step with its buffers assigned, to be rendered. */
export interface PendingKernel {
  readonly kind: 'kernel'
  readonly step: KernelStep
  /** The nodes its `{ input: k }` bindings read. */
  readonly operands: readonly Node[]
  readonly output: DType
  /** The elementwise chain fused into its stores (empty if none). */
  readonly chain: readonly Node[]
  /** It overwrites operand 0's buffer. */
  readonly inPlace: boolean
  /** How each operand bound through a fused view (by `{ input: k }` number) is read, if any. */
  readonly views: readonly (ViewRead | undefined)[]
  /** The plan binding of each kernel binding (`{ input: k }` past the operands: the chain's operands). */
  readonly bind: (b: KernelBinding) => Binding
  readonly label: string
}

export interface Assignment {
  readonly buffers: readonly BufferDecl[]
  readonly textures: readonly TextureDecl[]
  readonly steps: readonly (Step | PendingKernel)[]
  readonly bufferOf: ReadonlyMap<Node, number>
  readonly external: ReadonlyMap<number, GPUBuffer>
  readonly keep: readonly Node[]
  readonly inPlace: ReadonlyMap<Node, Node>
  readonly faultBuffer?: number
}

/** The graph of `targets` before any pass. */
export const kernelGraph = (targets: readonly Node[], ctx: CompileContext): KernelGraph => {
  const order = topologicalOrder(targets, (n) => ctx.realized(n) !== undefined)
  const consumers = new Map<Node, Node[]>()
  for (const node of order)
    if (!ctx.realized(node)) for (const input of node.inputs) consumers.set(input, [...(consumers.get(input) ?? []), node])
  return { ctx, targets, order, consumers, literals: new Set(), inlined: new Set(), lowered: new Map(), operandLayouts: new Map(), views: new Map(), chains: new Map(), overwrites: new Map() }
}

/** How many times unrealized nodes read `node`. */
export const usesOf = (g: KernelGraph, node: Node): number => g.consumers.get(node)?.length ?? 0

/** The one consumer of a node read once (the last one otherwise). */
export const consumerOf = (g: KernelGraph, node: Node): Node | undefined => g.consumers.get(node)?.at(-1)

/** Nodes the compiler computes inside another node's kernel: in a chain after their producer. */
export const fusedNodes = (g: KernelGraph): Map<Node, Node> => {
  const producerOf = new Map<Node, Node>()
  for (const [producer, chain] of g.chains) for (const link of chain) producerOf.set(link, producer)
  return producerOf
}

/** Events of walking the plan in order, as the buffers see them. */
export interface WalkVisitor {
  /** `node` runs now (it is not a literal, inlined or fused); `remaining(n)` counts the reads of n still to come, this node's included. */
  readonly run?: (node: Node, remaining: (n: Node) => number) => void
  /** No reads of `node` are left (it may be released). */
  readonly lastUse?: (node: Node) => void
}

/**
 * Walks the nodes that run, in order, counting down the reads of each node
 * as its consumers run: an inlined operand is read through its own operands
 * when its consumer runs, a fused view holds its source until its own last
 * reader has run, and a fused link's other operands are read when its turn
 * in the order comes (its producer's kernel read them). Shared by the
 * in-place planner and the buffer assignment, so both agree on when a buffer
 * is last read.
 */
export const walk = (g: KernelGraph, visit: WalkVisitor): void => {
  const remaining = new Map<Node, number>()
  for (const [node, users] of g.consumers) remaining.set(node, users.length)
  const producerOf = fusedNodes(g)
  // Producers and every link but the last of their chains never exist in memory.
  const chainLinks = new Set<Node>()
  for (const [producer, chain] of g.chains) for (const link of [producer, ...chain.slice(0, -1)]) chainLinks.add(link)
  const doneWith = (input: Node): void => {
    if (g.literals.has(input)) return
    if (g.inlined.has(input)) return input.inputs.forEach(doneWith)
    const left = (remaining.get(input) ?? 1) - 1
    remaining.set(input, left)
    if (left === 0) {
      if (g.views.has(input)) doneWith(input.inputs[0])
      else visit.lastUse?.(input)
    }
  }
  for (const node of g.order) {
    if (g.literals.has(node) || g.inlined.has(node) || g.views.has(node)) continue
    if (producerOf.has(node)) {
      for (const input of node.inputs) if (!chainLinks.has(input)) doneWith(input)
      continue
    }
    visit.run?.(node, (n) => remaining.get(n) ?? 0)
    if (!g.ctx.realized(node)) for (const input of node.inputs) doneWith(input)
  }
}
