// In its own file (= its own process under the forks pool): it destroys the
// shared device behind the runtime's back.
import { describe, expect, it } from 'vitest'
import { DeviceLostError, deviceLoss, execute, getGpu, releaseGpu, replacedDeviceLoss } from '../../src/runtime/index.ts'
import { addWgsl, iota } from './helpers/kernels.ts'

const plan = (n: number) => ({
  buffers: [{ bytes: 4 * n }, { bytes: 4 * n }, { bytes: 4 * n }],
  steps: [
    { kind: 'writeBuffer', dst: 0, data: iota(n) },
    { kind: 'writeBuffer', dst: 1, data: iota(n) },
    { kind: 'dispatch', wgsl: addWgsl(n), bindings: [{ buffer: 0, access: 'read' }, { buffer: 1, access: 'read' }, { buffer: 2, access: 'read_write' }], workgroups: 1 },
  ],
} as const)

describe('device loss', () => {
  it('is recorded, and the next call acquires a new device by itself; releaseGpu() also gives a fresh one', async () => {
    const gpu = await getGpu()
    expect((await execute(plan(4), [2]))[0][3]).toBe(6)
    gpu.device.destroy() // what a driver reset looks like to us
    await gpu.device.lost
    await new Promise((r) => setImmediate(r))
    expect(deviceLoss()).toBeInstanceOf(DeviceLostError)
    expect(deviceLoss()!.message).toMatch(/^device lost: destroyed/)
    // Buffers of the lost device cannot be bound to the new one.
    const stale = gpu.storage.acquire(16)
    expect(Array.from((await execute(plan(4), [2]))[0])).toEqual([0, 2, 4, 6])
    const fresh = await getGpu()
    expect(fresh).not.toBe(gpu)
    expect(deviceLoss()).toBeUndefined()
    expect(replacedDeviceLoss()?.reason).toBe('destroyed')
    await expect(execute(plan(4), [2], { buffers: new Map([[0, stale]]) })).rejects.toThrow()
    releaseGpu()
    expect(await getGpu()).not.toBe(fresh)
    expect(Array.from((await execute(plan(4), [2]))[0])).toEqual([0, 2, 4, 6])
  })
})
