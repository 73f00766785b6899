/**
 * Graph → Program: the one compile step behind both `realize` (a read of
 * lazy tensors) and `jit` (a traced function). The schedule decides the
 * kernels and the plan buffers; this step names the program's slots: which
 * plan buffers are arguments bound at run time, which are values already on
 * the device, where each output's value comes from, and what is read back.
 */
import type { Node } from '../graph.ts'
import type { Program, OutputSource } from '../runtime/program.ts'
import type { ReadRequest, Step } from '../runtime/plan.ts'
import { residentBuffer } from '../runtime/residency.ts'
import { schedule } from './schedule.ts'
import { bytesPerElement, DEFAULT_TARGET, SOFTWARE_COMPACT_CONV_MAX_WORK, SOFTWARE_COMPACT_GEMM_MAX_WORK, SOFTWARE_LARGE_TILES, SOFTWARE_ELEMENTS_PER_INVOCATION, SOFTWARE_WINOGRAD_MIN_WORK, type KernelTarget } from './kernel.ts'
import { sizeOf } from './wgsl.ts'

/** Layout and tile choices for this adapter: texture operands where read-only storage textures exist on a software rasteriser, and its measured GEMM tiles. */
export const kernelTarget = (info: { software: boolean; readOnlyStorageTextures: boolean; limits: Readonly<Record<string, number>> }): KernelTarget => ({
  textureOperands: process.env.SHAPEWISE_TEXTURE_OPERANDS !== undefined ? process.env.SHAPEWISE_TEXTURE_OPERANDS === '1' : info.software && info.readOnlyStorageTextures,
  maxTextureDimension2D: info.limits.maxTextureDimension2D ?? DEFAULT_TARGET.maxTextureDimension2D,
  maxStorageBuffersPerShaderStage: info.limits.maxStorageBuffersPerShaderStage ?? DEFAULT_TARGET.maxStorageBuffersPerShaderStage,
  maxStorageBufferBindingSize: info.limits.maxStorageBufferBindingSize ?? DEFAULT_TARGET.maxStorageBufferBindingSize,
  maxComputeWorkgroupsPerDimension: info.limits.maxComputeWorkgroupsPerDimension ?? DEFAULT_TARGET.maxComputeWorkgroupsPerDimension,
  largeTiles: info.software ? SOFTWARE_LARGE_TILES : DEFAULT_TARGET.largeTiles,
  compactGemmMaxWork: info.software ? SOFTWARE_COMPACT_GEMM_MAX_WORK : DEFAULT_TARGET.compactGemmMaxWork,
  compactConvMaxWork: info.software ? SOFTWARE_COMPACT_CONV_MAX_WORK : DEFAULT_TARGET.compactConvMaxWork,
  winogradMinWork: info.software ? SOFTWARE_WINOGRAD_MIN_WORK : DEFAULT_TARGET.winogradMinWork,
  elementsPerInvocation: info.software ? SOFTWARE_ELEMENTS_PER_INVOCATION : DEFAULT_TARGET.elementsPerInvocation,
})

export interface ProgramRequest {
  /** Values every run hands back, each in a buffer of its own (one that would share a buffer is copied). */
  readonly outputs?: readonly Node[]
  /**
   * Values kept on the device when the program computes them into a buffer of their own; one that
   * would share a buffer (a view of another value) is left to be recomputed, which costs no kernel.
   */
  readonly keep?: readonly Node[]
  /** Which uploaded host constants stay on the device as well (a tensor still holds them). */
  readonly keepUploads?: (n: Node) => boolean
  /** Values read back after the run (each one among `outputs` or `keep`). */
  readonly read?: readonly Node[]
  /** Placeholders (nodes without inputs) for the arguments bound at run time, in order. */
  readonly args?: readonly Node[]
  /** Argument placeholders whose buffers the plan may overwrite in place. */
  readonly donated?: ReadonlySet<Node>
  readonly target: KernelTarget
}

const nodeBytes = (node: Node) => Math.max(4, sizeOf(node.shape) * bytesPerElement(node.dtype))
const readKind = (node: Node) => (node.dtype === 'float32' ? 'f32' : node.dtype === 'int32' ? 'i32' : 'u32') as 'f32' | 'i32' | 'u32'

/** Compiles what `request` asks for into a Program. Values already on the device are read where they are. */
export const compileProgram = ({ outputs = [], keep = [], keepUploads = () => false, read = [], args = [], donated = new Set(), target }: ProgramRequest): Program => {
  const argumentOf = new Map(args.map((n, i) => [n, i]))
  // Arguments stand for buffers bound at run time: present them as already on the device.
  const sentinel = {} as GPUBuffer
  const s = schedule([...outputs, ...keep], (n) => (argumentOf.has(n) ? sentinel : residentBuffer(n)), keepUploads, target, donated)
  const inputs = args.map((n) => s.bufferOf.get(n) ?? -1)
  const captured: [number, Node][] = []
  for (const [node, id] of s.bufferOf) if (s.external.has(id) && !argumentOf.has(node) && residentBuffer(node)) captured.push([id, node])
  // An output that is a view (reshape, stopGradient) of an argument, of a captured value or of another
  // output would share its buffer, and freeing one would free the other: copy it into a buffer of its own.
  const buffers = [...s.plan.buffers]
  const copies: Step[] = []
  const shared = new Set([...inputs, ...captured.map(([id]) => id)])
  const claimed = new Map<number, Node>()
  const sources = outputs.map((node): OutputSource => {
    const argument = argumentOf.get(node)
    if (argument !== undefined) return { argument }
    const { shape, dtype } = node
    // Computed into the buffer of a donated argument: that buffer becomes the output's.
    const overwritten = s.inPlace.get(node)
    if (overwritten && !claimed.has(s.bufferOf.get(node)!)) {
      claimed.set(s.bufferOf.get(node)!, node)
      return { inPlace: argumentOf.get(overwritten)!, shape, dtype }
    }
    if (residentBuffer(node)) return { resident: node }
    const id = s.bufferOf.get(node)!
    const owner = claimed.get(id)
    if (owner === node || (owner === undefined && !shared.has(id))) {
      claimed.set(id, node)
      return { buffer: id, bytes: nodeBytes(node), shape, dtype }
    }
    const bytes = nodeBytes(node)
    copies.push({ kind: 'copyBuffer', src: id, dst: buffers.push({ bytes }) - 1, bytes })
    return { buffer: buffers.length - 1, bytes, shape, dtype }
  })
  // Kept values: the requested ones and the uploads a tensor still holds, each in a buffer nothing else claimed.
  const outputSet = new Set(outputs)
  for (const node of s.keep) {
    if (outputSet.has(node) || residentBuffer(node)) continue
    const id = s.bufferOf.get(node)!
    if (shared.has(id) || claimed.has(id)) continue
    claimed.set(id, node)
    sources.push({ buffer: id, bytes: nodeBytes(node), shape: node.shape, dtype: node.dtype, keep: node })
  }
  const reads: ReadRequest[] = read.map((n) => ({ buffer: s.bufferOf.get(n)!, dtype: readKind(n), length: sizeOf(n.shape) }))
  return {
    plan: { ...s.plan, buffers, steps: [...s.plan.steps, ...copies] },
    inputs,
    captured,
    outputs: sources,
    overwritten: new Set([...s.inPlace.values()].map((n) => argumentOf.get(n)!)),
    reads,
    faultBuffer: s.faultBuffer,
  }
}
