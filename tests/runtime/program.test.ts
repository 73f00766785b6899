/**
 * The Program that a read and a jitted step both compile to, and the
 * residency of values on the device: slots counted by tensor handles and,
 * for a value without a graph, by the nodes that still read it.
 */
import { describe, expect, it } from 'vitest'
import { add, exp, fromArray, mul, realize, relu, reshape, type Tensor } from '../../src/index.ts'
import { wrap } from '../../src/tensor.ts'
import { detach } from '../../src/graph.ts'
import { getGpu } from '../../src/runtime/index.ts'
import { compileProgram, kernelTarget } from '../../src/compiler/program.ts'
import { ProgramCache, clearProgramCaches, runProgram, valueNode, type Program } from '../../src/runtime/program.ts'
import { adopt, handleCount, residentBuffer, residentCount } from '../../src/runtime/residency.ts'
import { realize as realizeNodes } from '../../src/realize.ts'
import { values } from '../helpers/reference.ts'

const f = (x: Tensor<[2, 3]>, w: Tensor<[2, 3]>) => relu(add(mul(x, w), 1))
const kernels = (p: Program) => p.plan.steps.flatMap((s) => (s.kind === 'dispatch' ? [s.wgsl] : []))

describe('Program', () => {
  it('a read and a trace of the same function compile to the same kernels, and running either gives the same values', async () => {
    const gpu = await getGpu()
    const target = kernelTarget(gpu.info)
    const [x, w] = await realize([fromArray(values(6, 1), [2, 3]), fromArray(values(6, 2), [2, 3])])
    // A read: the operands are values already on the device, bound where they are.
    const read = compileProgram({ keep: [f(x, w).node], target })
    expect(read.captured.map(([, node]) => node).sort((a, b) => a.id - b.id)).toEqual([x.node, w.node])
    expect(read.inputs).toEqual([])
    // A trace: the operands are placeholders, bound to the arguments at each run.
    const placeholders = [x, w].map((t) => valueNode(t.shape, t.dtype))
    const [px, pw] = placeholders.map((n) => wrap<[2, 3]>(n))
    const traced = compileProgram({ outputs: [f(px, pw).node], args: placeholders, target })
    expect(traced.captured).toEqual([])
    expect(traced.inputs.every((id) => id >= 0)).toBe(true)
    expect(kernels(traced)).toEqual(kernels(read))
    expect(kernels(read).length).toBe(1) // mul, add and relu fuse into one kernel

    const run = await runProgram(gpu, traced, { args: [x, w] })
    const [fromTrace] = await realizeNodes(run.outputs)
    const [fromRead] = await realizeNodes([f(x, w).node])
    const expected = values(6, 1).map((v, i) => Math.max(0, v * values(6, 2)[i] + 1))
    expect(Array.from(fromTrace)).toEqual(Array.from(fromRead))
    expect(Array.from(fromRead).map((v, i) => Math.abs(v - expected[i]) < 1e-6)).toEqual(expected.map(() => true))
  })

  it('an output that is a view of an argument gets a buffer of its own in a trace, and is left to be recomputed in a read', async () => {
    const gpu = await getGpu()
    const target = kernelTarget(gpu.info)
    const [x] = await realize([fromArray(values(6), [2, 3])])
    const placeholder = valueNode(x.shape, x.dtype)
    const view = (t: Tensor<[2, 3]>) => reshape([3, 2])(t).node
    const traced = compileProgram({ outputs: [view(wrap(placeholder))], args: [placeholder], target })
    expect(traced.plan.steps.map((s) => s.kind)).toEqual(['copyBuffer'])
    expect(traced.outputs).toEqual([expect.objectContaining({ buffer: expect.any(Number) })])
    const read = compileProgram({ keep: [view(x)], target })
    expect(read.plan.steps).toEqual([])
    expect(read.outputs).toEqual([])
  })
})

describe('residency', () => {
  it('a slot lives while a tensor handle or, for a value without a graph, a reading node refers to it', async () => {
    const gpu = await getGpu()
    const value = valueNode([4], 'float32')
    const handle = wrap<[4]>(value)
    const buffer = gpu.storage.acquire(16)
    adopt(value, buffer, gpu.device)
    const count = residentCount()
    expect(residentBuffer(value)).toBe(buffer)
    const reader = exp(handle)
    handle.dispose()
    // `reader` may still be computed: the value stays.
    expect(handleCount(value)).toBe(0)
    expect(residentBuffer(value)).toBe(buffer)
    const inUse = gpu.storage.stats().inUseCount
    detach(reader.node)
    expect(residentBuffer(value)).toBeUndefined()
    expect(residentCount()).toBe(count - 1)
    expect(gpu.storage.stats().inUseCount).toBe(inUse - 1)
  })

  it('a computed value is freed with its last handle, and computed again from its graph when read', async () => {
    const x = fromArray(values(4), [4])
    const y = exp(x)
    const node = y.node
    const again = wrap<[4]>(node)
    const first = await y.data()
    const buffer = residentBuffer(node)
    expect(buffer).toBeDefined()
    y.dispose()
    expect(residentBuffer(node)).toBe(buffer)
    again.dispose()
    expect(residentBuffer(node)).toBeUndefined()
    expect(Array.from(await wrap<[4]>(node).data())).toEqual(Array.from(first))
  })
})

describe('ProgramCache', () => {
  it('keeps the most recently used entries up to its capacity, and clearProgramCaches empties it', () => {
    const cache = new ProgramCache<number>(2)
    cache.put('a', 1)
    cache.put('b', 2)
    expect(cache.take('a')).toBe(1) // now the most recently used
    cache.put('c', 3)
    expect(cache.take('b')).toBeUndefined()
    expect([cache.take('a'), cache.take('c')]).toEqual([1, 3])
    clearProgramCaches()
    expect([cache.take('a'), cache.take('c')]).toEqual([undefined, undefined])
  })
})
