/**
 * jit(f): tracing plus a cache of programs. f is traced once per signature of
 * its arguments (tree structure, shapes, dtypes, and the values of non-tensor
 * arguments) into a Program, the same kind a read compiles to. Later calls
 * run that program on the arguments' device buffers: no tracing, no shader
 * compilation, one submit. Outputs stay on the device; reading one
 * (`await t.data()`) is what maps it back.
 */
import { compileProgram, kernelTarget } from '../compiler/program.ts'
import { realize } from '../realize.ts'
import { getGpu, type Gpu } from '../runtime/device.ts'
import { bindable, ProgramCache, runProgram, valueNode, type Program } from '../runtime/program.ts'
import { residentBuffer } from '../runtime/residency.ts'
import { hasFaultRecord } from '../faults.ts'
import { wrap } from '../tensor.ts'
import { isTensor, type AnyTensor } from '../tree.ts'

export interface JitOptions {
  /**
   * Arguments (by position) whose device buffers the caller gives up: after
   * the call their tensors are disposed and their buffers go back to the
   * pool, where the next step's outputs of the same size pick them up, so a
   * training loop's memory stays flat.
   */
  readonly donate?: readonly number[]
}

/** A traced signature: its program, and how to put the output leaves back into the function's result. */
interface Compiled {
  readonly program: Program
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
  const cache = new ProgramCache<Compiled>(JIT_PLAN_CACHE_SIZE)
  const donated = new Set(options.donate ?? [])

  const trace = (args: Args, argLeaves: readonly AnyTensor[], rebuildArgs: (l: readonly AnyTensor[]) => unknown, gpu: Gpu): Compiled => {
    traces++
    const placeholders = argLeaves.map((t) => valueNode(t.shape, t.dtype))
    const ranges = argumentLeafRanges(args)
    const donatedLeaves = new Set([...donated].flatMap((a) => placeholders.slice(ranges[a][0], ranges[a][1])))
    const traced = f(...(rebuildArgs(placeholders.map((n) => wrap(n))) as Args))
    if (isThenable(traced)) {
      // Whatever the promise settles with (typically a failed read of a placeholder) is moot: observe it so it is not an unhandled rejection.
      traced.then(undefined, () => undefined)
      throw promiseRefusal('the function returned a promise')
    }
    const out = split(traced)
    const program = compileProgram({ outputs: out.leaves.map((t) => t.node), args: placeholders, donated: donatedLeaves, target: kernelTarget(gpu.info) })
    return { program, rebuild: out.rebuild }
  }

  return async (...args: Args) => {
    const { leaves, key, rebuild } = split(args)
    const gpu = await getGpu()
    let compiled = cache.take(key)
    // A captured value freed since the trace (its tensor disposed) cannot be bound: trace again.
    if (!compiled || !bindable(compiled.program)) cache.put(key, (compiled = trace(args, leaves, rebuild, gpu)))
    // Arguments computed lazily elsewhere are realized first; host data is uploaded inside this step's plan.
    const pending = leaves.filter((t) => t.node.op !== 'constant' && !residentBuffer(t.node))
    if (pending.length) await realize(pending.map((t) => t.node))
    // Small results are read back in the same submit, so that reading them (the next thing an inference
    // loop does) needs no second one; not where a fault may be pending, which that read must report.
    const prefetch = compiled.program.faultBuffer === undefined && !hasFaultRecord(gpu)
    const { outputs } = await runProgram(gpu, compiled.program, { args: leaves, prefetch })
    const result = compiled.rebuild(outputs.map((node) => wrap(node))) as Out
    // Donated arguments are finished with: free them now so the next step reuses their memory. One
    // returned as it is lives on in its new handle.
    const argLeafRanges = argumentLeafRanges(args)
    for (const index of donated) for (let k = argLeafRanges[index][0]; k < argLeafRanges[index][1]; k++) leaves[k].dispose()
    return result
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

