import { describe, expect, it } from 'vitest'
import { execute, getGpu, memory, pipelineCompilations, PlanError, WgslError, type Plan } from '../../src/runtime/index.ts'
import { addWgsl, iota, scaleInPlaceWgsl } from './helpers/kernels.ts'

const addPlan = (n: number, a: Float32Array, b: Float32Array): Plan => ({
  buffers: [{ bytes: 4 * n }, { bytes: 4 * n }, { bytes: 4 * n }],
  steps: [
    { kind: 'writeBuffer', dst: 0, data: a },
    { kind: 'writeBuffer', dst: 1, data: b },
    {
      kind: 'dispatch',
      wgsl: addWgsl(n),
      bindings: [
        { buffer: 0, access: 'read' },
        { buffer: 1, access: 'read' },
        { buffer: 2, access: 'read_write' },
      ],
      workgroups: [Math.ceil(n / 64)],
    },
  ],
})

describe('execute', () => {
  it('runs a tiny add kernel and reads back only what was asked', async () => {
    const n = 1000
    const [c] = await execute(addPlan(n, iota(n), iota(n, (i) => 2 * i)), [2])
    expect(c).toBeInstanceOf(Float32Array)
    expect(c.length).toBe(n)
    expect(Array.from(c)).toEqual(Array.from(iota(n, (i) => 3 * i)))
    // Nothing stays checked out after the call.
    expect(memory().inUseBytes).toBe(0)
  })

  it('reads several buffers, partial ranges and other dtypes', async () => {
    const n = 100
    const [c, a, part] = await execute(addPlan(n, iota(n), iota(n)), [2, { buffer: 0, dtype: 'i32' }, { buffer: 2, offset: 40, length: 3 }])
    expect(c[99]).toBe(198)
    expect(a).toBeInstanceOf(Int32Array)
    expect(a[1]).toBe(new Int32Array(new Float32Array([1]).buffer)[0]) // raw bits of 1.0f
    expect(Array.from(part)).toEqual([20, 22, 24])
  })

  it('caches pipelines by WGSL source: a second execute compiles nothing', async () => {
    const n = 77
    await execute(addPlan(n, iota(n), iota(n)), [2])
    const before = pipelineCompilations()
    const [c] = await execute(addPlan(n, iota(n, () => 1), iota(n, () => 2)), [2])
    expect(pipelineCompilations()).toBe(before)
    expect(c.every((x) => x === 3)).toBe(true)
    // A different shape is a different kernel.
    await execute(addPlan(n + 1, iota(n + 1), iota(n + 1)), [2])
    expect(pipelineCompilations()).toBe(before + 1)
  })

  it('keeps steps in order within one submit (write after dispatch, in-place updates)', async () => {
    const n = 64
    const [x] = await execute(
      {
        buffers: [{ bytes: 4 * n }],
        steps: [
          { kind: 'writeBuffer', dst: 0, data: iota(n, () => 1) },
          { kind: 'dispatch', wgsl: scaleInPlaceWgsl(n, 3), bindings: [{ buffer: 0, access: 'read_write' }], workgroups: 1 },
          // Must land after the first dispatch, not before the submit.
          { kind: 'writeBuffer', dst: 0, data: iota(n / 2, () => 10), offset: 0 },
          { kind: 'dispatch', wgsl: scaleInPlaceWgsl(n, 2), bindings: [{ buffer: 0, access: 'read_write' }], workgroups: 1 },
        ],
      },
      [0],
    )
    expect(x[0]).toBe(20)
    expect(x[n - 1]).toBe(6)
  })

  it('zero-initialises buffers on request and copies between buffers', async () => {
    const n = 16
    const gpu = await getGpu()
    // Dirty a pooled buffer first so `zero` has something to clear.
    await execute({ buffers: [{ bytes: 4 * n }], steps: [{ kind: 'writeBuffer', dst: 0, data: iota(n, () => 5) }] }, [0])
    const [z, copy] = await execute(
      {
        buffers: [{ bytes: 4 * n, zero: true }, { bytes: 4 * n }],
        steps: [
          { kind: 'writeBuffer', dst: 0, data: iota(2, () => 7), offset: 8 },
          { kind: 'copyBuffer', src: 0, dst: 1, bytes: 4 * n },
        ],
      },
      [0, 1],
    )
    expect(Array.from(z.slice(0, 5))).toEqual([0, 0, 7, 7, 0])
    expect(Array.from(copy)).toEqual(Array.from(z))
    expect(gpu.storage.stats().inUseCount).toBe(0)
  })

  it('uses caller-owned buffers across calls (parameters stay on the device)', async () => {
    const n = 32
    const gpu = await getGpu()
    const param = gpu.storage.acquire(4 * n)
    try {
      const decl = { buffers: [{ bytes: 4 * n }] }
      await execute({ ...decl, steps: [{ kind: 'writeBuffer', dst: 0, data: iota(n, () => 1) }] }, [], { buffers: { 0: param } })
      const step = { kind: 'dispatch', wgsl: scaleInPlaceWgsl(n, 2), bindings: [{ buffer: 0, access: 'read_write' }], workgroups: 1 } as const
      for (let i = 0; i < 3; i++) await execute({ ...decl, steps: [step] }, [], { buffers: new Map([[0, param]]) })
      const [x] = await execute({ ...decl, steps: [] }, [0], { buffers: { 0: param } })
      expect(x.every((v) => v === 8)).toBe(true)
      expect(gpu.storage.owns(param)).toBe(true)
    } finally {
      gpu.storage.release(param)
    }
  })

  it('throws a WgslError with the offending line, and the device keeps working', async () => {
    const bad = `// broken kernel
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let y: f32 = g.x;
  x[g.x] = y;
}
`
    const plan: Plan = { buffers: [{ bytes: 256 }], steps: [{ kind: 'dispatch', wgsl: bad, bindings: [{ buffer: 0, access: 'read_write' }], workgroups: 1 }] }
    const err = await execute(plan, [0]).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(WgslError)
    const e = err as WgslError
    expect(e.message).toContain('line 5:')
    expect(e.message).toContain('let y: f32 = g.x;')
    expect(e.messages.some((m) => m.type === 'error' && m.line === 5)).toBe(true)
    expect(memory().inUseBytes).toBe(0)
    // Same device, still fine.
    const [c] = await execute(addPlan(8, iota(8), iota(8)), [2])
    expect(Array.from(c)).toEqual([0, 2, 4, 6, 8, 10, 12, 14])
  })

  it('reports a binding/shader mismatch as an error and recovers', async () => {
    // The shader writes x, but the plan binds it read-only.
    const plan: Plan = { buffers: [{ bytes: 256 }], steps: [{ kind: 'dispatch', wgsl: scaleInPlaceWgsl(64, 2), bindings: [{ buffer: 0, access: 'read' }], workgroups: 1 }] }
    await expect(execute(plan, [0])).rejects.toThrow(WgslError)
    await expect(execute(plan, [0])).rejects.toThrow(/line 2: @group\(0\) @binding\(0\) var<storage, read_write>/)
    const [c] = await execute(addPlan(4, iota(4), iota(4)), [2])
    expect(Array.from(c)).toEqual([0, 2, 4, 6])
  })

  it('turns a WebGPU validation error into a PlanError without disturbing concurrent plans', async () => {
    // A binding offset of 4 bytes breaks minStorageBufferOffsetAlignment; only
    // Dawn's validation catches it, inside the error scope.
    const bad: Plan = {
      buffers: [{ bytes: 512 }],
      steps: [{ kind: 'dispatch', wgsl: scaleInPlaceWgsl(64, 2), bindings: [{ buffer: 0, access: 'read_write', offset: 4, size: 256 }], workgroups: 1 }],
    }
    const results = await Promise.allSettled([
      execute(addPlan(16, iota(16), iota(16)), [2]),
      execute(bad, [0]),
      execute(addPlan(16, iota(16, () => 1), iota(16)), [2]),
      execute(addPlan(32, iota(32), iota(32)), [2]),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
    const err = (results[1] as PromiseRejectedResult).reason
    expect(err).toBeInstanceOf(PlanError)
    expect(String(err)).toMatch(/plan rejected by WebGPU/)
    expect((results[2] as PromiseFulfilledResult<Float32Array[]>).value[0][15]).toBe(16)
    expect((results[3] as PromiseFulfilledResult<Float32Array[]>).value[0][31]).toBe(62)
    expect(memory().inUseBytes).toBe(0)
  })

  it('rejects invalid plans before touching the GPU', async () => {
    await expect(execute({ buffers: [], steps: [] }, [0])).rejects.toThrow(PlanError)
    await expect(execute({ buffers: [{ bytes: 8 }], steps: [{ kind: 'writeBuffer', dst: 0, data: new Float32Array(3) }] })).rejects.toThrow(/overflow/)
    const max = (await getGpu()).info.limits.maxComputeWorkgroupsPerDimension!
    await expect(
      execute({ buffers: [{ bytes: 256 }], steps: [{ kind: 'dispatch', wgsl: scaleInPlaceWgsl(64, 2), bindings: [{ buffer: 0, access: 'read_write' }], workgroups: [max + 1] }] }),
    ).rejects.toThrow(/workgroup count/)
    const maxTex = (await getGpu()).info.limits.maxTextureDimension2D!
    await expect(execute({ buffers: [], textures: [{ width: 1, height: maxTex + 1 }], steps: [] })).rejects.toThrow(/maxTextureDimension2D/)
    expect(memory().inUseBytes).toBe(0)
  })
})
