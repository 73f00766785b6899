/**
 * Faults found on the device. A kernel that meets an input it cannot handle — a class label outside
 * 0..classes-1, which would otherwise select nothing and make the loss and gradient silently zero,
 * or an unpooling index outside its plane —
 * records the first such value in a small status buffer of the device. The next read copies the record
 * back with its values and throws it as a named error (PyTorch raises on the same input), then clears
 * it. The buffer exists only once a kernel that checks has been compiled, so programs without one pay
 * nothing.
 */
import { BufferUsage, type Gpu } from './runtime/device.ts'
import type { Plan, ReadRequest } from './runtime/plan.ts'

/**
 * A class label outside 0..classes-1 in `crossEntropy`, `nllLoss` or `oneHot` whose labels were
 * computed on the device (a jitted step's argument, the output of other ops), found by the kernel and
 * reported by the next read of any tensor. Host labels are checked when the op is called instead.
 *
 * @example
 * import { jit, zeros, tensor, LabelError, type Tensor } from 'shapewise'
 * import { crossEntropy } from 'shapewise/nn'
 * const step = jit((logits: Tensor<[2, 10]>, labels: Tensor<[2], 'int32'>) => crossEntropy(logits, labels))
 * const loss = await step(zeros([2, 10]), tensor([3, 1000000], 'int32'))
 * let error: unknown
 * try { await loss.data() } catch (e) { error = e }
 * error instanceof LabelError // → true
 * const label = (error as LabelError).label // → 1000000
 */
export class LabelError extends RangeError {
  override readonly name = 'LabelError'
  constructor(
    /** The op that was given the label. */
    readonly op: string,
    readonly label: number,
    readonly classes: number,
    /** Index of the label in the labels tensor (row-major). */
    readonly index: number,
  ) {
    super(`${op}: label ${label} at index ${index} is outside 0..${classes - 1} (${classes} classes); found on the device by a kernel that ran before this read`)
  }
}

/**
 * An index outside its plane given to `maxUnpool1d/2d/3d` (indices computed on the device, as a max
 * pool's are), found by the kernel and reported by the next read of any tensor, as PyTorch raises on
 * the same input. The index is skipped, so nothing is written outside the plane.
 *
 * @example
 * import { tensor, maxUnpool1d, IndexError } from 'shapewise'
 * const y = maxUnpool1d(tensor([[[0, 7]]], 'int32'), { kernelSize: 2 })(tensor([[[1, 2]]]))
 * let error: unknown
 * try { await y.data() } catch (e) { error = e }
 * error instanceof IndexError // → true
 * const index = (error as IndexError).index // → 7
 */
export class IndexError extends RangeError {
  override readonly name = 'IndexError'
  constructor(
    /** The op that was given the index. */
    readonly op: string,
    readonly index: number,
    /** The number of elements the index may address (one plane of the output). */
    readonly size: number,
    /** Position of the index in the indices tensor (row-major). */
    readonly position: number,
  ) {
    super(`${op}: index ${index} at position ${position} is outside 0..${size - 1} (${size} elements per plane of the output); pass the indices of a max pool whose input had the output's size (outputSize)`)
  }
}

// The record: [set, op code, value (i32 bits), bound, position, kind (0: label, 1: index)]; the
// first fault since the last read wins.
const WORDS = 8
export const FAULT_BYTES = WORDS * 4

// Op names by code, baked into kernel source as constants (stable within the process, as the pipeline cache is).
const opNames: string[] = []
const codeOf = (op: string) => (opNames.includes(op) ? opNames.indexOf(op) : opNames.push(op) - 1)

/** The status buffer's declaration at `binding`, for a kernel that reports faults. */
export const faultDeclaration = (binding: number): string => `@group(0) @binding(${binding}) var<storage, read_write> fault: array<atomic<u32>, ${WORDS}>;`

/** WGSL that records `label` (an i32 expression) at `index` (a u32 expression) when it is outside 0..classes-1. */
export const reportBadLabel = (op: string, label: string, index: string, classes: number): string => `  if (${label} < 0i || ${label} >= ${classes}i) {
    if (atomicOr(&fault[0], 1u) == 0u) {
      atomicStore(&fault[1], ${codeOf(op)}u);
      atomicStore(&fault[2], bitcast<u32>(${label}));
      atomicStore(&fault[3], ${classes}u);
      atomicStore(&fault[4], ${index});
    }
  }`

/** WGSL that records `index` (an i32 expression) at `position` (a u32 expression) when it is outside 0..size-1. */
export const reportBadIndex = (op: string, index: string, position: string, size: number): string => `  if (${index} < 0i || ${index} >= ${size}i) {
    if (atomicOr(&fault[0], 1u) == 0u) {
      atomicStore(&fault[1], ${codeOf(op)}u);
      atomicStore(&fault[2], bitcast<u32>(${index}));
      atomicStore(&fault[3], ${size}u);
      atomicStore(&fault[4], ${position});
      atomicStore(&fault[5], 1u);
    }
  }`

const buffers = new WeakMap<GPUDevice, GPUBuffer>()

/** The device's status buffer (zeroed when created, as WebGPU buffers are). */
export const faultBuffer = (gpu: Gpu): GPUBuffer => {
  let buffer = buffers.get(gpu.device)
  if (!buffer) {
    buffer = gpu.device.createBuffer({ size: FAULT_BYTES, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST, label: 'shapewise.faults' })
    buffers.set(gpu.device, buffer)
  }
  return buffer
}

/** Whether a kernel that checks its inputs was compiled for this device (only then can a fault be pending). */
export const hasFaultRecord = (gpu: Gpu): boolean => buffers.has(gpu.device)

/**
 * A read that reports faults: binds the device's status buffer to the plan buffer its kernels record
 * faults in (if any) and, once a kernel that checks has run on this device (here or in an earlier
 * jitted step), adds a read of the record after `reads` (in place). `throwFault` takes the results of
 * running the plan and throws the recorded fault, if any, after clearing it so that later reads go on.
 */
export const withFaultRead = (
  gpu: Gpu, plan: Plan, faultId: number | undefined, external: Map<number, GPUBuffer>, reads: ReadRequest[],
  // A plan that reads nothing back (`realize(tree)`) leaves the record for the next read to report.
  { report = true }: { readonly report?: boolean } = {},
) => {
  if (faultId !== undefined) external.set(faultId, faultBuffer(gpu))
  const record = buffers.get(gpu.device)
  if (!record || !report) return { plan, throwFault: () => undefined }
  let id = faultId
  if (id === undefined) {
    plan = { ...plan, buffers: [...plan.buffers, { bytes: FAULT_BYTES }] }
    id = plan.buffers.length - 1
    external.set(id, record)
  }
  reads.push({ buffer: id, dtype: 'u32', length: WORDS })
  const throwFault = (results: readonly ArrayBufferView[]) => {
    const fault = results.at(-1) as Uint32Array
    if (fault[0] === 0) return
    gpu.device.queue.writeBuffer(record, 0, new Uint32Array(WORDS))
    if (fault[5] === 1) throw new IndexError(opNames[fault[1]] ?? 'maxUnpool', fault[2] | 0, fault[3], fault[4])
    throw new LabelError(opNames[fault[1]] ?? 'oneHot', fault[2] | 0, fault[3], fault[4])
  }
  return { plan, throwFault }
}
