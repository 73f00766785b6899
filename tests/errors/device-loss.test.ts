// In its own file (= its own process under the forks pool): it destroys the
// shared device behind the runtime's back.
import { describe, expect, it } from 'vitest'
import { add, jit, memory, mul, relu, tensor, type AnyTensor, type Tensor } from '../../src/index.ts'
import { DeviceLostError, deviceLoss, getGpu, releaseGpu } from '../../src/runtime/index.ts'

const read = async (t: AnyTensor) => Array.from((await t.data()) as Float32Array)

describe('device loss', () => {
  it('every later read, op and jitted call throws `device lost`; releaseGpu() recovers for new work', async () => {
    const gpu = await getGpu()
    const onDevice = add(tensor([1, 2, 3]), 1)
    expect(await read(onDevice)).toEqual([2, 3, 4])
    const lazy = relu(tensor([-1, 2]))
    const step = jit((x: Tensor<[2]>) => mul(x, 3))
    const fromJit = await step(tensor([1, 2]))

    gpu.device.destroy() // what a driver reset looks like to us
    await gpu.device.lost
    await new Promise((r) => setImmediate(r))
    expect(deviceLoss()).toBeInstanceOf(DeviceLostError)

    for (const attempt of [() => onDevice.data(), () => lazy.data(), () => fromJit.data(), () => step(tensor([1, 2])), () => add(onDevice, 1).array()]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(error).toBeInstanceOf(DeviceLostError)
      expect(error!.name).toBe('DeviceLostError')
      expect(error!.message).toMatch(/^device lost: destroyed/)
    }
    // Building graphs needs no device, and memory() never acquires one.
    expect(add(lazy, 1).shape).toEqual([2])
    expect(() => memory()).not.toThrow()

    releaseGpu()
    const fresh = await getGpu()
    expect(fresh).not.toBe(gpu)
    expect(await read(relu(add(tensor([-5, 1, 2]), 1)))).toEqual([0, 2, 3])
    expect(await read(await step(tensor([2, 3])))).toEqual([6, 9])
    // Values held by the lost device are recomputed from their graphs on the new one…
    expect(await read(onDevice)).toEqual([2, 3, 4])
    expect(await read(lazy)).toEqual([0, 2])
    // …except outputs of compiled steps, which have no graph: a clear error names what happened.
    await expect(fromJit.data()).rejects.toThrow(/was lost with its device and cannot be recomputed/)
  })
})
