/**
 * Residency: which graph nodes have their value on the device, and who still
 * needs it. Each value on the device is a slot (a storage-pool buffer and the
 * device that holds it) counted by its references: the live tensor handles on
 * its node and, for a value that cannot be computed again (an `external` node:
 * a jitted step's output, or a value whose graph was released), the graph
 * nodes that still read it. A slot is freed when its count reaches zero.
 *
 * Programs (`program.ts`) fill and read the slots; tensor lifetimes
 * (`memory.ts`) move the handle counts. Nothing else changes them.
 */
import { consumerCount, whenUnreferenced, type Node } from '../graph.ts'
import { peekGpu, type Gpu } from './device.ts'

/** A node's value on the device. */
interface Slot {
  readonly buffer: GPUBuffer
  readonly device: GPUDevice
}

const slots = new Map<Node, Slot>()
/** The same nodes by id, for the graph's notice that no node reads one any more. */
const slotsById = new Map<number, Node>()

/** A node that cannot be computed again: the output of a compiled step, or a value whose graph was released. */
export const unrecomputable = (node: Node): boolean => node.op === 'external'

// ---- Handle references -------------------------------------------------------------------------

/** Live tensor handles per node: a node's slot is worth keeping only while some tensor can read it. */
const handles = new Map<Node, number>()
/**
 * Per node, how many of its live handles are a library call's temporaries (see `libraryCall` in
 * memory.ts): they keep the node recomputable, but a read does not keep their values on the device.
 */
const temporaries = new Map<Node, number>()

const count = (counts: Map<Node, number>, node: Node, delta: number): number => {
  const n = (counts.get(node) ?? 0) + delta
  if (n > 0) counts.set(node, n)
  else counts.delete(node)
  return n
}

/** A new tensor handle on `node` (a temporary one inside a library call). */
export const retainHandle = (node: Node, temporary: boolean): void => {
  count(handles, node, +1)
  if (temporary) count(temporaries, node, +1)
}
/** A tensor handle on `node` is gone (disposed or collected); the last one frees the node's slot. */
export const releaseHandle = (node: Node, temporary: boolean): void => {
  if (temporary) count(temporaries, node, -1)
  if (count(handles, node, -1) === 0) freeIfUnreferenced(node)
}
/** A temporary handle on `node` was returned by its library call: it is now the caller's. */
export const claimHandle = (node: Node): void => void count(temporaries, node, -1)

export const hasHandles = (node: Node): boolean => handles.has(node)
/** How many live tensor handles hold `node` (a donated buffer with more than its caller's handles must not be overwritten). */
export const handleCount = (node: Node): number => handles.get(node) ?? 0
/** Whether a tensor the user holds (not only a library call's temporary) refers to `node`. */
export const isHeld = (node: Node): boolean => handleCount(node) > (temporaries.get(node) ?? 0)
/** Nodes that tensors the user holds refer to. */
export const heldNodes = (): Node[] => [...handles.keys()].filter(isHeld)

// ---- Slots -------------------------------------------------------------------------------------

/** Values without a graph whose device was lost: they cannot be recomputed. */
const lostWithDevice = new WeakSet<Node>()
/** Whether `node` had a value on a device that was lost, and no graph to compute it again. */
export const wasLost = (node: Node): boolean => lostWithDevice.has(node)

const unstore = (node: Node) => {
  slots.delete(node)
  slotsById.delete(node.id)
}

/**
 * The buffer holding a node's value on the current device. A value held by a
 * device that was lost (and replaced) is forgotten: the node is recomputed
 * from its graph, constants uploaded again.
 */
export const residentBuffer = (node: Node): GPUBuffer | undefined => {
  const slot = slots.get(node)
  if (!slot) return undefined
  if (slot.device === peekGpu()?.device) return slot.buffer
  unstore(node)
  if (unrecomputable(node)) lostWithDevice.add(node)
  return undefined
}
export const isResident = (node: Node): boolean => residentBuffer(node) !== undefined

/** Makes `buffer` (from the storage pool of `device`) the value of `node`. */
export const adopt = (node: Node, buffer: GPUBuffer, device: GPUDevice): void => {
  slots.set(node, { buffer, device })
  slotsById.set(node.id, node)
}

/**
 * Keeps `buffer` as the value of `node` if something can still read it there: not when another run
 * stored the node first (its buffer stays the node's), nor when the node's last tensor was disposed
 * meanwhile. Otherwise the buffer goes back to the pool. Returns whether it was kept.
 */
export const adoptIfWanted = (node: Node, buffer: GPUBuffer, gpu: Gpu): boolean => {
  if (slots.has(node) || !hasHandles(node)) {
    gpu.storage.release(buffer)
    return false
  }
  adopt(node, buffer, gpu.device)
  return true
}

/** Drops a node's slot without freeing its buffer (the buffer now belongs to another node). */
export const disown = (node: Node): void => unstore(node)

/**
 * Host copies of small values read back in the same submit that computed them (a jitted call's
 * result, see `runProgram`'s `prefetch`), with the buffer they were read from: valid while the
 * node's value is still that buffer (a value on the device never changes in place while its node
 * holds it; a donated buffer overwritten in place is disowned first).
 */
const hostCopies = new WeakMap<Node, { readonly buffer: GPUBuffer; readonly values: Float32Array | Int32Array }>()

/** Remembers `values`, just read from the buffer that holds `node`'s value. */
export const rememberHostCopy = (node: Node, values: Float32Array | Int32Array): void => {
  const buffer = residentBuffer(node)
  if (buffer) hostCopies.set(node, { buffer, values })
}

/** A fresh copy of `node`'s values if they were read back with the run that computed them and the node still holds that value. */
export const hostCopy = (node: Node): Float32Array | Int32Array | undefined => {
  const copy = hostCopies.get(node)
  if (!copy || residentBuffer(node) !== copy.buffer) return undefined
  return copy.values.slice()
}

/** Number of nodes whose value is on the device. */
export const residentCount = (): number => slots.size

/**
 * Frees a node's slot when nothing references it: no tensor handle, and, for a value that cannot be
 * computed again, no node that reads it (`add(b, 1)` built before `b.dispose()` still needs `b`).
 */
const freeIfUnreferenced = (node: Node): void => {
  const slot = slots.get(node)
  if (!slot || hasHandles(node)) return
  if (unrecomputable(node) && consumerCount(node) > 0) return
  unstore(node)
  const gpu = peekGpu()
  if (gpu?.storage.owns(slot.buffer)) gpu.storage.release(slot.buffer)
}
whenUnreferenced((id) => {
  const node = slotsById.get(id)
  if (node) freeIfUnreferenced(node)
})
