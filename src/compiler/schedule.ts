/**
 * Graph → Plan: the compiler's passes, listed once and run in order over a
 * KernelGraph, then the renderer writing each kernel step's WGSL. Nodes
 * already on the device are leaves.
 */
import type { Node } from '../graph.ts'
import type { Plan, Step } from '../runtime/plan.ts'
import { DEFAULT_TARGET, type KernelTarget } from './kernel.ts'
import { kernelGraph, type KernelGraph } from './kernel-graph.ts'
import { assignBuffers, chooseOperandLayout, fuseEpilogues, fuseViews, foldLiterals, inlineElementwise, lower, planInPlace, type Pass } from './passes.ts'
import { chainEpilogue } from './fusion.ts'
import { dispatchesWithinBindingLimit } from './split.ts'

export { deviceData } from './passes.ts'

export interface Schedule {
  readonly plan: Plan
  /** The plan buffer holding each requested node (and each uploaded constant). */
  readonly bufferOf: ReadonlyMap<Node, number>
  /** Plan buffers bound to device buffers that outlive the plan (already realized nodes). */
  readonly external: ReadonlyMap<number, GPUBuffer>
  /** Nodes whose buffer must be kept after the plan: the targets and the uploaded constants. */
  readonly keep: readonly Node[]
  /** Nodes computed into the buffer of a donated input (the input they overwrote). */
  readonly inPlace: ReadonlyMap<Node, Node>
  /** The plan buffer kernels record faults in (bind the device's fault buffer to it), if any kernel checks its inputs. */
  readonly faultBuffer?: number
  readonly dispatches: number
}

/** The compiler, in order: each pass decides one thing (see passes.ts) and is tested alone (tests/compiler/passes.test.ts). */
export const PASSES: readonly (readonly [string, Pass])[] = [
  ['fold literals', foldLiterals],
  ['inline elementwise', inlineElementwise],
  ['lower', lower],
  ['choose operand layout', chooseOperandLayout],
  ['fuse views', fuseViews],
  ['fuse epilogues', fuseEpilogues],
  ['plan in-place', planInPlace],
  ['assign buffers', assignBuffers],
]

export const runPasses = (g: KernelGraph, passes: readonly (readonly [string, Pass])[] = PASSES): KernelGraph => passes.reduce((graph, [, pass]) => pass(graph), g)

/** The plan of an assigned graph: every kernel step rendered to WGSL with its bindings (in windows where a binding is over the storage-binding limit: see split.ts). */
export const toSchedule = (g: KernelGraph): Schedule => {
  const a = g.assignment
  if (!a) throw new Error('toSchedule: the graph has no buffers assigned (run the assign-buffers pass first)')
  let dispatches = 0
  const steps = a.steps.flatMap((s): Step[] => {
    if (s.kind !== 'kernel') return [s]
    const options = {
      target: g.ctx.target,
      operands: s.operands,
      output: s.output,
      epilogue: s.chain.length ? chainEpilogue(s.chain, (n) => g.inlined.has(n)) : undefined,
      inPlace: s.inPlace,
      views: s.views,
    }
    const rendered = dispatchesWithinBindingLimit(s.step, options, s.bind, (buffer) => a.buffers[buffer].bytes, s.label)
    dispatches += rendered.length
    return rendered
  })
  const { buffers, textures, bufferOf, external, keep, inPlace, faultBuffer } = a
  return { plan: { buffers: [...buffers], textures: [...textures], steps }, bufferOf, external, keep, inPlace, faultBuffer, dispatches }
}

/**
 * @param realized the device buffer of a node already computed, if any
 * @param keepConstant whether an uploaded constant should stay on the device (it has a live tensor)
 * @param donated inputs whose buffers the plan may overwrite
 */
export const schedule = (
  targets: readonly Node[],
  realized: (n: Node) => GPUBuffer | undefined,
  keepConstant: (n: Node) => boolean = () => true,
  target: KernelTarget = DEFAULT_TARGET,
  donated: ReadonlySet<Node> = new Set(),
): Schedule => toSchedule(runPasses(kernelGraph(targets, { realized, keepConstant, target, donated })))
