/**
 * Materialisation: reading a tensor schedules what it needs, runs it as one
 * plan (one submit) and keeps the results on the device, so later reads and
 * later graphs start from them.
 */
import type { DType, Node } from './graph.ts'
import { getGpu, peekGpu } from './runtime/device.ts'
import { execute } from './runtime/executor.ts'
import type { ReadRequest } from './runtime/plan.ts'
import { schedule } from './compiler/schedule.ts'
import { bytesPerElement, type KernelTarget } from './compiler/kernel.ts'
import { sizeOf } from './compiler/wgsl.ts'
import { hasOwner } from './memory.ts'
import './ops/kernels.ts'

const emptyOf = (dtype: DType) => (dtype === 'float32' ? new Float32Array(0) : dtype === 'int32' ? new Int32Array(0) : new Uint8Array(0))

/** Layout choices for this adapter: texture operands where read-only storage textures exist on a software rasteriser. */
export const kernelTarget = (info: { software: boolean; readOnlyStorageTextures: boolean; limits: Readonly<Record<string, number>> }): KernelTarget => ({
  textureOperands: process.env.SHAPEWISE_TEXTURE_OPERANDS !== undefined ? process.env.SHAPEWISE_TEXTURE_OPERANDS === '1' : info.software && info.readOnlyStorageTextures,
  maxTextureDimension2D: info.limits.maxTextureDimension2D ?? 8192,
  maxStorageBuffersPerShaderStage: info.limits.maxStorageBuffersPerShaderStage ?? 8,
})

/** Device buffers of realized nodes, with the device that holds them. */
const onDevice = new Map<Node, { readonly buffer: GPUBuffer; readonly device: GPUDevice }>()

/**
 * The buffer holding a node's value on the current device. A value held by a
 * device that was lost (and replaced) is forgotten: the node is recomputed
 * from its graph, constants uploaded again.
 */
export const realizedBuffer = (node: Node): GPUBuffer | undefined => {
  const entry = onDevice.get(node)
  if (!entry) return undefined
  if (entry.device === peekGpu()?.device) return entry.buffer
  onDevice.delete(node)
  if (node.op === 'external') lostExternal.add(node)
  return undefined
}
/** Outputs of compiled steps whose device was lost: they have no graph to recompute from. */
const lostExternal = new WeakSet<Node>()

const byteLength = (node: Node) => Math.max(4, sizeOf(node.shape) * bytesPerElement(node.dtype))
const readKind = (dtype: DType) => (dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32') as 'f32' | 'i32' | 'u32'

/** Runs what `nodes` need and returns their values; the nodes stay realized on the device. */
export async function realize(nodes: readonly Node[]): Promise<(Float32Array | Int32Array | Uint8Array)[]> {
  if (nodes.every((n) => sizeOf(n.shape) === 0)) return nodes.map((n) => emptyOf(n.dtype))
  const gpu = await getGpu()
  const lost = nodes.find((n) => n.op === 'external' && !realizedBuffer(n))
  if (lost)
    throw new Error(
      `a value computed by a compiled step (shape [${lost.shape.join(', ')}]) ${lostExternal.has(lost) ? 'was lost with its device' : 'was disposed'} and cannot be recomputed`,
    )
  const s = schedule(nodes, realizedBuffer, hasOwner, kernelTarget(gpu.info))
  // Buffers that outlive the plan: targets and uploaded constants get their own device buffers.
  const external = new Map(s.external)
  const kept: [Node, GPUBuffer][] = []
  // Empty tensors have nothing to map back.
  const readable = nodes.filter((n) => sizeOf(n.shape) > 0)
  const reads: ReadRequest[] = readable.map((n) => ({ buffer: s.bufferOf.get(n)!, dtype: readKind(n.dtype), length: sizeOf(n.shape) }))
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
    results = await execute(s.plan, reads, { buffers: external })
  } catch (error) {
    for (const [, buffer] of kept) gpu.storage.release(buffer)
    throw error
  }
  for (const [node, buffer] of kept) {
    // Another read of the same node finished first (its buffer stays the node's), or the node's last tensor
    // was disposed while this read was in flight: nothing will read this copy again.
    if (onDevice.has(node) || !hasOwner(node)) gpu.storage.release(buffer)
    else onDevice.set(node, { buffer, device: gpu.device })
  }
  const values = new Map(readable.map((n, i) => [n, results[i]]))
  return nodes.map((n) => {
    const r = values.get(n)
    if (!r) return emptyOf(n.dtype)
    return n.dtype === 'bool' ? Uint8Array.from(r as unknown as Uint32Array) : (r as Float32Array | Int32Array)
  })
}

/** Frees the device buffer of a node (it can be recomputed from its graph if needed again). */
export function release(node: Node): void {
  const entry = onDevice.get(node)
  if (!entry) return
  onDevice.delete(node)
  const gpu = peekGpu()
  if (gpu?.storage.owns(entry.buffer)) gpu.storage.release(entry.buffer)
}

/** Makes `buffer` (from the storage pool) the device value of `node`. */
export const adopt = (node: Node, buffer: GPUBuffer): void => {
  const device = peekGpu()?.device
  if (!device) throw new Error('adopt: no device')
  onDevice.set(node, { buffer, device })
}

/** Drops a node's device value without freeing its buffer (the buffer now belongs to another node). */
export const forget = (node: Node): void => {
  onDevice.delete(node)
}

/** Number of nodes currently held on the device. */
export const realizedCount = (): number => onDevice.size
