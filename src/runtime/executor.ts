// Runs a Plan: one command encoder, one queue.submit, then maps back only
// the buffers that were asked for.
//
// Why one submit: on llvmpipe a dispatch inside a submit costs ~0.07 ms and a
// separate submit ~0.24 ms (bench/dispatch-overhead.ts), and a training step is hundreds of
// dispatches. Temporaries come from the pool and go back right after the
// submit (queue order makes that safe); buffers the caller passes in are
// never touched by the pool.

import { assertAlive, getGpu, MapMode, type Gpu } from './device.ts'
import { bindGroupLayout, getPipeline, type BindingKind } from './pipelines.ts'
import { holdForPlan } from './pool.ts'
import type {
  Binding,
  BufferId,
  CopyBufferToTextureStep,
  DispatchStep,
  ExecuteOptions,
  Plan,
  ReadDType,
  ReadResults,
  ReadSpec,
  Step,
  TextureId,
} from './plan.ts'
import { PACK_WORKGROUP, PACK_TO_TEXTURE_ANY_SIZE_WGSL, packToTextureWgsl, COPY_BYTES_PER_ROW_ALIGNMENT } from './texture-layout.ts'

/** A plan that cannot run as written (bad ids, sizes over limits, GPU validation). */
export class PlanError extends Error {
  override readonly name = 'PlanError'
}

/**
 * Executes `plan` and returns copies of the requested buffers, in order
 * (Float32Array unless the request says i32/u32). Throws WgslError when a
 * kernel does not compile, PlanError when the plan is invalid for this
 * device, DeviceLostError after device loss. The device stays usable after
 * any of these.
 */
export function execute<const R extends readonly ReadSpec[] = []>(
  plan: Plan,
  reads: R = [] as unknown as R,
  opts: ExecuteOptions = {},
): Promise<ReadResults<R>> {
  const extBuffers = toMap(opts.buffers)
  const extTextures = toMap(opts.textures)
  // The caller's buffers are held from this call, before any await, until the plan is done: a tensor
  // disposed (or collected) meanwhile must not return its buffer to the pool for this very plan, or the
  // next one, to take as a temporary.
  const done = holdForPlan([...extBuffers.values(), ...extTextures.values()])
  return run(plan, reads, opts.wait ?? false, extBuffers, extTextures).finally(done)
}

async function run<const R extends readonly ReadSpec[]>(
  plan: Plan,
  reads: R,
  wait: boolean,
  extBuffers: ReadonlyMap<BufferId, GPUBuffer>,
  extTextures: ReadonlyMap<TextureId, GPUTexture>,
): Promise<ReadResults<R>> {
  const gpu = await getGpu()
  const limits = gpu.info.limits
  validate(plan, reads, extBuffers, extTextures, limits)

  // 1. Compile first (async, cached): a compile error must not leave pooled
  //    buffers checked out or half a command buffer behind.
  const dispatches = plan.steps.map((s) => (s.kind === 'copyBufferToTexture' ? packDispatch(s, plan, extTextures, limits) : s))
  const pipelines = await Promise.all(
    dispatches.map((s) => (s?.kind === 'dispatch' ? getPipeline(gpu, s.wgsl, bindingKinds(s.bindings), s.entryPoint ?? 'main', s.label) : undefined)),
  )
  assertAlive(gpu)

  // 2. Resources: caller's, or temporaries from the pools.
  const device = gpu.device
  const queue = device.queue
  const buffers: GPUBuffer[] = []
  const textures: GPUTexture[] = []
  const tempBuffers: GPUBuffer[] = []
  const tempTextures: GPUTexture[] = []
  // Staging buffers this call still holds; each leaves the set when its read hands it back, so the
  // cleanup never releases one that a concurrent read has since taken from the pool.
  const staging = new Set<GPUBuffer>()
  const uploads: GPUBuffer[] = []
  plan.buffers.forEach((d, id) => {
    const ext = extBuffers.get(id)
    if (ext) buffers[id] = ext
    else tempBuffers.push((buffers[id] = gpu.storage.acquire(Math.max(4, d.bytes))))
  })
  ;(plan.textures ?? []).forEach((d, id) => {
    const ext = extTextures.get(id)
    if (ext) textures[id] = ext
    else tempTextures.push((textures[id] = gpu.textures.acquire(d.width, d.height)))
  })

  const releaseAll = (failed: boolean) => {
    for (const b of tempBuffers) gpu.storage.release(b)
    for (const t of tempTextures) gpu.textures.release(t)
    // A staging buffer still checked out after a failure may be mid-map:
    // destroy it rather than hand a pending mapping to the next caller.
    for (const b of staging) failed ? gpu.staging.discard(b) : gpu.staging.release(b)
    for (const b of uploads) b.destroy()
  }

  device.pushErrorScope('out-of-memory')
  device.pushErrorScope('validation')
  let submitted = false
  let failed = true
  try {
    // 3. Encode. Writes to a buffer that no earlier step touches go through
    //    queue.writeBuffer (Dawn stages them; they land before the submit);
    //    the others are staged here and copied in order.
    const touched = new Set<BufferId>()
    plan.buffers.forEach((d, id) => d.zero && touched.add(id))
    const encoder = device.createCommandEncoder({ label: 'shapewise.plan' })
    plan.buffers.forEach((d, id) => d.zero && encoder.clearBuffer(buffers[id]!, 0, roundUp4(d.bytes)))

    const bindGroups = new Map<string, GPUBindGroup>()
    let pass: GPUComputePassEncoder | undefined
    const endPass = () => {
      pass?.end()
      pass = undefined
    }
    plan.steps.forEach((step, i) => {
      const disp = dispatches[i]
      if (disp?.kind === 'dispatch') {
        // Consecutive dispatches share one compute pass; WebGPU orders
        // storage accesses between dispatches within a pass.
        pass ??= encoder.beginComputePass({ label: `shapewise.pass@${i}` })
        const pipeline = pipelines[i]!
        const kinds = bindingKinds(disp.bindings)
        pass.setPipeline(pipeline)
        if (disp.bindings.length > 0) {
          // Repeated kernels over the same resources (an optimizer updating
          // each parameter, a loop body) share one bind group per execute.
          const key = bindGroupKey(disp.bindings)
          let group = bindGroups.get(key)
          if (!group) {
            group = device.createBindGroup({
              label: `step ${i}${disp.label ? ` (${disp.label})` : ''}`,
              layout: bindGroupLayout(gpu, kinds),
              entries: disp.bindings.map((b, binding) => bindEntry(b, binding, plan, buffers, textures)),
            })
            bindGroups.set(key, group)
          }
          pass.setBindGroup(0, group)
        }
        const [x, y = 1, z = 1] = typeof disp.workgroups === 'number' ? [disp.workgroups] : disp.workgroups
        if (x > 0 && y > 0 && z > 0) pass.dispatchWorkgroups(x, y, z)
        markTouched(disp, touched)
        return
      }
      endPass()
      encodeCopyOrWrite(step, gpu, encoder, buffers, textures, touched, uploads)
    })
    endPass()

    // 4. Readback copies into staging buffers, in the same command buffer.
    const readPlans = reads.map((r) => readPlan(r, plan))
    const stagingOf = readPlans.map((r) => {
      const s = gpu.staging.acquire(r.bytes)
      staging.add(s)
      encoder.copyBufferToBuffer(buffers[r.buffer]!, r.offset, s, 0, r.bytes)
      return s
    })
    queue.submit([encoder.finish()])
    submitted = true
    // Both pops are issued synchronously, before any await: error scopes are
    // a per-device stack, and a concurrent execute() must not interleave.
    const [validation, oom] = await Promise.all([device.popErrorScope(), device.popErrorScope()])
    const err = validation ?? oom
    if (err) throw new PlanError(`plan rejected by WebGPU: ${err.message.trim()}`)

    // 5. Map all staging buffers at once; copy out and hand them back.
    const results = await Promise.all(
      readPlans.map(async (r, k) => {
        const s = stagingOf[k]!
        await s.mapAsync(MapMode.READ, 0, r.bytes)
        const bytes = s.getMappedRange(0, r.bytes).slice(0)
        s.unmap()
        staging.delete(s)
        gpu.staging.release(s)
        return r.dtype === 'i32' ? new Int32Array(bytes) : r.dtype === 'u32' ? new Uint32Array(bytes) : new Float32Array(bytes)
      }),
    )
    if (wait && readPlans.length === 0) await queue.onSubmittedWorkDone()
    failed = false
    return results as ReadResults<R>
  } catch (e) {
    if (!submitted) {
      // Keep the scope stack balanced so the next execute starts clean.
      await Promise.all([device.popErrorScope(), device.popErrorScope()]).catch(() => null)
    }
    assertAlive(gpu)
    throw e
  } finally {
    releaseAll(failed)
  }
}

function encodeCopyOrWrite(
  step: Step,
  gpu: Gpu,
  encoder: GPUCommandEncoder,
  buffers: GPUBuffer[],
  textures: GPUTexture[],
  touched: Set<BufferId>,
  uploads: GPUBuffer[],
): void {
  switch (step.kind) {
    case 'writeBuffer': {
      const bytes = asBytes(step.data)
      const dst = buffers[step.dst]!
      const offset = step.offset ?? 0
      if (!touched.has(step.dst)) {
        gpu.device.queue.writeBuffer(dst, offset, bytes.buffer, bytes.byteOffset, bytes.byteLength)
      } else {
        const up = gpu.device.createBuffer({ size: Math.max(4, bytes.byteLength), usage: 0x4 /* COPY_SRC */, mappedAtCreation: true, label: 'shapewise.upload' })
        new Uint8Array(up.getMappedRange()).set(bytes)
        up.unmap()
        uploads.push(up)
        encoder.copyBufferToBuffer(up, 0, dst, offset, bytes.byteLength)
      }
      touched.add(step.dst)
      return
    }
    case 'copyBuffer':
      encoder.copyBufferToBuffer(buffers[step.src]!, step.srcOffset ?? 0, buffers[step.dst]!, step.dstOffset ?? 0, step.bytes)
      touched.add(step.src).add(step.dst)
      return
    case 'copyBufferToTexture': {
      // Only reached for the aligned case; unaligned ones became pack dispatches.
      const stride = step.srcRowStride ?? step.cols
      encoder.copyBufferToTexture(
        { buffer: buffers[step.src]!, offset: step.srcOffset ?? 0, bytesPerRow: stride * 4, rowsPerImage: step.rows },
        { texture: textures[step.dst]! },
        { width: step.cols / 4, height: step.rows },
      )
      touched.add(step.src)
      return
    }
    case 'dispatch':
      throw new Error('unreachable')
  }
}

/**
 * A copyBufferToTexture that a direct copy cannot do becomes a pack kernel: the one that reads its
 * sizes at run time when the rows are back to back from the source's start and the texture is
 * exactly the matrix's size, else one with the sizes in its text.
 */
function packDispatch(step: CopyBufferToTextureStep, plan: Plan, extTextures: ReadonlyMap<TextureId, GPUTexture>, limits: Readonly<Record<string, number>>): DispatchStep | undefined {
  const stride = step.srcRowStride ?? step.cols
  const offset = step.srcOffset ?? 0
  const direct = step.cols % 4 === 0 && (stride * 4) % COPY_BYTES_PER_ROW_ALIGNMENT === 0 && offset % 16 === 0
  if (direct) return undefined
  const width = Math.ceil(step.cols / 4)
  const wg: [number, number] = [Math.ceil(width / PACK_WORKGROUP[0]), Math.ceil(step.rows / PACK_WORKGROUP[1])]
  const maxWg = limits.maxComputeWorkgroupsPerDimension ?? 65535
  if (wg[0] > maxWg || wg[1] > maxWg) throw new PlanError(`copyBufferToTexture ${step.rows}×${step.cols}: too many workgroups for the pack kernel`)
  // A caller's texture may be larger than the plan's.
  const texture = extTextures.get(step.dst) ?? plan.textures![step.dst]!
  const anySize = stride === step.cols && offset === 0 && texture.width === width && texture.height === step.rows
  return {
    kind: 'dispatch',
    wgsl: anySize ? PACK_TO_TEXTURE_ANY_SIZE_WGSL : packToTextureWgsl(step.rows, step.cols, stride, offset / 4),
    bindings: [
      // The run-time form reads the columns from the binding's length: exactly the matrix.
      anySize ? { buffer: step.src, access: 'read', size: step.rows * step.cols * 4 } : { buffer: step.src, access: 'read' },
      { texture: step.dst, access: 'write' },
    ],
    workgroups: wg,
    label: step.label ?? `pack ${step.rows}x${step.cols}`,
  }
}

function bindEntry(b: Binding, binding: number, plan: Plan, buffers: GPUBuffer[], textures: GPUTexture[]): GPUBindGroupEntry {
  if ('buffer' in b) {
    const offset = b.offset ?? 0
    const size = b.size ?? roundUp4(plan.buffers[b.buffer]!.bytes - offset)
    return { binding, resource: { buffer: buffers[b.buffer]!, offset, size } }
  }
  return { binding, resource: textures[b.texture]!.createView() }
}

function bindGroupKey(bindings: readonly Binding[]): string {
  return bindings.map((b) => ('buffer' in b ? `b${b.buffer}:${b.access}:${b.offset ?? 0}:${b.size ?? ''}` : `t${b.texture}:${b.access}`)).join(',')
}

function bindingKinds(bindings: readonly Binding[]): BindingKind[] {
  return bindings.map((b) => ('buffer' in b ? (`buffer:${b.access}` as const) : (`texture:${b.access}` as const)))
}

function markTouched(d: DispatchStep, touched: Set<BufferId>): void {
  for (const b of d.bindings) if ('buffer' in b) touched.add(b.buffer)
}

interface ReadPlan {
  readonly buffer: BufferId
  readonly dtype: ReadDType
  readonly offset: number
  readonly bytes: number
}

function readPlan(r: ReadSpec, plan: Plan): ReadPlan {
  const req = typeof r === 'number' ? { buffer: r } : r
  const offset = req.offset ?? 0
  const declared = plan.buffers[req.buffer]!.bytes
  const bytes = req.length !== undefined ? req.length * 4 : declared - offset
  return { buffer: req.buffer, dtype: req.dtype ?? 'f32', offset, bytes }
}

// Everything that would otherwise fail deep inside Dawn with a vague message.
function validate(
  plan: Plan,
  reads: readonly ReadSpec[],
  extBuffers: ReadonlyMap<number, GPUBuffer>,
  extTextures: ReadonlyMap<number, GPUTexture>,
  limits: Readonly<Record<string, number>>,
): void {
  const nb = plan.buffers.length
  const nt = plan.textures?.length ?? 0
  const maxTex = limits.maxTextureDimension2D ?? 8192
  const maxWg = limits.maxComputeWorkgroupsPerDimension ?? 65535
  const maxBinding = limits.maxStorageBufferBindingSize ?? 134217728
  const buf = (id: BufferId, what: string) => {
    if (!Number.isInteger(id) || id < 0 || id >= nb) throw new PlanError(`${what}: buffer ${id} is not declared (plan has ${nb})`)
    return plan.buffers[id]!
  }
  const tex = (id: TextureId, what: string) => {
    if (!Number.isInteger(id) || id < 0 || id >= nt) throw new PlanError(`${what}: texture ${id} is not declared (plan has ${nt})`)
    return plan.textures![id]!
  }
  const mult4 = (n: number, what: string) => {
    if (n % 4 !== 0) throw new PlanError(`${what}: ${n} is not a multiple of 4`)
  }
  plan.buffers.forEach((d, id) => {
    if (!(d.bytes >= 0)) throw new PlanError(`buffer ${id}: bytes must be ≥ 0, got ${d.bytes}`)
    const ext = extBuffers.get(id)
    if (ext && ext.size < d.bytes) throw new PlanError(`buffer ${id}: the bound buffer has ${ext.size} bytes, the plan needs ${d.bytes}`)
  })
  ;(plan.textures ?? []).forEach((d, id) => {
    if (d.width > maxTex || d.height > maxTex) {
      throw new PlanError(`texture ${id}: ${d.width}×${d.height} exceeds this device's maxTextureDimension2D (${maxTex}); split the operand`)
    }
    const ext = extTextures.get(id)
    if (ext && (ext.width < d.width || ext.height < d.height)) throw new PlanError(`texture ${id}: the bound texture is ${ext.width}×${ext.height}, the plan needs ${d.width}×${d.height}`)
  })
  plan.steps.forEach((s, i) => {
    const at = `step ${i} (${s.kind}${s.kind === 'dispatch' && s.label ? ` ${s.label}` : ''})`
    switch (s.kind) {
      case 'dispatch': {
        const wg = typeof s.workgroups === 'number' ? [s.workgroups] : s.workgroups
        for (const n of wg) if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > maxWg)) throw new PlanError(`${at}: workgroup count ${n} outside 0..${maxWg}`)
        for (const [k, b] of s.bindings.entries()) {
          if ('buffer' in b) {
            const d = buf(b.buffer, at)
            const size = b.size ?? d.bytes - (b.offset ?? 0)
            // The compiler runs per-element kernels in windows of this size (src/compiler/split.ts); what reaches here cannot run so.
            if (size > maxBinding)
              throw new PlanError(`${at}: binding ${k} of ${size} bytes exceeds maxStorageBufferBindingSize (${maxBinding}); this kernel reads it whole and cannot be split across dispatches`)
          } else tex(b.texture, at)
        }
        return
      }
      case 'writeBuffer': {
        const d = buf(s.dst, at)
        const n = asBytes(s.data).byteLength
        mult4(n, `${at} data length`)
        mult4(s.offset ?? 0, `${at} offset`)
        if ((s.offset ?? 0) + n > roundUp4(d.bytes)) throw new PlanError(`${at}: ${n} bytes at offset ${s.offset ?? 0} overflow buffer ${s.dst} (${d.bytes} bytes)`)
        return
      }
      case 'copyBuffer':
        buf(s.src, at)
        buf(s.dst, at)
        mult4(s.bytes, `${at} bytes`)
        return
      case 'copyBufferToTexture': {
        const src = buf(s.src, at)
        const t = tex(s.dst, at)
        const stride = s.srcRowStride ?? s.cols
        mult4(s.srcOffset ?? 0, `${at} srcOffset`)
        if (stride < s.cols) throw new PlanError(`${at}: srcRowStride ${stride} < cols ${s.cols}`)
        if (t.width < Math.ceil(s.cols / 4) || t.height < s.rows) {
          throw new PlanError(`${at}: a ${s.rows}×${s.cols} matrix needs a ${Math.ceil(s.cols / 4)}×${s.rows} texture, texture ${s.dst} is ${t.width}×${t.height}`)
        }
        const need = (s.srcOffset ?? 0) + ((s.rows - 1) * stride + s.cols) * 4
        if (need > src.bytes) throw new PlanError(`${at}: source needs ${need} bytes, buffer ${s.src} has ${src.bytes}`)
        return
      }
    }
  })
  for (const r of reads) {
    const req = typeof r === 'number' ? { buffer: r } : r
    const d = buf(req.buffer, 'read')
    const offset = req.offset ?? 0
    mult4(offset, 'read offset')
    const bytes = req.length !== undefined ? req.length * 4 : d.bytes - offset
    if (offset + bytes > d.bytes) throw new PlanError(`read of buffer ${req.buffer}: ${bytes} bytes at ${offset} exceed its ${d.bytes} bytes`)
    if (bytes <= 0) throw new PlanError(`read of buffer ${req.buffer}: nothing to read`)
  }
}

function toMap<T>(m: ReadonlyMap<number, T> | Readonly<Record<number, T>> | undefined): ReadonlyMap<number, T> {
  if (!m) return new Map()
  if (m instanceof Map) return m
  return new Map(Object.entries(m).map(([k, v]) => [Number(k), v as T]))
}

function asBytes(data: ArrayBufferView | ArrayBuffer): Uint8Array {
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

function roundUp4(n: number): number {
  return Math.ceil(n / 4) * 4
}
