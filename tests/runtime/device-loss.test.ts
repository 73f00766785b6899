// In its own file (= its own process under the forks pool): it destroys the
// shared device behind the runtime's back.
import { describe, expect, it } from 'vitest'
import { DeviceLostError, deviceLoss, execute, getGpu, releaseGpu } from '../../src/runtime/index.ts'
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
  it('is recorded, later reads throw a named error, and releaseGpu() recovers', async () => {
    const gpu = await getGpu()
    expect((await execute(plan(4), [2]))[0][3]).toBe(6)
    gpu.device.destroy() // what a driver reset looks like to us
    await gpu.device.lost
    await new Promise((r) => setImmediate(r))
    expect(deviceLoss()).toBeInstanceOf(DeviceLostError)
    await expect(execute(plan(4), [2])).rejects.toThrow(/^device lost: destroyed/)
    await expect(getGpu()).rejects.toThrow(DeviceLostError)
    releaseGpu()
    const fresh = await getGpu()
    expect(fresh).not.toBe(gpu)
    expect(Array.from((await execute(plan(4), [2]))[0])).toEqual([0, 2, 4, 6])
  })
})
