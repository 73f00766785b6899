import { describe, expect, it } from 'vitest'
import type { Node } from '../../src/graph.ts'
import { add, greater, mul, relu, sub, sum, where } from '../../src/index.ts'
import { fromArray } from '../../src/tensor.ts'
import { realize } from '../../src/realize.ts'
import { schedule } from '../../src/compiler/schedule.ts'
import { kernelTarget } from '../../src/compiler/program.ts'
import { elementsPerWindow } from '../../src/compiler/split.ts'
import { backendInfo, execute, type DispatchStep } from '../../src/runtime/index.ts'
import { residentBuffer } from '../../src/runtime/residency.ts'

// The limit is the target's: a small one makes a few thousand elements span several windows, as a
// batch of 512 CIFAR activations spans two of llvmpipe's 128 MiB bindings.
const LIMIT = 4096
const smallLimit = async () => ({ ...kernelTarget(await backendInfo()), maxStorageBufferBindingSize: LIMIT })

let state = 11
const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
const data = (n: number) => Float32Array.from({ length: n }, rand)

const run = async (y: Node, limit: boolean, donated: ReadonlySet<Node> = new Set()) => {
  const target = limit ? await smallLimit() : kernelTarget(await backendInfo())
  const s = schedule([y], residentBuffer, () => true, target, donated)
  const dtype = y.dtype === 'float32' ? 'f32' : y.dtype === 'int32' ? 'i32' : 'u32'
  const [out] = await execute(s.plan, [{ buffer: s.bufferOf.get(y)!, dtype }], { buffers: new Map(s.external) })
  return { out, inPlace: s.inPlace, dispatches: s.plan.steps.filter((step): step is DispatchStep => step.kind === 'dispatch') }
}

describe('a kernel over the storage-binding limit', () => {
  it('windows of 1,024 elements under a 4,096-byte limit (offsets a multiple of 256 bytes)', async () => {
    expect(elementsPerWindow(await smallLimit())).toBe(1024)
    expect(elementsPerWindow({ ...(await smallLimit()), maxStorageBufferBindingSize: 4000 })).toBe(960)
  })

  it('runs an elementwise chain with a broadcast operand as one dispatch per window, with the same numbers', async () => {
    // [5, 1000] is 20,000 bytes: five windows of 1,024 elements, the last 904; the bias [1000] is bound whole.
    const x = fromArray(data(5000), [5, 1000])
    const b = fromArray(data(1000), [1000])
    const y = fromArray(data(5000), [5, 1000])
    await realize([x.node, b.node, y.node])
    const z = relu(mul(add(x, b), y)).node
    const split = await run(z, true)
    const whole = await run(z, false)
    expect(whole.dispatches).toHaveLength(1)
    expect(split.dispatches).toHaveLength(5)
    expect(split.dispatches.map((d) => d.bindings.map((bound) => ('offset' in bound ? (bound.offset ?? 0) : 0)))).toEqual(
      [0, 1, 2, 3, 4].map((w) => [w * 4096, 0, w * 4096, w * 4096]),
    )
    expect(split.dispatches.at(-1)!.bindings.map((bound) => ('size' in bound ? bound.size : undefined))).toEqual([3616, undefined, 3616, 3616])
    expect(Array.from(split.out)).toEqual(Array.from(whole.out))
    // Spot-check against the arithmetic.
    const [xs, bs, ys] = await Promise.all([x.data(), b.data(), y.data()])
    for (const i of [0, 1023, 1024, 4095, 4999]) expect(split.out[i]).toBeCloseTo(Math.max(0, (xs[i] + bs[i % 1000]) * ys[i]), 5)
  })

  it('splits int32 and bool kernels the same way (every element is 4 bytes)', async () => {
    const a = fromArray(Int32Array.from({ length: 2500 }, (_, i) => (i * 7919) % 1000 - 500), [2500], 'int32')
    const b = fromArray(Int32Array.from({ length: 2500 }, (_, i) => (i * 104729) % 1000 - 500), [2500], 'int32')
    await realize([a.node, b.node])
    const sums = await run(add(a, b).node, true)
    const mask = await run(greater(a, b).node, true)
    const picked = await run(where(greater(a, b), a, b).node, true)
    // The bool mask is a kernel of its own (a bool fuses into nothing), so `where` runs two kernels, each in 3 windows.
    expect([sums, mask, picked].map((r) => r.dispatches.length)).toEqual([3, 3, 6])
    const [as, bs] = [await a.data(), await b.data()]
    expect(Array.from(sums.out)).toEqual(Array.from(as, (v, i) => v + bs[i]))
    expect(Array.from(mask.out)).toEqual(Array.from(as, (v, i) => (v > bs[i] ? 1 : 0)))
    expect(Array.from(picked.out)).toEqual(Array.from(as, (v, i) => Math.max(v, bs[i])))
  })

  it('splits a kernel that overwrites a donated operand in place', async () => {
    const p = fromArray(data(3000), [3000])
    const g = fromArray(data(3000), [3000])
    await realize([p.node, g.node])
    const [ps, gs] = [await p.data(), await g.data()]
    const expected = ps.map((v, i) => Math.fround(v - Math.fround(gs[i] * 0.5)))
    const next = sub(p, mul(g, 0.5)).node
    const { out, dispatches, inPlace } = await run(next, true, new Set([p.node]))
    expect(inPlace.get(next)).toBe(p.node)
    expect(dispatches).toHaveLength(3)
    expect(Array.from(out)).toEqual(Array.from(expected))
  })

  it('leaves whole a kernel that reads a large operand at other elements than its own (the executor refuses it against the device limit)', async () => {
    const x = fromArray(data(5000), [5000])
    await realize([x.node])
    const { out, dispatches } = await run(sum()(x).node, true)
    expect(dispatches.map((d) => d.bindings.some((bound) => 'offset' in bound))).toEqual(dispatches.map(() => false))
    expect(out[0]).toBeCloseTo((await x.data()).reduce((a, b) => a + b, 0), 3)
  })
})
