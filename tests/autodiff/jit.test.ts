/**
 * jit: a training step (conv + linear model, cross-entropy, gradients, SGD
 * with momentum) compiled once per argument signature. Same numbers as the
 * eager step; later calls trace nothing and compile nothing; donated
 * arguments are freed and memory stays flat; outputs stay on the device
 * until read; non-tensor arguments key the cache; outputs never share a
 * buffer with an argument or with each other.
 */
import { residentBuffer } from '../../src/runtime/residency.ts'
import { describe, expect, it, vi } from 'vitest'
import { pipe } from 'fp-ts/lib/function.js'
import {
  add, conv2d, flatten, fromArray, jit, jitTraces, linear, memory, mul, neg, pipelineCompilations, relu, reshape, scope, stopGradient, sub, sum,
  tensor, valueAndGrad, flattenTree, type AnyTensor, type Tensor, type Tree,
} from '../../src/index.ts'
import { crossEntropy } from '../../src/nn/index.ts'
import { sgd, type OptimizerState } from '../../src/optim/index.ts'
import { expectClose, values, type ExecuteCall } from '../helpers/reference.ts'

const calls = vi.hoisted((): ExecuteCall[] => [])
vi.mock('../../src/runtime/executor.ts', async (importOriginal) => (await import('../helpers/reference.ts')).spyExecutor(calls)(importOriginal))

// ---------------------------------------------------------------- the model
const makeParams = () => ({
  conv: { weight: fromArray(values(18, 1), [2, 1, 3, 3]), bias: fromArray(values(2, 2), [2]) },
  fc: { weight: fromArray(values(96, 3).map((v) => v / 4), [3, 32]), bias: fromArray(values(3, 4), [3]) },
})
type Params = ReturnType<typeof makeParams>
type State = OptimizerState<Tree | null>

const model = (p: Params) => (x: Tensor<[number, 1, 6, 6]>) => pipe(x, conv2d(p.conv), relu, flatten, linear(p.fc)) // [N, 2, 4, 4] → [N, 32] → [N, 3]
const optimizer = sgd({ lr: 0.5, momentum: 0.9 })

const trainStep = (params: Params, state: State, x: Tensor<[number, 1, 6, 6]>, y: Tensor<[number], 'int32'>) => {
  const [loss, grads] = valueAndGrad((p: Params) => crossEntropy(model(p)(x), y))(params)
  const [next, nextState] = optimizer.update(params, grads, state)
  return { params: next, state: nextState, loss }
}

const batch = (n: number, seed = 0) => ({
  x: fromArray(values(n * 36, 10 + seed), [n, 1, 6, 6]) as Tensor<[number, 1, 6, 6]>,
  y: fromArray(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 3), [n], 'int32') as Tensor<[number], 'int32'>,
})

const read = async (t: AnyTensor) => Array.from((await t.data()) as Float32Array)
const readTree = async (tree: Tree) => Promise.all(flattenTree(tree).map(async ([path, t]) => [path, await read(t)] as const))

describe('jit: a training step', () => {
  it('gives the same losses and parameters as the eager step', async () => {
    const { x, y } = batch(4)
    const eager = await scope(async () => {
      let params = makeParams()
      let state = optimizer.init(params) as State
      const losses: number[] = []
      for (let i = 0; i < 3; i++) {
        const out = trainStep(params, state, x, y)
        losses.push((await read(out.loss))[0])
        ;({ params, state } = out)
      }
      return { losses, params: await readTree(params) }
    })
    const step = jit(trainStep)
    let params = makeParams()
    let state = optimizer.init(params) as State
    const losses: number[] = []
    for (let i = 0; i < 3; i++) {
      const out = await step(params, state, x, y)
      losses.push((await read(out.loss))[0])
      ;({ params, state } = out)
    }
    expectClose(losses, eager.losses, { rtol: 1e-5, name: 'losses' })
    expect(losses[2]).toBeLessThan(losses[0])
    const jitted = await readTree(params)
    expect(jitted.map(([p]) => p)).toEqual(eager.params.map(([p]) => p))
    jitted.forEach(([path, v], i) => expectClose(v, eager.params[i][1], { rtol: 1e-5, atol: 1e-6, name: path }))
  })

  it('later calls with the same shapes trace nothing and compile no shader; a new batch size traces again', async () => {
    const step = jit(trainStep)
    const small = batch(2, 1)
    const large = batch(5, 2)
    const traces0 = jitTraces()
    let out = await step(makeParams(), optimizer.init(makeParams()) as State, small.x, small.y)
    expect(jitTraces()).toBe(traces0 + 1)
    const compiled = pipelineCompilations()
    for (let i = 0; i < 3; i++) {
      out = await step(out.params, out.state, small.x, small.y)
      await out.loss.data()
    }
    expect(jitTraces()).toBe(traces0 + 1)
    expect(pipelineCompilations()).toBe(compiled)

    out = await step(out.params, out.state, large.x, large.y)
    expect(jitTraces()).toBe(traces0 + 2)
    expect(out.loss.shape).toEqual([])
    const compiledLarge = pipelineCompilations()
    // Each signature keeps its own plan: switching back and forth traces and compiles nothing.
    out = await step(out.params, out.state, small.x, small.y)
    out = await step(out.params, out.state, large.x, large.y)
    await out.loss.data()
    expect(jitTraces()).toBe(traces0 + 2)
    expect(pipelineCompilations()).toBe(compiledLarge)
  })

  it('donated arguments are disposed after the call, and memory stays flat over many steps', async () => {
    const step = jit(trainStep, { donate: [0, 1] })
    const { x, y } = batch(3, 3)
    const first = makeParams()
    let out = await step(first, optimizer.init(first) as State, x, y)
    expect(flattenTree(first).every(([, t]) => t.isDisposed)).toBe(true)
    await expect(first.conv.weight.data()).rejects.toThrow(/Tensor<\[2, 1, 3, 3\], float32> was disposed/)
    expect(() => relu(first.fc.bias)).toThrow(/was disposed/)
    expect(() => add(first.fc.weight, 1)).toThrow(/was disposed/)
    // Non-donated arguments are untouched.
    expect(x.isDisposed || y.isDisposed).toBe(false)

    const samples: { inUseBytes: number; deviceTensors: number; liveTensors: number }[] = []
    const losses: number[] = []
    for (let i = 0; i < 12; i++) {
      const previous = out
      out = await step(out.params, out.state, x, y)
      expect(previous.params.conv.weight.isDisposed).toBe(true)
      losses.push((await read(out.loss))[0])
      out.loss.dispose()
      const m = memory()
      samples.push({ inUseBytes: m.inUseBytes, deviceTensors: m.deviceTensors, liveTensors: m.liveTensors })
    }
    const [settled, last] = [samples[2], samples.at(-1)!]
    expect(last.inUseBytes).toBeLessThanOrEqual(settled.inUseBytes)
    expect(last.deviceTensors).toBeLessThanOrEqual(settled.deviceTensors)
    expect(last.liveTensors).toBeLessThanOrEqual(settled.liveTensors)
    expect(Math.max(...samples.slice(2).map((s) => s.inUseBytes))).toBe(settled.inUseBytes)
    expect(losses.at(-1)!).toBeLessThan(losses[0])
  })

  it('outputs stay on the device until read: the step reads nothing back, a read runs no kernel', async () => {
    const step = jit(trainStep)
    const { x, y } = batch(2, 4)
    let out = await step(makeParams(), optimizer.init(makeParams()) as State, x, y)
    calls.length = 0
    const before = memory().deviceTensors
    out = await step(out.params, out.state, x, y)
    expect(calls).toEqual([expect.objectContaining({ reads: 0 })])
    expect(calls[0].dispatches).toBeGreaterThan(5)
    // Parameters, optimizer slots and the loss are all new device values.
    expect(memory().deviceTensors).toBeGreaterThan(before)
    calls.length = 0
    const loss = await read(out.loss)
    expect(Number.isFinite(loss[0])).toBe(true)
    // Two reads in the one submit: the loss, and the device's fault record (the step's crossEntropy checks its labels there).
    expect(calls).toEqual([{ dispatches: 0, steps: 0, reads: 2 }])
  })
})

describe('jit: arguments and outputs', () => {
  it('non-tensor arguments are part of the cache key', async () => {
    const f = jit((x: Tensor<[3]>, k: number, o: { readonly negate: boolean }) => (o.negate ? neg(mul(x, k)) : mul(x, k)))
    const x = tensor([1, 2, 3])
    const traces0 = jitTraces()
    expect(await read(await f(x, 2, { negate: false }))).toEqual([2, 4, 6])
    expect(await read(await f(x, 3, { negate: false }))).toEqual([3, 6, 9])
    expect(await read(await f(x, 3, { negate: true }))).toEqual([-3, -6, -9])
    expect(jitTraces()).toBe(traces0 + 3)
    expect(await read(await f(tensor([1, 1, 1]), 2, { negate: false }))).toEqual([2, 2, 2])
    expect(await read(await f(x, 3, { negate: true }))).toEqual([-3, -6, -9])
    expect(jitTraces()).toBe(traces0 + 3)
  })

  it('the dtype and the tree structure of the arguments are part of the key too', async () => {
    const f = jit((t: { a: AnyTensor; b?: AnyTensor }) => (t.b ? add(t.a, t.b) : mul(t.a, 2)))
    const traces0 = jitTraces()
    expect(await read(await f({ a: tensor([1, 2]) }))).toEqual([2, 4])
    expect(await read(await f({ a: tensor([1, 2]), b: tensor([10, 20]) }))).toEqual([11, 22])
    expect(Array.from(await (await f({ a: tensor([1, 2], 'int32') })).data())).toEqual([2, 4])
    expect(jitTraces()).toBe(traces0 + 3)
  })

  it('returns records, arrays and plain values in the structure the function returned', async () => {
    const f = jit((x: Tensor<[2]>) => ({ doubled: mul(x, 2), parts: [relu(x), neg(x)] as const, label: 'ok', n: 2 }))
    const out = await f(tensor([-1, 3]))
    expect(out.label).toBe('ok')
    expect(out.n).toBe(2)
    expect(await read(out.doubled)).toEqual([-2, 6])
    expect(await read(out.parts[0])).toEqual([0, 3])
    expect(await read(out.parts[1])).toEqual([1, -3])
  })

  it('a donated argument returned as it is lives on in the new handle only', async () => {
    const f = jit((p: { w: Tensor<[2]>; b: Tensor<[2]> }, x: Tensor<[2]>) => ({ w: p.w, y: add(mul(x, p.w), p.b) }), { donate: [0] })
    const w = add(tensor([2, 3]), 0)
    await w.data()
    const node = w.node
    const p = { w, b: tensor([1, 1]) }
    const before = memory().deviceTensors
    const out = await f(p, tensor([10, 10]))
    expect(w.isDisposed).toBe(true)
    expect(p.b.isDisposed).toBe(true)
    expect(out.w).not.toBe(w)
    expect(out.w.node).toBe(node)
    expect(await read(out.w)).toEqual([2, 3])
    expect(await read(out.y)).toEqual([21, 31])
    // w's value stayed where it was (no copy): only y is new on the device.
    expect(memory().deviceTensors).toBe(before + 1)
  })

  it('an output that is a view of an argument keeps its values after the argument is freed', async () => {
    const view = jit((x: Tensor<[2, 2]>) => reshape([4])(x))
    const donating = jit((x: Tensor<[2, 2]>) => reshape([4])(stopGradient(x)), { donate: [0] })
    // A host argument (uploaded for the call), a device argument later disposed, and a donated one.
    const fromHost = await view(tensor([[5, 6], [7, 8]]))
    const onDevice = add(tensor([[1, 2], [3, 4]]), 0)
    await onDevice.data()
    const fromDevice = await view(onDevice)
    onDevice.dispose()
    const donated = add(tensor([[9, 8], [7, 6]]), 0)
    await donated.data()
    const fromDonated = await donating(donated)
    expect(donated.isDisposed).toBe(true)
    // Reuse the freed memory.
    const others = [0, 1, 2, 3].map((k) => add(tensor([k, k, k, k]), tensor([0, 0, 0, 0])))
    for (const o of others) await o.data()
    expect(await read(fromHost)).toEqual([5, 6, 7, 8])
    expect(await read(fromDevice)).toEqual([1, 2, 3, 4])
    expect(await read(fromDonated)).toEqual([9, 8, 7, 6])
  })

  it('two outputs that are views of one value do not share a buffer', async () => {
    const f = jit((x: Tensor<[2, 2]>) => {
      const y = relu(x)
      return [y, reshape([4])(y), y] as const
    })
    const [a, b, c] = await f(tensor([[1, -2], [3, -4]]))
    expect(await read(c)).toEqual([1, 0, 3, 0])
    a.dispose()
    const others = [0, 1, 2].map((k) => add(tensor([k, k, k, k]), tensor([0, 0, 0, 0])))
    for (const o of others) await o.data()
    expect(await read(b)).toEqual([1, 0, 3, 0])
    expect(await read(c)).toEqual([1, 0, 3, 0])
  })

  it('reads a tensor the function closes over from the device, and traces again once it is disposed', async () => {
    const w = add(tensor([1, 2]), tensor([0, 0]))
    await w.data()
    const f = jit((x: Tensor<[2]>) => ({ y: add(x, w), w }))
    const out = await f(tensor([10, 20]))
    expect(await read(out.y)).toEqual([11, 22])
    expect(await read(out.w)).toEqual([1, 2])
    const traces0 = jitTraces()
    const again = await f(tensor([5, 5]))
    expect(await read(again.y)).toEqual([6, 7])
    expect(jitTraces()).toBe(traces0)
    // The returned handles keep w's value alive: the plan still binds it.
    w.dispose()
    expect(await read((await f(tensor([1, 1]))).y)).toEqual([2, 3])
    expect(jitTraces()).toBe(traces0)

    const v = add(tensor([3, 4]), tensor([0, 0]))
    await v.data()
    const g = jit((x: Tensor<[2]>) => mul(x, v))
    expect(await read(await g(tensor([2, 2])))).toEqual([6, 8])
    v.dispose()
    // Nothing else holds v's value: the call traces again, and the function meets the disposed tensor.
    await expect(g(tensor([2, 2]))).rejects.toThrow(/was disposed/)
  })

  it('arguments computed lazily elsewhere are computed first', async () => {
    const f = jit((x: Tensor<[3]>) => sum()(x))
    const lazy = mul(tensor([1, 2, 3]), 2)
    expect(await read(await f(lazy))).toEqual([12])
    expect(await read(lazy)).toEqual([2, 4, 6])
  })
})

describe('donated parameters are updated in place', () => {
  it('an elementwise update writes into the donated buffer, which the new parameter then owns', async () => {
    const update = jit((p: { w: Tensor<[4]> }, g: Tensor<[4]>) => ({ w: sub(p.w, mul(g, 0.5)) as Tensor<[4]> }), { donate: [0] })
    let p = { w: tensor([1, 2, 3, 4]) }
    await p.w.data()
    const buffer = residentBuffer(p.w.node)
    const inUse = memory().inUseBytes
    for (let i = 0; i < 4; i++) {
      const previous = p.w
      p = await update(p, tensor([2, 2, 2, 2]))
      expect(previous.isDisposed).toBe(true)
      expect(residentBuffer(p.w.node)).toBe(buffer)
    }
    expect(Array.from(await p.w.data())).toEqual([-3, -2, -1, 0])
    expect(memory().inUseBytes).toBe(inUse)
  })

  it('does not write in place when the argument is not donated', async () => {
    const update = jit((w: Tensor<[2]>) => sub(w, 1) as Tensor<[2]>)
    const w = tensor([5, 6])
    await w.data()
    const out = await update(w)
    expect(residentBuffer(out.node)).not.toBe(residentBuffer(w.node))
    expect(Array.from(await w.data())).toEqual([5, 6])
    expect(Array.from(await out.data())).toEqual([4, 5])
  })
})
