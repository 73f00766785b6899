/**
 * Tensor lifetimes: explicit dispose(), `using`, scopes that free what they
 * created except what they return, and a FinalizationRegistry backstop for
 * tensors that are simply dropped.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Node } from './graph.ts'
import { memory as deviceMemory, trimPools, type MemoryInfo } from './runtime/index.ts'
import { claimHandle, releaseHandle, residentCount, retainHandle } from './runtime/residency.ts'
import { clearProgramCaches } from './runtime/program.ts'

interface Tracked {
  readonly node: Node
  dispose(): void
  readonly isDisposed: boolean
}

let live = 0

/**
 * Temporaries: handles created inside a library call (the forward pass and
 * backward graph of `valueAndGrad`, the arithmetic of `optimizer.update`)
 * that the call does not return. They keep a node recomputable, but a read
 * does not keep their values on the device: the compiler fuses them, as it
 * would have if they had already been collected. The device side counts them
 * per node (see runtime/residency.ts).
 */
let libraryDepth = 0
/** A handle's record, shared with the backstop: `temporary` changes when a library call returns the handle. */
interface Handle {
  readonly node: Node
  temporary: boolean
}
const handles = new WeakMap<Tracked, Handle>()

/** Runs a library call: the tensors it creates and does not return are temporaries (see above). */
export function libraryCall<T>(fn: () => T): T {
  libraryDepth++
  let result: T
  try {
    result = fn()
  } finally {
    libraryDepth--
  }
  // What the outermost call returns belongs to its caller.
  if (libraryDepth === 0)
    for (const value of kept(result)) {
      const handle = handles.get(value as Tracked)
      if (handle?.temporary) {
        handle.temporary = false
        claimHandle(handle.node)
      }
    }
  return result
}

// The scopes around the running code, innermost last. Async-local, so an async scope keeps collecting
// the tensors its body creates after an await (and concurrent scopes do not see each other's).
const scopes = new AsyncLocalStorage<readonly Set<Tracked>[]>()

const forget = (handle: Handle) => {
  live--
  releaseHandle(handle.node, handle.temporary)
}
// A dropped tensor frees its device buffer when collected; its node can still be recomputed from the graph.
const backstop = new FinalizationRegistry<Handle>(forget)

/** Called by the Tensor constructor. */
export const track = (t: Tracked): void => {
  live++
  const handle: Handle = { node: t.node, temporary: libraryDepth > 0 }
  handles.set(t, handle)
  retainHandle(t.node, handle.temporary)
  backstop.register(t, handle, t)
  scopes.getStore()?.at(-1)?.add(t)
}

/** Called by Tensor.dispose(). */
export const untrack = (t: Tracked): void => {
  backstop.unregister(t)
  forget(handles.get(t)!)
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
 *
 * @example
 * import { scope, memory, tensor, add } from 'shapewise'
 * const before = memory().liveTensors
 * const kept = scope(() => add(add(tensor([1]), 1), 1)) // the intermediates are disposed
 * memory().liveTensors - before // → 1
 * await kept.data() // → [3]
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

/**
 * Live tensors and device bytes (pooled and in use), like tf.memory().
 *
 * @example
 * import { memory, zeros } from 'shapewise'
 * const before = memory().liveTensors
 * const x = zeros([2])
 * memory().liveTensors - before // → 1
 * x.dispose()
 * memory().liveTensors - before // → 0
 */
export const memory = (): Memory => ({ ...deviceMemory(), liveTensors: live, deviceTensors: residentCount() })

/**
 * Gives back to the device every buffer and texture the pools hold for reuse
 * (what `memory().pooledBytes` counts) and forgets the compiled plans of every
 * jitted function. Values of live tensors are untouched. The pools already
 * keep at most a bounded cache (see `memory().storage.maxFreeBytes`); call
 * this after a one-off large computation, or before handing the device's
 * memory to something else. The next steps allocate (and jitted functions
 * trace) again. Returns the bytes given back.
 *
 * @example
 * import { fromArray, memory, relu, trimMemory } from 'shapewise'
 * const big = relu(fromArray(new Float32Array(1 << 20), [1024, 1024]))
 * await big.data()
 * big.dispose()                  // its 4 MiB go back to the pool, ready for reuse
 * memory().pooledBytes > 0       // → true
 * trimMemory()                   // and now back to the device
 * memory().pooledBytes           // → 0
 */
export function trimMemory(): number {
  clearProgramCaches()
  return trimPools()
}
