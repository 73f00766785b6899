/**
 * A Program: what both `realize` and `jit` compile a graph to, and how one
 * runs. The plan does the work; the slots around it say which plan buffers
 * are bound to what at run time (arguments, values already on the device, the
 * device's fault record) and where each output's value ends up. Running a
 * program is the only place where plans change which values are resident.
 */
import { makeNode, type DType, type HostData, type Node } from '../graph.ts'
import { external } from '../core/leaves.ts'
import { withFaultRead } from '../faults.ts'
import type { Gpu } from './device.ts'
import { execute } from './executor.ts'
import type { BufferId, Plan, ReadRequest, Step } from './plan.ts'
import { adopt, adoptIfWanted, disown, handleCount, rememberHostCopy, residentBuffer } from './residency.ts'

/** Where an output's value comes from. */
export type OutputSource =
  /** Argument `argument`, returned as it is. */
  | { readonly argument: number }
  /** A value already on the device (closed over), returned as it is. */
  | { readonly resident: Node }
  /**
   * A plan buffer, handed over after the run: to `keep` (the node it computes) when something can
   * still read that node, else to a new node without a graph, shaped `shape`.
   */
  | { readonly buffer: BufferId; readonly bytes: number; readonly shape: readonly number[]; readonly dtype: DType; readonly keep?: Node }
  /** The buffer of donated argument `inPlace`, which the plan overwrote with this output. */
  | { readonly inPlace: number; readonly shape: readonly number[]; readonly dtype: DType }

export interface Program {
  readonly plan: Plan
  /** Per argument: the plan buffer it is bound to, or -1 when no output depends on it. */
  readonly inputs: readonly BufferId[]
  /** Values already on the device that the plan reads: plan buffer and node, bound at each run. */
  readonly captured: readonly (readonly [BufferId, Node])[]
  /** Per output. A plan buffer is never an argument's or another output's (two outputs that are one node share it), so each output owns its buffer. */
  readonly outputs: readonly OutputSource[]
  /** Arguments (by index) whose buffer the plan overwrites in place: donated ones only. */
  readonly overwritten: ReadonlySet<number>
  /** Plan buffers read back after the run, in order. */
  readonly reads: readonly ReadRequest[]
  /** The plan buffer kernels record device faults in, if a kernel of the plan checks its inputs. */
  readonly faultBuffer: BufferId | undefined
}

/** An argument of a run: a tensor handle (its identity tells two handles on one node apart). */
export interface Argument {
  readonly node: Node
}

export interface Run {
  /** The values of `program.reads`, in order. */
  readonly values: readonly ArrayBufferView[]
  /** The node holding each output's value. */
  readonly outputs: readonly Node[]
  /** Nodes that now keep the value the program computed for them (outputs with `keep`). */
  readonly kept: ReadonlySet<Node>
}

/** Whether every value the program closes over is still on the device (one freed since the compile cannot be bound). */
export const bindable = (program: Program): boolean => program.captured.every(([, node]) => residentBuffer(node) !== undefined)

// Host data as the device stores it (bool as u32), the same conversion the compiler applies to the constants it uploads.
const uploadData = (data: HostData): ArrayBufferView => (data instanceof Uint8Array ? Uint32Array.from(data) : data)

/** A node without a graph whose value a run binds or produces: a jitted function's argument placeholder, a step's output. */
export const valueNode = (shape: readonly number[], dtype: DType): Node => makeNode(external, [], {}, shape, dtype)

/**
 * Runs `program` once, in one submit: binds its arguments (`args`, one per
 * `program.inputs`; host data is uploaded inside the same submit), the values
 * it closes over and the device's fault record, takes a buffer for each
 * output, executes, and hands the output buffers to their nodes. Arguments
 * must already be on the device or be host data.
 *
 * With `report`, the fault record is read back too and a recorded fault is
 * thrown (as `LabelError`); nothing the run computed is kept then.
 *
 * With `prefetch`, small outputs (see `prefetchedOutputs`) are also read back
 * in the same submit and kept on the host beside their device value, so that
 * reading one (`data()`, as after every inference call) costs no second
 * submit and wait: on llvmpipe that round trip is ~0.5 ms
 * (bench/dispatch-overhead.ts), a fifth of a LeNet-5 inference at batch 1.
 *
 * Binding happens before the first await: a tensor disposed meanwhile cannot
 * hand its buffer back to the pool for this very run (`execute` holds it).
 */
export async function runProgram(
  gpu: Gpu, program: Program,
  { args = [], report = false, prefetch = false }: { readonly args?: readonly Argument[]; readonly report?: boolean; readonly prefetch?: boolean } = {},
): Promise<Run> {
  const buffers = new Map<BufferId, GPUBuffer>()
  for (const [id, node] of program.captured) buffers.set(id, residentBuffer(node)!)
  const prefetched = prefetch ? prefetchedOutputs(program) : []
  const reads: ReadRequest[] = [...program.reads, ...prefetched.map((o) => ({ buffer: o.buffer, dtype: o.dtype === 'int32' ? 'i32' as const : 'f32' as const, length: o.bytes / 4 }))]
  // Kernels that check their inputs record faults in the device's record; with `report` this run reads it too.
  const { plan, throwFault } = withFaultRead(gpu, program.plan, program.faultBuffer, buffers, reads, { report })
  const bound: BoundArguments = { uploads: [], extraBuffers: [], temporaries: [] }
  // Output buffers taken from the pool, by plan buffer (two outputs may be the same node, and share one).
  const taken = new Map<BufferId, { readonly node: Node; readonly buffer: GPUBuffer; readonly keep: boolean }>()
  const overwritten: { node: Node; buffer: GPUBuffer; from: Argument }[] = []
  let outputs: Node[]
  let values: ArrayBufferView[]
  let prefetchedValues: (Float32Array | Int32Array)[]
  try {
    bindArguments(gpu, program, plan, args, buffers, bound)
    outputs = program.outputs.map((o): Node => {
      if ('argument' in o) return args[o.argument].node
      if ('resident' in o) return o.resident
      if ('inPlace' in o) {
        const node = valueNode(o.shape, o.dtype)
        overwritten.push({ node, buffer: buffers.get(program.inputs[o.inPlace])!, from: args[o.inPlace] })
        return node
      }
      let output = taken.get(o.buffer)
      if (!output) {
        // May throw (a tensor over maxBufferSize): the buffers taken so far go back in the catch.
        output = { node: o.keep ?? valueNode(o.shape, o.dtype), buffer: gpu.storage.acquire(o.bytes), keep: o.keep !== undefined }
        taken.set(o.buffer, output)
        buffers.set(o.buffer, output.buffer)
      }
      return output.node
    })
    const { uploads, extraBuffers } = bound
    const run = uploads.length || extraBuffers.length ? { ...plan, buffers: [...plan.buffers, ...extraBuffers], steps: [...uploads, ...plan.steps] } : plan
    const results = await execute(run, reads, { buffers })
    // Values computed from a bad input are not kept: reading them again recomputes (and reports) them.
    throwFault(results)
    values = results.slice(0, program.reads.length)
    prefetchedValues = results.slice(program.reads.length, program.reads.length + prefetched.length) as (Float32Array | Int32Array)[]
  } catch (error) {
    for (const { buffer } of taken.values()) gpu.storage.release(buffer)
    for (const b of bound.temporaries) gpu.storage.release(b)
    throw error
  }
  // An uploaded or copied argument overwritten in place is an output's buffer now, not a temporary.
  for (const b of bound.temporaries) if (!overwritten.some((o) => o.buffer === b)) gpu.storage.release(b)
  const kept = new Set<Node>()
  for (const { node, buffer, keep } of taken.values()) {
    if (!keep) adopt(node, buffer, gpu.device)
    else if (adoptIfWanted(node, buffer, gpu)) kept.add(node)
  }
  // Buffers written in place change hands: the donated argument's (or its upload's) becomes the output's.
  for (const o of overwritten) {
    if (residentBuffer(o.from.node) === o.buffer) disown(o.from.node)
    adopt(o.node, o.buffer, gpu.device)
  }
  // (A kept output another run stored first, or disposed meanwhile, holds no buffer of this run: no copy.)
  prefetched.forEach((o, k) => rememberHostCopy(taken.get(o.buffer)!.node, prefetchedValues[k]))
  return { values, outputs, kept }
}

/** Outputs up to this size are read back with the run when it prefetches: a jitted inference's logits, a loss. */
const PREFETCH_BYTES = 16 * 1024
/** At most this many: a step returning a tree of many small tensors (parameters) would pay a copy and a map for each. */
const PREFETCH_OUTPUTS = 4

/** The outputs a prefetching run reads back: fresh float32 or int32 values of at most PREFETCH_BYTES, at most PREFETCH_OUTPUTS of them (else none). */
const prefetchedOutputs = (program: Program) => {
  const small = program.outputs.filter(
    (o): o is Extract<OutputSource, { buffer: BufferId }> => 'buffer' in o && o.bytes > 0 && o.bytes <= PREFETCH_BYTES && (o.dtype === 'float32' || o.dtype === 'int32'),
  )
  const distinct = [...new Map(small.map((o) => [o.buffer, o])).values()]
  return distinct.length <= PREFETCH_OUTPUTS ? distinct : []
}

/** What binding a run's arguments added to its plan: upload and copy steps, their source buffers, and the buffers taken for them. */
interface BoundArguments {
  readonly uploads: Step[]
  /** Plan buffers added for this run only: the sources of copies made for aliased donated arguments. */
  readonly extraBuffers: { bytes: number }[]
  readonly temporaries: GPUBuffer[]
}

/**
 * Binds each argument's plan buffer: to the argument's device buffer, to a buffer that host data is
 * uploaded into, or, for a donated argument whose buffer another use still reads (another argument, a
 * captured value, another live handle), to a copy of its own that the plan may overwrite, so that use
 * keeps the old values.
 */
const bindArguments = (gpu: Gpu, program: Program, plan: Plan, args: readonly Argument[], buffers: Map<BufferId, GPUBuffer>, bound: BoundArguments): void => {
  const sharedUses = aliasedUses(args, program)
  args.forEach((arg, i) => {
    const id = program.inputs[i]
    if (id < 0) return // an argument the outputs do not depend on
    const onDevice = residentBuffer(arg.node)
    if (onDevice && !(program.overwritten.has(i) && sharedUses.isShared(arg, onDevice))) return void buffers.set(id, onDevice)
    const bytes = plan.buffers[id].bytes
    const buffer = gpu.storage.acquire(bytes)
    bound.temporaries.push(buffer)
    buffers.set(id, buffer)
    if (!onDevice) return void bound.uploads.push({ kind: 'writeBuffer', dst: id, data: uploadData(arg.node.data!) })
    sharedUses.release(onDevice)
    const src = plan.buffers.length + bound.extraBuffers.push({ bytes }) - 1
    buffers.set(src, onDevice)
    bound.uploads.push({ kind: 'copyBuffer', src, dst: id, bytes })
  })
}

/**
 * Who else reads the device buffers of a run's arguments: other arguments bound to the same buffer
 * (f(w, w), one tensor twice in a tree), captured values, and live handles of the same node that were
 * not passed in. A shared buffer must not be overwritten in place; `release` records that one use
 * moved to a copy, so the last donated use of a buffer nothing else reads may still take it.
 */
const aliasedUses = (args: readonly Argument[], program: Program) => {
  const uses = new Map<GPUBuffer, number>()
  const count = (buffer: GPUBuffer | undefined) => buffer && uses.set(buffer, (uses.get(buffer) ?? 0) + 1)
  for (const [, node] of program.captured) count(residentBuffer(node))
  const handles = new Map<Node, Set<Argument>>()
  args.forEach((arg, i) => {
    if (program.inputs[i] < 0) return
    count(residentBuffer(arg.node))
    handles.set(arg.node, (handles.get(arg.node) ?? new Set()).add(arg))
  })
  return {
    isShared: (arg: Argument, buffer: GPUBuffer) => uses.get(buffer)! > 1 || handleCount(arg.node) > handles.get(arg.node)!.size,
    release: (buffer: GPUBuffer) => void uses.set(buffer, uses.get(buffer)! - 1),
  }
}

// ---- Compiled programs kept for reuse -----------------------------------------------------------

/** The entries of every program cache still reachable, so that `clearProgramCaches` can empty them. */
const caches = new Set<WeakRef<Map<string, unknown>>>()

/**
 * Compiled programs by signature, at most `capacity` of them: past that, the one used longest ago is
 * dropped (and compiled again if its signature comes back). Each entry keeps the values its program
 * closes over alive, so a function called with ever new shapes must not keep one per shape.
 */
export class ProgramCache<T> {
  // Least recently used first: a hit moves its entry to the end.
  readonly #entries = new Map<string, T>()
  constructor(readonly capacity: number) {
    caches.add(new WeakRef(this.#entries))
  }
  /** The entry for `key`, now the most recently used, or undefined. */
  take(key: string): T | undefined {
    const entry = this.#entries.get(key)
    if (entry !== undefined) {
      this.#entries.delete(key)
      this.#entries.set(key, entry)
    }
    return entry
  }
  put(key: string, entry: T): void {
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!)
  }
}

/** Forgets every cached program (each is compiled again on its next use). */
export const clearProgramCaches = (): void => {
  for (const ref of caches) {
    const entries = ref.deref()
    if (entries) entries.clear()
    else caches.delete(ref)
  }
}
