/**
 * The last step of rendering: keeping every binding within the storage-binding limit.
 *
 * WebGPU binds at most `maxStorageBufferBindingSize` bytes of a buffer to one binding (128 MiB on
 * llvmpipe and on many GPUs), while a buffer itself may be far larger (`maxBufferSize`, 2 GiB on
 * llvmpipe): a batch of 512 CIFAR images with 64 channels is 128 MiB per activation. A kernel with
 * one invocation per output element whose over-limit bindings are read and written only at the
 * invocation's own element `i` — same-shape elementwise ops, the chains fused into them, an
 * optimizer's updates, fills — runs as several dispatches over consecutive windows of its output:
 * each binds the window of the output and of those operands (offsets a multiple of 256 bytes, the
 * largest `minStorageBufferOffsetAlignment` WebGPU allows), and every other operand whole, read at
 * the global element as before (a broadcast bias, a small table).
 *
 * Anything else over the limit (a reduction or a GEMM reading a whole large operand) is left whole,
 * and the executor refuses its plan before anything is allocated, with a PlanError naming the
 * kernel, the binding and the limit.
 * Convolutions whose repacked input is over the limit split their batch in their own lowering
 * (src/ops/conv.wgsl.ts), where the GEMM's structure is known.
 */
import type { Binding, BufferBinding, DispatchStep } from '../runtime/plan.ts'
import type { KernelBinding, KernelStep, KernelTarget } from './kernel.ts'
import { renderKernel, type RenderOptions, type RenderedKernel } from './render.ts'

/** Bytes of one element of any buffer a kernel binds (f32, i32 and u32 — bool is stored as u32). */
const ELEMENT_BYTES = 4
/** Offsets of a window are multiples of this many elements: 256 bytes, the largest offset alignment an adapter may ask for. */
const ALIGN_ELEMENTS = 256 / ELEMENT_BYTES

/** The elements in one window of a split kernel: as many as one binding holds, rounded down to the offset alignment. */
export const elementsPerWindow = (target: KernelTarget): number => Math.floor(target.maxStorageBufferBindingSize / ELEMENT_BYTES / ALIGN_ELEMENTS) * ALIGN_ELEMENTS

/**
 * The dispatches of one kernel step: one per window of its output when a binding is over the limit
 * and the kernel can run so; else one, as rendered.
 * @param bytesOf the declared size of a plan buffer
 */
export const dispatchesWithinBindingLimit = (
  step: KernelStep,
  options: RenderOptions,
  bind: (b: KernelBinding) => Binding,
  bytesOf: (buffer: number) => number,
  label: string,
): DispatchStep[] => {
  const dispatchOf = (rendered: RenderedKernel, binding: (b: KernelBinding, n: number) => Binding): DispatchStep => ({
    kind: 'dispatch',
    wgsl: rendered.wgsl,
    bindings: rendered.bindings.map(binding),
    workgroups: rendered.workgroups,
    label,
  })
  const whole = renderKernel(step, options)
  const unsplit = (): DispatchStep[] => [dispatchOf(whole, (b) => bind(b))]
  const limit = options.target.maxStorageBufferBindingSize
  const over = whole.bindings.filter((b) => {
    const plan = bind(b)
    return 'buffer' in plan && (plan.size ?? bytesOf(plan.buffer) - (plan.offset ?? 0)) > limit
  })
  if (over.length === 0) return unsplit()

  // What cannot run in windows is left whole: the executor refuses it, naming the kernel, before anything is allocated.
  const d = step.dispatch
  if (!('threads' in d && d.perOutputElement)) return unsplit()
  const chunked = new Set<number>()
  for (const binding of over) {
    if ('output' in binding) continue
    if (!('input' in binding) || whole.loads.some((l) => l.operand === binding.input && l.index !== 'i')) return unsplit()
    chunked.add(binding.input)
  }
  if (whole.stores.some((s) => s !== 'i')) return unsplit()

  const total = d.threads
  const window = elementsPerWindow(options.target)
  const dispatches: DispatchStep[] = []
  for (let base = 0; base < total; base += window) {
    const length = Math.min(window, total - base)
    const rendered = renderKernel(step, { ...options, chunk: { base, length, operands: chunked } })
    const windowed = (b: KernelBinding): Binding => {
      const plan = bind(b) as BufferBinding
      // A binding that already starts inside its buffer keeps its start: the window is relative to it.
      return { ...plan, offset: (plan.offset ?? 0) + base * ELEMENT_BYTES, size: length * ELEMENT_BYTES }
    }
    dispatches.push(dispatchOf(rendered, (b) => ('output' in b || ('input' in b && chunked.has(b.input)) ? windowed(b) : bind(b))))
  }
  return dispatches
}
