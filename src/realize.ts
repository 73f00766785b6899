/**
 * Materialisation: reading a tensor schedules what it needs, runs it as one
 * plan (one submit) and keeps the results on the device, so later reads and
 * later graphs start from them.
 */
import { consumerCount, detach, keptForDifferentiation, topologicalOrder, whenUnreferenced, type DType, type Node } from './graph.ts'
import { DeviceLostError, getGpu, peekGpu, replacedDeviceLoss } from './runtime/device.ts'
import { execute } from './runtime/executor.ts'
import type { ReadRequest } from './runtime/plan.ts'
import { schedule } from './compiler/schedule.ts'
import { bytesPerElement, DEFAULT_TARGET, type KernelTarget } from './compiler/kernel.ts'
import { sizeOf } from './compiler/wgsl.ts'
import { hasOwner, heldNodes, isHeld } from './memory.ts'
import { withFaultRead } from './faults.ts'
import './ops/kernels.ts'

const emptyOf = (dtype: DType) => (dtype === 'float32' ? new Float32Array(0) : dtype === 'int32' ? new Int32Array(0) : new Uint8Array(0))

/** Layout choices for this adapter: texture operands where read-only storage textures exist on a software rasteriser. */
export const kernelTarget = (info: { software: boolean; readOnlyStorageTextures: boolean; limits: Readonly<Record<string, number>> }): KernelTarget => ({
  textureOperands: process.env.SHAPEWISE_TEXTURE_OPERANDS !== undefined ? process.env.SHAPEWISE_TEXTURE_OPERANDS === '1' : info.software && info.readOnlyStorageTextures,
  maxTextureDimension2D: info.limits.maxTextureDimension2D ?? 8192,
  maxStorageBuffersPerShaderStage: info.limits.maxStorageBuffersPerShaderStage ?? DEFAULT_TARGET.maxStorageBuffersPerShaderStage,
  maxStorageBufferBindingSize: info.limits.maxStorageBufferBindingSize ?? DEFAULT_TARGET.maxStorageBufferBindingSize,
  maxComputeWorkgroupsPerDimension: info.limits.maxComputeWorkgroupsPerDimension ?? DEFAULT_TARGET.maxComputeWorkgroupsPerDimension,
})

/** Device buffers of realized nodes, with the device that holds them. */
const onDevice = new Map<Node, { readonly buffer: GPUBuffer; readonly device: GPUDevice }>()
/** The same nodes by id, for the graph's notice that no node reads one any more. */
const onDeviceById = new Map<number, Node>()
const store = (node: Node, buffer: GPUBuffer, device: GPUDevice) => {
  onDevice.set(node, { buffer, device })
  onDeviceById.set(node.id, node)
}
const unstore = (node: Node) => {
  onDevice.delete(node)
  onDeviceById.delete(node.id)
}

/** A node that cannot be computed again: the output of a compiled step, or a value whose graph was released. */
const unrecomputable = (node: Node) => node.op === 'external'

/**
 * The buffer holding a node's value on the current device. A value held by a
 * device that was lost (and replaced) is forgotten: the node is recomputed
 * from its graph, constants uploaded again.
 */
export const realizedBuffer = (node: Node): GPUBuffer | undefined => {
  const entry = onDevice.get(node)
  if (!entry) return undefined
  if (entry.device === peekGpu()?.device) return entry.buffer
  unstore(node)
  if (unrecomputable(node)) lostExternal.add(node)
  return undefined
}
/** Values without a graph whose device was lost: they cannot be recomputed. */
const lostExternal = new WeakSet<Node>()

const byteLength = (node: Node) => Math.max(4, sizeOf(node.shape) * bytesPerElement(node.dtype))
const readKind = (dtype: DType) => (dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32') as 'f32' | 'i32' | 'u32'
const isRealized = (n: Node) => realizedBuffer(n) !== undefined

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
  const needed = new Set(topologicalOrder(requested, isRealized))
  // Per node outside `needed`: [shares a node with `needed`, depends on a value that cannot be computed].
  const seen = new Map<Node, readonly [boolean, boolean]>()
  const extra = new Set<Node>()
  for (const candidate of heldNodes()) {
    if (needed.has(candidate) || !worthKeeping(candidate) || isRealized(candidate)) continue
    for (const n of topologicalOrder([candidate], (m) => needed.has(m) || seen.has(m) || isRealized(m))) {
      if (seen.has(n)) continue
      if (needed.has(n)) seen.set(n, [true, false])
      else if (isRealized(n)) seen.set(n, [false, false])
      else {
        const inputs = n.inputs.map((i) => seen.get(i)!)
        seen.set(n, [inputs.some(([shares]) => shares), unrecomputable(n) || inputs.some(([, blocked]) => blocked)])
      }
    }
    const [shares, blocked] = seen.get(candidate)!
    if (shares && !blocked) extra.add(candidate)
  }
  const targets = new Set([...requested, ...extra])
  for (const n of extra.size ? topologicalOrder([...targets], isRealized) : needed) if (isHeld(n) && worthKeeping(n)) targets.add(n)
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
  const computed = (n: Node) => kept.has(n) || !isRealized(n)
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
        readElsewhere || stays.has(n) || hasOwner(n) || keptForDifferentiation(n)
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
  const targets = eagerTargets(nodes)
  const graph = topologicalOrder(targets, isRealized)
  const lost = graph.find((n) => unrecomputable(n) && !isRealized(n))
  if (lost && lostExternal.has(lost)) {
    const loss = replacedDeviceLoss()
    throw new DeviceLostError(
      loss?.reason ?? 'unknown',
      `a value with no graph to recompute it from (the output of a compiled step or eager training state whose history was released, shape [${lost.shape.join(', ')}]) was lost with its device and cannot be recomputed; ` +
        "reload the parameters and optimizer state from the last checkpoint (loadCheckpoint from 'shapewise/io') and go on: the next step runs on a new device",
    )
  }
  if (lost) throw new Error(`a value computed earlier (shape [${lost.shape.join(', ')}]) was disposed and cannot be recomputed`)
  const s = schedule(targets, realizedBuffer, isHeld, kernelTarget(gpu.info))
  // Buffers that outlive the plan: targets and uploaded constants get their own device buffers.
  const external = new Map(s.external)
  const kept: [Node, GPUBuffer][] = []
  // Empty tensors have nothing to map back.
  const readable = read ? nodes.filter((n) => sizeOf(n.shape) > 0) : []
  const reads: ReadRequest[] = readable.map((n) => ({ buffer: s.bufferOf.get(n)!, dtype: readKind(n.dtype), length: sizeOf(n.shape) }))
  const { plan, throwFault } = withFaultRead(gpu, s.plan, s.faultBuffer, external, reads, { report: read })
  let results
  try {
    for (const node of s.keep) {
      if (onDevice.has(node)) continue
      const id = s.bufferOf.get(node)!
      if (external.has(id)) continue
      // May throw (a tensor over maxBufferSize): the buffers taken so far go back in the catch.
      const buffer = gpu.storage.acquire(byteLength(node))
      external.set(id, buffer)
      kept.push([node, buffer])
    }
    results = await execute(plan, reads, { buffers: external })
    // Values computed from a bad input are not kept: reading them again recomputes (and reports) them.
    throwFault(results)
  } catch (error) {
    for (const [, buffer] of kept) gpu.storage.release(buffer)
    throw error
  }
  const stored = new Set<Node>()
  for (const [node, buffer] of kept) {
    // Another read of the same node finished first (its buffer stays the node's), or the node's last tensor
    // was disposed while this read was in flight: nothing will read this copy again.
    if (onDevice.has(node) || !hasOwner(node)) gpu.storage.release(buffer)
    else {
      store(node, buffer, gpu.device)
      stored.add(node)
    }
  }
  // A request without a tensor (internal callers) may be built upon later: its graph stays.
  releaseGraphs(graph, stored, nodes.filter((n) => !stored.has(n)))
  if (!read) return []
  const values = new Map(readable.map((n, i) => [n, results[i]]))
  return nodes.map((n) => {
    const r = values.get(n)
    if (!r) return emptyOf(n.dtype)
    return n.dtype === 'bool' ? Uint8Array.from(r as unknown as Uint32Array) : (r as Float32Array | Int32Array)
  })
}

/**
 * Frees the device buffer of a node whose last tensor is gone. A node without
 * a graph keeps its buffer while another node still reads it (it will be
 * freed when the last such node is collected or computed).
 */
export function release(node: Node): void {
  const entry = onDevice.get(node)
  if (!entry) return
  if (unrecomputable(node) && consumerCount(node) > 0) return
  unstore(node)
  const gpu = peekGpu()
  if (gpu?.storage.owns(entry.buffer)) gpu.storage.release(entry.buffer)
}
whenUnreferenced((id) => {
  const node = onDeviceById.get(id)
  if (node && !hasOwner(node)) release(node)
})

/** Makes `buffer` (from the storage pool) the device value of `node`. */
export const adopt = (node: Node, buffer: GPUBuffer): void => {
  const device = peekGpu()?.device
  if (!device) throw new Error('adopt: no device')
  store(node, buffer, device)
}

/** Drops a node's device value without freeing its buffer (the buffer now belongs to another node). */
export const forget = (node: Node): void => {
  unstore(node)
}

/** Number of nodes currently held on the device. */
export const realizedCount = (): number => onDevice.size
