/**
 * Materialisation: reading a tensor compiles what it needs into a Program,
 * runs it (one submit) and keeps the results on the device, so later reads and
 * later graphs start from them. This module is the eager policy only: which
 * values a read computes and keeps, and which graphs it releases afterwards;
 * the program and the residency of its values are the runtime's.
 */
import { consumerCount, detach, keptForDifferentiation, topologicalOrder, type DType, type Node } from './graph.ts'
import { DeviceLostError, getGpu, replacedDeviceLoss } from './runtime/device.ts'
import { runProgram } from './runtime/program.ts'
import { hasHandles, heldNodes, hostCopy, isHeld, isResident, unrecomputable, wasLost } from './runtime/residency.ts'
import { hasFaultRecord } from './faults.ts'
import { compileProgram, kernelTarget } from './compiler/program.ts'
import { sizeOf } from './compiler/wgsl.ts'

const emptyOf = (dtype: DType) => (dtype === 'float32' ? new Float32Array(0) : dtype === 'int32' ? new Int32Array(0) : new Uint8Array(0))

/** A value a plan computes and keeps of its own accord: not host data, not empty, computable. */
const worthKeeping = (n: Node) => n.op !== 'constant' && !unrecomputable(n) && sizeOf(n.shape) > 0

/**
 * What a plan computes for a read of `requested`, eager-style: the requested
 * nodes, every tensor the user holds that is not computed yet and whose graph
 * shares a node still to compute with them (the gradients and the updated
 * parameters and optimizer state of the step whose loss is read), and every
 * tensor the user holds inside the graph of those. Each value is then
 * computed once, by the one plan, and kept; the next step starts from it
 * instead of running the history again. A library call's temporaries are not
 * kept (see `libraryCall`), so the compiler still fuses them. A tensor that
 * cannot be computed here (a placeholder of a function being traced) is left
 * alone.
 */
const eagerTargets = (requested: readonly Node[]): Node[] => {
  const needed = new Set(topologicalOrder(requested, isResident))
  // Per node outside `needed`: [shares a node with `needed`, depends on a value that cannot be computed].
  const seen = new Map<Node, readonly [boolean, boolean]>()
  const extra = new Set<Node>()
  for (const candidate of heldNodes()) {
    if (needed.has(candidate) || !worthKeeping(candidate) || isResident(candidate)) continue
    for (const n of topologicalOrder([candidate], (m) => needed.has(m) || seen.has(m) || isResident(m))) {
      if (seen.has(n)) continue
      if (needed.has(n)) seen.set(n, [true, false])
      else if (isResident(n)) seen.set(n, [false, false])
      else {
        const inputs = n.inputs.map((i) => seen.get(i)!)
        seen.set(n, [inputs.some(([shares]) => shares), unrecomputable(n) || inputs.some(([, blocked]) => blocked)])
      }
    }
    const [shares, blocked] = seen.get(candidate)!
    if (shares && !blocked) extra.add(candidate)
  }
  const targets = new Set([...requested, ...extra])
  for (const n of extra.size ? topologicalOrder([...targets], isResident) : needed) if (isHeld(n) && worthKeeping(n)) targets.add(n)
  return [...targets]
}

/**
 * After a plan: the graph behind a value it kept is released (`detach`) when
 * that graph reaches a value computed before (a training loop's parameters,
 * whose own graph reaches the step before, and so on), and so are the nodes
 * computed on the way. A kept value computed from host data alone keeps its
 * graph, which is bounded, so that it can be recomputed (after a device loss,
 * say). A node that something outside the plan still reads (a node built
 * elsewhere, a request without a tensor, a vjp awaiting its cotangent, a
 * tensor that is not kept) stays recomputable, and so does what it needs.
 * Nothing then holds the history of a training loop: old batches, old
 * parameters and old gradients are collected.
 */
const releaseGraphs = (graph: readonly Node[], kept: ReadonlySet<Node>, keepGraphOf: readonly Node[]): void => {
  const inGraph = new Set(graph)
  const computed = (n: Node) => kept.has(n) || !isResident(n)
  // Inputs before consumers: does the node depend on a value computed by an earlier plan?
  const reachesHistory = new Set<Node>()
  const readsInGraph = new Map<Node, number>()
  for (const n of graph) {
    if (!computed(n)) continue
    for (const i of n.inputs) {
      readsInGraph.set(i, (readsInGraph.get(i) ?? 0) + 1)
      if (reachesHistory.has(i) || (!computed(i) && i.op !== 'constant')) reachesHistory.add(n)
    }
  }
  const stays = new Set<Node>(keepGraphOf)
  const detachable: Node[] = []
  // Consumers before their inputs: a node that stays recomputable keeps its inputs recomputable.
  for (const n of [...graph].reverse()) {
    if (n.op === 'constant' || unrecomputable(n) || !computed(n)) continue
    const readElsewhere = consumerCount(n) > (readsInGraph.get(n) ?? 0)
    const keepsGraph = kept.has(n)
      ? !reachesHistory.has(n) || keptForDifferentiation(n)
      : // (A tensor computed here but not kept: disposed meanwhile, or a library call's temporary.)
        readElsewhere || stays.has(n) || hasHandles(n) || keptForDifferentiation(n)
    if (!keepsGraph) detachable.push(n)
    else for (const i of n.inputs) if (inGraph.has(i)) stays.add(i)
  }
  for (const n of detachable) detach(n)
}

/**
 * Runs what `nodes` need and returns their values (none with `read: false`);
 * the nodes stay realized on the device.
 */
export async function realize(nodes: readonly Node[], { read = true }: { readonly read?: boolean } = {}): Promise<(Float32Array | Int32Array | Uint8Array)[]> {
  if (nodes.every((n) => sizeOf(n.shape) === 0)) return nodes.map((n) => emptyOf(n.dtype))
  const gpu = await getGpu()
  // Values read back with the run that computed them (a jitted call's small results) need no plan,
  // unless a fault may be pending on the device: this read must report it.
  if (read && !hasFaultRecord(gpu)) {
    const copies = nodes.map((n) => (sizeOf(n.shape) === 0 ? emptyOf(n.dtype) : n.dtype === 'bool' ? undefined : hostCopy(n)))
    if (copies.every((c) => c !== undefined)) return copies
  }
  const targets = eagerTargets(nodes)
  const graph = topologicalOrder(targets, isResident)
  const lost = graph.find((n) => unrecomputable(n) && !isResident(n))
  if (lost && wasLost(lost)) {
    const loss = replacedDeviceLoss()
    throw new DeviceLostError(
      loss?.reason ?? 'unknown',
      `a value with no graph to recompute it from (the output of a compiled step or eager training state whose history was released, shape [${lost.shape.join(', ')}]) was lost with its device and cannot be recomputed; ` +
        "reload the parameters and optimizer state from the last checkpoint (loadCheckpoint from 'shapewise/io') and go on: the next step runs on a new device",
    )
  }
  if (lost) throw new Error(`a value computed earlier (shape [${lost.shape.join(', ')}]) was disposed and cannot be recomputed`)
  // Empty tensors have nothing to map back.
  const readable = read ? nodes.filter((n) => sizeOf(n.shape) > 0) : []
  const program = compileProgram({ keep: targets, keepUploads: isHeld, read: readable, target: kernelTarget(gpu.info) })
  const { values: results, kept } = await runProgram(gpu, program, { report: read })
  // A request without a tensor (internal callers) may be built upon later: its graph stays.
  releaseGraphs(graph, kept, nodes.filter((n) => !kept.has(n)))
  if (!read) return []
  const values = new Map(readable.map((n, i) => [n, results[i]]))
  return nodes.map((n) => {
    const r = values.get(n)
    if (!r) return emptyOf(n.dtype)
    return n.dtype === 'bool' ? Uint8Array.from(r as unknown as Uint32Array) : (r as Float32Array | Int32Array)
  })
}
