/**
 * jit(f): traces f once per signature of its arguments (tree structure,
 * shapes, dtypes, and the values of non-tensor arguments) into one compiled
 * plan. Later calls bind the arguments' device buffers to that plan and run
 * it: no tracing, no shader compilation, one submit. Outputs stay on the
 * device; reading one (`await t.data()`) is what maps it back.
 */
import { makeNode, type Node } from '../graph.ts'
import { schedule } from '../compiler/schedule.ts'
import { deviceData } from '../compiler/schedule.ts'
import { bytesPerElement } from '../compiler/kernel.ts'
import { sizeOf } from '../compiler/wgsl.ts'
import { realize, realizedBuffer, adopt, forget, kernelTarget } from '../realize.ts'
import { getGpu, type Gpu } from '../runtime/device.ts'
import { execute } from '../runtime/executor.ts'
import type { Plan, Step } from '../runtime/plan.ts'
import { wrap } from '../tensor.ts'
import { isTensor, type AnyTensor } from '../tree.ts'
import { ownerCount } from '../memory.ts'
import { faultBuffer } from '../faults.ts'

export interface JitOptions {
  /**
   * Arguments (by position) whose device buffers the caller gives up: after
   * the call their tensors are disposed and their buffers go back to the
   * pool, where the next step's outputs of the same size pick them up, so a
   * training loop's memory stays flat.
   */
  readonly donate?: readonly number[]
}

/** Where an output leaf comes from: an argument leaf as it is, a value already on the device, or a plan buffer. */
/**
 * Where an output's value comes from: an argument returned as is, a value already on the device, a
 * plan buffer, or (inPlace) the buffer of the donated argument leaf it overwrote.
 */
type OutputSource = { readonly argument: number } | { readonly node: Node } | { readonly buffer: number } | { readonly inPlace: number }

interface Compiled {
  readonly plan: Plan
  /** Plan buffer of each argument leaf, in leaf order. */
  readonly inputIds: readonly number[]
  /** Values already on the device that the function closes over: plan buffer and node, bound at call time. */
  readonly captured: readonly (readonly [number, Node])[]
  /** Per output leaf. A plan buffer is never an argument's or another output's, so each output owns its buffer. */
  readonly outputs: readonly OutputSource[]
  readonly outputLeaves: readonly Node[]
  /** Argument leaves (by index) whose buffer the plan overwrites in place: those of donated arguments only. */
  readonly overwrittenLeaves: ReadonlySet<number>
  /** Plan buffer of the device's fault record, when a kernel of the plan checks its inputs. */
  readonly faultBuffer: number | undefined
  readonly rebuild: (leaves: readonly AnyTensor[]) => unknown
}

/** Leaves of arguments and outputs, and a function that puts new leaves back in place. */
const split = (value: unknown): { leaves: AnyTensor[]; key: string; rebuild: (leaves: readonly AnyTensor[]) => unknown } => {
  const leaves: AnyTensor[] = []
  const walk = (v: unknown): [string, (l: readonly AnyTensor[]) => unknown] => {
    if (isTensor(v)) {
      const i = leaves.push(v) - 1
      return [`T${v.dtype}[${v.shape.join(',')}]`, (l) => l[i]]
    }
    if (Array.isArray(v)) {
      const parts = v.map(walk)
      return [`[${parts.map((p) => p[0]).join(',')}]`, (l) => parts.map((p) => p[1](l))]
    }
    if (v && typeof v === 'object') {
      const parts = Object.entries(v).map(([k, x]) => [k, walk(x)] as const)
      return [`{${parts.map(([k, p]) => `${k}:${p[0]}`).join(',')}}`, (l) => Object.fromEntries(parts.map(([k, p]) => [k, p[1](l)]))]
    }
    return [JSON.stringify(v) ?? 'undefined', () => v]
  }
  const [key, rebuild] = walk(value)
  return { leaves, key, rebuild }
}

/**
 * Signatures whose plans a jitted function keeps. A function called with ever new shapes (or non-tensor
 * arguments) would otherwise keep a plan, and the values it captured, for each one; past this, the plan
 * used longest ago is dropped (and traced again if that signature comes back).
 */
export const JIT_PLAN_CACHE_SIZE = 32
/** The plan caches of every jitted function still reachable, so that trimMemory() can empty them. */
const planCaches = new Set<WeakRef<Map<string, unknown>>>()
/** Forgets every jitted function's compiled plans (each traces again on its next call). */
export const clearJitPlans = (): void => {
  for (const ref of planCaches) {
    const cache = ref.deref()
    if (cache) cache.clear()
    else planCaches.delete(ref)
  }
}

let traces = 0
/**
 * How many times jit has traced a function (a test can assert a later step traced nothing).
 *
 * @example
 * import { jit, jitTraces, tensor, add, type Tensor } from 'shapewise'
 * const step = jit((x: Tensor<[2]>) => add(x, 1))
 * const before = jitTraces()
 * await step(tensor([1, 2]))
 * await step(tensor([3, 4])) // same shapes: the compiled plan is reused
 * jitTraces() - before // → 1
 */
export const jitTraces = (): number => traces

/**
 * A traced function must build its graph synchronously: while tracing, its arguments are placeholders
 * with no values, so awaiting a read inside it cannot work, and the compiled step would return the
 * promise object's own (empty) fields. Refused by name when we can see it (an `async` function), else
 * when the first trace returns a thenable.
 */
const promiseRefusal = (what: string) =>
  new TypeError(
    `jit: ${what}; a jitted function must build its result synchronously (its arguments are placeholders while it is traced, so it cannot await a read). ` +
      'Read values outside the jitted function, or await them after calling it.',
  )
const isThenable = (x: unknown): x is PromiseLike<unknown> => typeof (x as { then?: unknown } | null | undefined)?.then === 'function'

/** A function returning a promise is refused in the types too, with the reason as the parameter type. */
type NotAPromise<Out> = Out extends PromiseLike<unknown> ? 'jit: the function returns a promise; a jitted function must build its result synchronously' : unknown

/**
 * Compiles `f` once per argument shapes into one device program (traced on the first call,
 * cached after); the call returns a promise of `f`'s result, realized.
 *
 * @example
 * import { jit, tensor, mul, add, type Tensor } from 'shapewise'
 * const affine = jit((x: Tensor<[3]>, w: Tensor<[3]>) => add(mul(x, w), 1))
 * const y = await affine(tensor([1, 2, 3]), tensor([2, 2, 2]))
 * await y.data() // → [3, 5, 7]
 */
export function jit<Args extends readonly unknown[], Out>(f: ((...args: Args) => Out) & NotAPromise<Out>, options: JitOptions = {}): (...args: Args) => Promise<Out> {
  if (Object.prototype.toString.call(f) === '[object AsyncFunction]') throw promiseRefusal('the function is async')
  // Least recently used first: a hit moves its entry to the end.
  const cache = new Map<string, Compiled>()
  planCaches.add(new WeakRef(cache))
  const donated = new Set(options.donate ?? [])

  const trace = (args: Args, argLeaves: readonly AnyTensor[], rebuildArgs: (l: readonly AnyTensor[]) => unknown, gpu: Gpu): Compiled => {
    traces++
    const placeholders = argLeaves.map((t) => makeNode('external', [], {}, t.shape, t.dtype))
    const ranges = argumentLeafRanges(args)
    const donatedLeaves = new Set([...donated].flatMap((a) => placeholders.slice(ranges[a][0], ranges[a][1])))
    const traced = f(...(rebuildArgs(placeholders.map((n) => wrap(n))) as Args))
    if (isThenable(traced)) {
      // Whatever the promise settles with (typically a failed read of a placeholder) is moot: observe it so it is not an unhandled rejection.
      traced.then(undefined, () => undefined)
      throw promiseRefusal('the function returned a promise')
    }
    const out = split(traced)
    const outputLeaves = out.leaves.map((t) => t.node)
    const isPlaceholder = new Map(placeholders.map((n, i) => [n, i]))
    // Placeholders stand for buffers bound at call time: present them as already on the device.
    const sentinel = {} as GPUBuffer
    const s = schedule(outputLeaves, (n) => (isPlaceholder.has(n) ? sentinel : realizedBuffer(n)), () => false, kernelTarget(gpu.info), donatedLeaves)
    const inputIds = placeholders.map((n) => s.bufferOf.get(n) ?? -1)
    const captured: [number, Node][] = []
    for (const [node, id] of s.bufferOf) if (s.external.has(id) && !isPlaceholder.has(node) && realizedBuffer(node)) captured.push([id, node])
    // An output that is a view (reshape, stopGradient) of an argument, of a captured value or of another
    // output would share its buffer, and freeing one would free the other: copy it into a buffer of its own.
    const buffers = [...s.plan.buffers]
    const copies: Step[] = []
    const shared = new Set([...inputIds, ...captured.map(([id]) => id)])
    const claimed = new Map<number, Node>()
    const outputs = outputLeaves.map((node): OutputSource => {
      const argument = isPlaceholder.get(node)
      if (argument !== undefined) return { argument }
      // Computed into the buffer of a donated argument: that buffer becomes the output's.
      const overwritten = s.inPlace.get(node)
      if (overwritten && !claimed.has(s.bufferOf.get(node)!)) {
        claimed.set(s.bufferOf.get(node)!, node)
        return { inPlace: isPlaceholder.get(overwritten)! }
      }
      if (realizedBuffer(node)) return { node }
      const id = s.bufferOf.get(node)!
      const owner = claimed.get(id)
      if (owner === node || (owner === undefined && !shared.has(id))) {
        claimed.set(id, node)
        return { buffer: id }
      }
      const bytes = Math.max(4, sizeOf(node.shape) * bytesPerElement(node.dtype))
      copies.push({ kind: 'copyBuffer', src: id, dst: buffers.push({ bytes }) - 1, bytes })
      return { buffer: buffers.length - 1 }
    })
    const overwrittenLeaves = new Set([...s.inPlace.values()].map((n) => isPlaceholder.get(n)!))
    return { plan: { ...s.plan, buffers, steps: [...s.plan.steps, ...copies] }, inputIds, captured, outputs, outputLeaves, overwrittenLeaves, faultBuffer: s.faultBuffer, rebuild: out.rebuild }
  }

  return async (...args: Args) => {
    const { leaves, key, rebuild } = split(args)
    const gpu = await getGpu()
    let compiled = cache.get(key)
    // A captured value freed since the trace (its tensor disposed) cannot be bound: trace again.
    cache.delete(key)
    if (!compiled || compiled.captured.some(([, node]) => !realizedBuffer(node))) compiled = trace(args, leaves, rebuild, gpu)
    cache.set(key, compiled)
    if (cache.size > JIT_PLAN_CACHE_SIZE) cache.delete(cache.keys().next().value!)
    // Arguments computed lazily elsewhere are realized first; host data is uploaded inside this step's plan.
    const pending = leaves.filter((t) => t.node.op !== 'constant' && !realizedBuffer(t.node))
    if (pending.length) await realize(pending.map((t) => t.node))

    const buffers = new Map<number, GPUBuffer>()
    const uploads: Step[] = []
    // Plan buffers added for this call only: the sources of copies made for aliased donated leaves.
    const extraBuffers: { bytes: number }[] = []
    const temporaries: GPUBuffer[] = []
    // One new device value per output buffer (two outputs may be the same node).
    const made = new Map<number, { node: Node; buffer: GPUBuffer }>()
    const overwritten: { node: Node; buffer: GPUBuffer; from: AnyTensor }[] = []
    let outputs: Node[]
    try {
      for (const [id, node] of compiled.captured) buffers.set(id, realizedBuffer(node)!)
      // Kernels that check their inputs record faults there; the next read reports them.
      if (compiled.faultBuffer !== undefined) buffers.set(compiled.faultBuffer, faultBuffer(gpu))
      const sharedUses = aliasedUses(leaves, compiled)
      leaves.forEach((t, i) => {
        const id = compiled.inputIds[i]
        if (id < 0) return // an argument the outputs do not depend on
        const onDevice = realizedBuffer(t.node)
        const bytes = Math.max(4, sizeOf(t.shape) * bytesPerElement(t.dtype))
        if (onDevice && !(compiled.overwrittenLeaves.has(i) && sharedUses.isShared(t, onDevice))) return void buffers.set(id, onDevice)
        const buffer = gpu.storage.acquire(bytes)
        temporaries.push(buffer)
        buffers.set(id, buffer)
        if (!onDevice) return void uploads.push({ kind: 'writeBuffer', dst: id, data: deviceData(t.node) })
        // A donated leaf whose buffer another use still reads (another argument, a captured value, another
        // live handle) is overwritten in a copy of its own, so that use keeps the old values.
        sharedUses.release(onDevice)
        const src = compiled.plan.buffers.length + extraBuffers.push({ bytes }) - 1
        buffers.set(src, onDevice)
        uploads.push({ kind: 'copyBuffer', src, dst: id, bytes: sizeOf(t.shape) * bytesPerElement(t.dtype) })
      })
      outputs = compiled.outputs.map((o, i): Node => {
        if ('argument' in o) return leaves[o.argument].node
        if ('node' in o) return o.node
        if ('inPlace' in o) {
          const node = makeNode('external', [], {}, compiled.outputLeaves[i].shape, compiled.outputLeaves[i].dtype)
          overwritten.push({ node, buffer: buffers.get(compiled.inputIds[o.inPlace])!, from: leaves[o.inPlace] })
          return node
        }
        let m = made.get(o.buffer)
        if (!m) {
          const node = compiled.outputLeaves[i]
          m = { node: makeNode('external', [], {}, node.shape, node.dtype), buffer: gpu.storage.acquire(Math.max(4, sizeOf(node.shape) * bytesPerElement(node.dtype))) }
          made.set(o.buffer, m)
          buffers.set(o.buffer, m.buffer)
        }
        return m.node
      })
      await execute({ ...compiled.plan, buffers: [...compiled.plan.buffers, ...extraBuffers], steps: [...uploads, ...compiled.plan.steps] }, [], { buffers })
      // An uploaded or copied argument overwritten in place is now an output's buffer, not a temporary.
      for (const o of overwritten) if (temporaries.includes(o.buffer)) temporaries.splice(temporaries.indexOf(o.buffer), 1)
    } catch (error) {
      for (const m of made.values()) gpu.storage.release(m.buffer)
      throw error
    } finally {
      for (const b of temporaries) gpu.storage.release(b)
    }
    for (const m of made.values()) adopt(m.node, m.buffer)
    // Buffers written in place change hands: the donated argument's (or its upload's) becomes the output's.
    for (const o of overwritten) {
      if (realizedBuffer(o.from.node) === o.buffer) forget(o.from.node)
      adopt(o.node, o.buffer)
    }
    const result = compiled.rebuild(outputs.map((node) => wrap(node))) as Out
    // Donated arguments are finished with: free them now so the next step reuses their memory. One
    // returned as it is lives on in its new handle.
    const argLeafRanges = argumentLeafRanges(args)
    for (const index of donated) for (let k = argLeafRanges[index][0]; k < argLeafRanges[index][1]; k++) leaves[k].dispose()
    return result
  }
}

/**
 * Who else reads the device buffers of this call's argument leaves: other leaves bound to the same buffer
 * (f(w, w), one tensor twice in a tree), captured values, and live handles of the same node that were
 * not passed in. A shared buffer must not be overwritten in place; `release` records that one use
 * moved to a copy, so the last donated use of a buffer nothing else reads may still take it.
 */
const aliasedUses = (leaves: readonly AnyTensor[], compiled: Compiled) => {
  const uses = new Map<GPUBuffer, number>()
  const count = (buffer: GPUBuffer | undefined) => buffer && uses.set(buffer, (uses.get(buffer) ?? 0) + 1)
  for (const [, node] of compiled.captured) count(realizedBuffer(node))
  const handles = new Map<Node, Set<AnyTensor>>()
  leaves.forEach((t, i) => {
    if (compiled.inputIds[i] < 0) return
    count(realizedBuffer(t.node))
    handles.set(t.node, (handles.get(t.node) ?? new Set()).add(t))
  })
  return {
    isShared: (t: AnyTensor, buffer: GPUBuffer) => uses.get(buffer)! > 1 || ownerCount(t.node) > handles.get(t.node)!.size,
    release: (buffer: GPUBuffer) => void uses.set(buffer, uses.get(buffer)! - 1),
  }
}

/** [first, end) leaf index of each positional argument. */
const argumentLeafRanges = (args: readonly unknown[]): [number, number][] => {
  let start = 0
  return args.map((a) => {
    const n = split(a).leaves.length
    const range: [number, number] = [start, start + n]
    start += n
    return range
  })
}

