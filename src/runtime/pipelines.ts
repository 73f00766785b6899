// Compiled compute pipelines, cached by WGSL source.
//
// Why by source: the compiler bakes every shape into the kernel text, so
// equal text means an equal kernel, and a jitted training step re-issues the
// same strings every time. Compiling WGSL through Dawn (Tint → GLSL → Mesa's
// LLVM on llvmpipe) costs tens of milliseconds per kernel, so a step after the
// first must compile nothing; pipelineCompilations() lets tests check that.
//
// Layouts are explicit rather than 'auto': an auto layout drops bindings the
// entry point does not use, which would make a plan's bind group invalid, and
// an explicit one turns an access mismatch into a clear pipeline error.

import type { Gpu } from './device.ts'
import { TEXTURE_FORMAT } from './pool.ts'

/** Binding kinds, in `@binding` order. */
export type BindingKind = 'buffer:read' | 'buffer:read_write' | 'texture:read' | 'texture:write'

/** One diagnostic from Tint, with the offending source line. */
export interface WgslMessage {
  readonly type: 'error' | 'warning' | 'info'
  readonly line: number
  readonly column: number
  readonly message: string
  readonly sourceLine: string
}

/** A kernel failed to compile or to form a pipeline. The device stays usable. */
export class WgslError extends Error {
  override readonly name = 'WgslError'
  readonly messages: readonly WgslMessage[]
  readonly wgsl: string
  constructor(message: string, messages: readonly WgslMessage[], wgsl: string) {
    super(message)
    this.messages = messages
    this.wgsl = wgsl
  }
}

interface Cache {
  readonly pipelines: Map<string, Promise<GPUComputePipeline>>
  readonly layouts: Map<string, GPUBindGroupLayout>
}

// Per device, so a released device's pipelines go with it.
const caches = new WeakMap<GPUDevice, Cache>()
let compilations = 0

/**
 * Pipelines compiled in this process (cache misses), for tests and profiling.
 *
 * @example
 * import { pipelineCompilations, fromArray, exp } from 'shapewise'
 * const expOfZeros = () => exp(fromArray(new Float32Array(1000), [1000])).data()
 * await expOfZeros()
 * const before = pipelineCompilations()
 * await expOfZeros() // the same kernel: served from the cache
 * pipelineCompilations() - before // → 0
 */
export function pipelineCompilations(): number {
  return compilations
}

/** Number of pipelines cached for the given device. */
export function cachedPipelineCount(gpu: Gpu): number {
  return caches.get(gpu.device)?.pipelines.size ?? 0
}

function cacheOf(device: GPUDevice): Cache {
  let c = caches.get(device)
  if (!c) caches.set(device, (c = { pipelines: new Map(), layouts: new Map() }))
  return c
}

/** The bind group layout for a binding signature (shared by pipelines and bind groups). */
export function bindGroupLayout(gpu: Gpu, kinds: readonly BindingKind[]): GPUBindGroupLayout {
  const cache = cacheOf(gpu.device)
  const key = kinds.join(',')
  let layout = cache.layouts.get(key)
  if (!layout) {
    layout = gpu.device.createBindGroupLayout({
      label: `shapewise.layout(${key})`,
      entries: kinds.map((k, binding): GPUBindGroupLayoutEntry => {
        const visibility = 0x4 // GPUShaderStage.COMPUTE
        switch (k) {
          case 'buffer:read':
            return { binding, visibility, buffer: { type: 'read-only-storage' } }
          case 'buffer:read_write':
            return { binding, visibility, buffer: { type: 'storage' } }
          case 'texture:read':
            return { binding, visibility, storageTexture: { access: 'read-only', format: TEXTURE_FORMAT, viewDimension: '2d' } }
          case 'texture:write':
            return { binding, visibility, storageTexture: { access: 'write-only', format: TEXTURE_FORMAT, viewDimension: '2d' } }
        }
      }),
    })
    cache.layouts.set(key, layout)
  }
  return layout
}

/**
 * The compute pipeline for `wgsl` with the given binding signature, compiled
 * once per device. Rejects with WgslError (line, column and source line of
 * each Tint message) when the source does not compile or does not match the
 * bindings; failures are not cached.
 */
export function getPipeline(gpu: Gpu, wgsl: string, kinds: readonly BindingKind[], entryPoint = 'main', label?: string): Promise<GPUComputePipeline> {
  const cache = cacheOf(gpu.device)
  const key = `${entryPoint}\u0000${kinds.join(',')}\u0000${wgsl}`
  let p = cache.pipelines.get(key)
  if (!p) {
    p = compile(gpu, wgsl, kinds, entryPoint, label)
    cache.pipelines.set(key, p)
    p.catch(() => cache.pipelines.delete(key))
  }
  return p
}

async function compile(gpu: Gpu, wgsl: string, kinds: readonly BindingKind[], entryPoint: string, label: string | undefined): Promise<GPUComputePipeline> {
  const { device } = gpu
  compilations++
  const name = label ?? firstLine(wgsl)
  // Scope the module creation: otherwise Dawn reports a parse error as an
  // uncaptured error (printed to stderr) before we get to format it.
  device.pushErrorScope('validation')
  const module = device.createShaderModule({ code: wgsl, label: name })
  const moduleError = await device.popErrorScope()
  const info = await module.getCompilationInfo()
  const messages = info.messages.map((m): WgslMessage => ({
    type: m.type,
    line: m.lineNum,
    column: m.linePos,
    message: m.message,
    sourceLine: wgsl.split('\n')[m.lineNum - 1] ?? '',
  }))
  const errors = messages.filter((m) => m.type === 'error')
  if (moduleError || errors.length > 0) {
    const detail = errors.length > 0 ? errors.map(formatMessage).join('\n') : (moduleError?.message ?? '')
    throw new WgslError(`WGSL compilation failed for kernel "${name}":\n${detail}`, messages, wgsl)
  }
  try {
    return await device.createComputePipelineAsync({
      label: name,
      layout: device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout(gpu, kinds)] }),
      compute: { module, entryPoint },
    })
  } catch (e) {
    // GPUPipelineError: e.g. a binding declared `read` in the plan but
    // `read_write` in the shader, or an over-limit workgroup size.
    const msg = e instanceof Error ? e.message : String(e)
    throw new WgslError(`pipeline creation failed for kernel "${name}" (bindings: ${kinds.join(', ') || 'none'}):\n${msg.trim()}${bindingLine(msg, wgsl)}`, messages, wgsl)
  }
}

// Dawn names the binding ("@group(0) @binding(2)") but not the line; point at it.
function bindingLine(msg: string, wgsl: string): string {
  const m = /@binding\((\d+)\)/.exec(msg)
  if (!m) return ''
  const lines = wgsl.split('\n')
  const i = lines.findIndex((l) => new RegExp(`@binding\\(\\s*${m[1]}\\s*\\)`).test(l))
  return i < 0 ? '' : `\n  line ${i + 1}: ${lines[i]!.trim()}`
}

function formatMessage(m: WgslMessage): string {
  const caret = ' '.repeat(Math.max(0, m.column - 1)) + '^'
  const gutter = String(m.line)
  return `  line ${m.line}:${m.column}: ${m.type}: ${m.message}\n  ${gutter} | ${m.sourceLine}\n  ${' '.repeat(gutter.length)} | ${caret}`
}

function firstLine(wgsl: string): string {
  const line = wgsl.trimStart().split('\n')[0] ?? ''
  return line.startsWith('//') ? line.slice(2).trim().slice(0, 80) : 'kernel'
}
