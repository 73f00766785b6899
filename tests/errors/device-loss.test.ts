// In its own file (= its own process under the forks pool): it destroys the
// shared device behind the runtime's back.
import { describe, expect, it } from 'vitest'
import { pipe } from 'fp-ts/lib/function.js'
import {
  add, DeviceLostError, flatten, fromArray, jit, linear, memory, mul, relu, resetDevice, tensor, valueAndGrad, flattenTree,
  type AnyTensor, type Tensor, type Tree,
} from '../../src/index.ts'
import { crossEntropy } from '../../src/nn/index.ts'
import { sgd, type OptimizerState } from '../../src/optim/index.ts'
import { deviceLoss, getGpu } from '../../src/runtime/index.ts'
import { expectClose, rejection, values } from '../helpers/reference.ts'

const read = async (t: AnyTensor) => Array.from((await t.data()) as Float32Array)

/** What a driver reset looks like to us. */
const loseDevice = async () => {
  const gpu = await getGpu()
  gpu.device.destroy()
  await gpu.device.lost
  await new Promise((r) => setImmediate(r))
  return gpu
}

const expectDeviceLost = (error: Error, detail?: RegExp) => {
  expect(error).toBeInstanceOf(DeviceLostError)
  expect(error.name).toBe('DeviceLostError')
  expect(error.message).toMatch(/^device lost: destroyed/)
  if (detail) expect(error.message).toMatch(detail)
}

describe('device loss', () => {
  it('mid-read: the read in flight fails with DeviceLostError, and the next call runs on a new device by itself', async () => {
    const before = await getGpu()
    const x = tensor([1, 2, 3])
    const eager = relu(add(x, -1))
    expect(await read(eager)).toEqual([0, 1, 2])
    const inFlight = add(x, 2).data()
    before.device.destroy()
    expectDeviceLost(await rejection(inFlight))
    // No releaseGpu(), no restart: values with a graph (constants, eager results) recompute on a new device.
    expect(await read(add(x, 3))).toEqual([4, 5, 6])
    expect(await read(eager)).toEqual([0, 1, 2])
    expect(await getGpu()).not.toBe(before)
    expect(deviceLoss()).toBeUndefined()
    expect(() => memory()).not.toThrow()
  })

  it('mid-training: lost parameters of a jitted step say how to resume, and training goes on from the checkpoint', async () => {
    const makeParams = () => ({ weight: fromArray(values(3 * 8, 1), [3, 8]), bias: fromArray(values(3, 2), [3]) })
    type Params = ReturnType<typeof makeParams>
    type State = OptimizerState<Tree | null>
    const optimizer = sgd({ lr: 0.1, momentum: 0.9 })
    const x = fromArray(values(4 * 8, 3), [4, 8]) as Tensor<[4, 8]>
    const y = fromArray([0, 2, 1, 2], [4], 'int32') as Tensor<[4], 'int32'>
    const trainStep = (p: Params, s: State, xs: Tensor<[4, 8]>, ys: Tensor<[4], 'int32'>) => {
      const [loss, grads] = valueAndGrad((q: Params) => crossEntropy(pipe(xs, flatten, linear(q)), ys))(p)
      const [next, state] = optimizer.update(p, grads, s)
      return { params: next, state, loss }
    }
    const step = jit(trainStep, { donate: [0, 1] })
    const checkpointOf = async (p: Params) => Object.fromEntries(await Promise.all(flattenTree(p).map(async ([k, t]) => [k, await read(t)] as const)))
    const restore = (c: Record<string, number[]>): Params => ({ weight: fromArray(c.weight, [3, 8]), bias: fromArray(c.bias, [3]) })

    let params = makeParams()
    let state = optimizer.init(params) as State
    for (let i = 0; i < 2; i++) ({ params, state } = await step(params, state, x, y))
    const checkpoint = await checkpointOf(params)
    // Two more steps from the checkpoint on the healthy device: what training should give after a restore.
    const expected: number[] = []
    {
      let p = restore(checkpoint)
      let s = optimizer.init(p) as State
      for (let i = 0; i < 2; i++) {
        const out = await step(p, s, x, y)
        expected.push((await read(out.loss))[0])
        ;({ params: p, state: s } = out)
      }
    }

    const lost = await loseDevice()
    const error = await rejection(step(params, state, x, y))
    expectDeviceLost(error, /compiled step .* was lost with its device and cannot be recomputed; reload the parameters .* last checkpoint \(loadCheckpoint from 'shapewise\/io'\)/)
    await expect(read(params.weight)).rejects.toThrow(DeviceLostError)

    // Resume from the checkpoint: same jitted step, no restart, a new device acquired by itself.
    params = restore(checkpoint)
    state = optimizer.init(params) as State
    const resumed: number[] = []
    for (let i = 0; i < 2; i++) {
      const out = await step(params, state, x, y)
      resumed.push((await read(out.loss))[0])
      ;({ params, state } = out)
    }
    expectClose(resumed, expected, { name: 'losses after resuming' })
    expect(await getGpu()).not.toBe(lost)
  })

  it('a step in flight when the device goes fails with DeviceLostError; resetDevice() gives a fresh device on demand', async () => {
    const f = jit((a: Tensor<[2]>) => mul(a, 3))
    expect(await read(await f(tensor([1, 2])))).toEqual([3, 6])
    const gpu = await getGpu()
    const inFlight = f(tensor([1, 2])).then((t) => t.data())
    gpu.device.destroy()
    expectDeviceLost(await rejection(inFlight))
    expect(await read(await f(tensor([2, 3])))).toEqual([6, 9])
    const healthy = await getGpu()
    resetDevice()
    expect(await read(await f(tensor([1, 1])))).toEqual([3, 3])
    expect(await getGpu()).not.toBe(healthy)
  })
})
