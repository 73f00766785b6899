/**
 * Tensor lifetimes: explicit dispose(), `using`, scopes that free what they
 * created except what they return, and a FinalizationRegistry backstop for
 * tensors that are simply dropped.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Node } from './graph.ts'
import { release, realizedCount } from './realize.ts'
import { memory as deviceMemory, type MemoryInfo } from './runtime/index.ts'

interface Tracked {
  readonly node: Node
  dispose(): void
  readonly isDisposed: boolean
}

let live = 0
// Live handles per node: a node's device buffer is worth keeping only while some tensor can read it.
const owners = new Map<Node, number>()
const own = (node: Node, delta: number) => {
  const n = (owners.get(node) ?? 0) + delta
  if (n > 0) owners.set(node, n)
  else {
    owners.delete(node)
    release(node)
  }
}
export const hasOwner = (node: Node): boolean => owners.has(node)
/** How many live tensor handles hold `node` (a donated buffer with more than its caller's handles must not be overwritten). */
export const ownerCount = (node: Node): number => owners.get(node) ?? 0

// The scopes around the running code, innermost last. Async-local, so an async scope keeps collecting
// the tensors its body creates after an await (and concurrent scopes do not see each other's).
const scopes = new AsyncLocalStorage<readonly Set<Tracked>[]>()

// A dropped tensor frees its device buffer when collected; its node can still be recomputed from the graph.
const backstop = new FinalizationRegistry<Node>((node) => {
  live--
  own(node, -1)
})

/** Called by the Tensor constructor. */
export const track = (t: Tracked): void => {
  live++
  own(t.node, +1)
  backstop.register(t, t.node, t)
  scopes.getStore()?.at(-1)?.add(t)
}

/** Called by Tensor.dispose(). */
export const untrack = (t: Tracked): void => {
  live--
  backstop.unregister(t)
  own(t.node, -1)
}

/** Every tensor reachable in a returned value (arrays, records, tensors). */
const kept = (value: unknown, into = new Set<object>()): Set<object> => {
  if (value && typeof value === 'object' && !into.has(value)) {
    into.add(value)
    if (!('node' in value)) for (const v of Object.values(value)) kept(v, into)
  }
  return into
}

/**
 * Runs `fn` and disposes every tensor created inside it, except those in its
 * result (an array or record of tensors is fine). Works for async functions:
 * the tensors are freed when the promise settles.
 */
export function scope<T>(fn: () => T): T {
  const created = new Set<Tracked>()
  const enclosing = scopes.getStore() ?? []
  const finish = (result: unknown) => {
    const keep = kept(result)
    for (const t of created) if (!keep.has(t)) t.dispose()
    // What survives belongs to the enclosing scope, if any.
    for (const t of created) if (keep.has(t)) enclosing.at(-1)?.add(t)
  }
  let result: T
  try {
    result = scopes.run([...enclosing, created], fn)
  } catch (error) {
    finish(undefined)
    throw error
  }
  if (result instanceof Promise)
    return result.then(
      (r) => (finish(r), r),
      (error) => {
        finish(undefined)
        throw error
      },
    ) as T
  finish(result)
  return result
}

export interface Memory extends MemoryInfo {
  /** Tensor handles neither disposed nor collected. */
  readonly liveTensors: number
  /** Graph nodes whose values are held on the device. */
  readonly deviceTensors: number
}

/** Live tensors and device bytes (pooled and in use), like tf.memory(). */
export const memory = (): Memory => ({ ...deviceMemory(), liveTensors: live, deviceTensors: realizedCount() })
