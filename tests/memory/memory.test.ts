/**
 * Tensor lifetimes: dispose() and `using` free device memory, use after
 * dispose is a named error, scope() frees what it created except what it
 * returns (sync, nested, async, concurrent), the FinalizationRegistry
 * backstop frees dropped tensors, and a value read twice is computed once.
 */
import { describe, expect, it, vi } from 'vitest'
import { setTimeout as sleep } from 'node:timers/promises'
import { add, backendInfo, exp, fromArray, memory, mul, relu, scope, sum, tensor, valueAndGrad, type AnyTensor, type Tensor } from '../../src/index.ts'
import { expectClose, values, type ExecuteCall } from '../helpers/reference.ts'
import { collect } from './collect.ts'

const calls = vi.hoisted((): ExecuteCall[] => [])
vi.mock('../../src/runtime/executor.ts', async (importOriginal) => (await import('../helpers/reference.ts')).spyExecutor(calls)(importOriginal))

const read = async (t: AnyTensor) => Array.from((await t.data()) as Float32Array)
/** A [64, 64] float32 tensor: 16 KiB on the device, a size class no small tensor shares. */
const big = (seed: number) => fromArray(values(64 * 64, seed), [64, 64])
const BIG_BYTES = 64 * 64 * 4

describe('dispose', () => {
  it('frees the device memory of a computed tensor', async () => {
    await backendInfo()
    const x = big(1)
    const y = relu(x)
    const before = memory()
    await y.data()
    const computed = memory()
    // y and its uploaded input x (a live tensor) stay on the device.
    expect(computed.deviceTensors).toBe(before.deviceTensors + 2)
    expect(computed.inUseBytes).toBe(before.inUseBytes + 2 * BIG_BYTES)
    expect(computed.liveTensors).toBe(before.liveTensors)
    y.dispose()
    expect(y.isDisposed).toBe(true)
    expect(memory().deviceTensors).toBe(before.deviceTensors + 1)
    expect(memory().inUseBytes).toBe(before.inUseBytes + BIG_BYTES)
    expect(memory().liveTensors).toBe(before.liveTensors - 1)
    x.dispose()
    expect(memory().deviceTensors).toBe(before.deviceTensors)
    expect(memory().inUseBytes).toBe(before.inUseBytes)
    // The memory went back to the pool, ready for the next tensor of that size.
    expect(memory().pooledBytes).toBeGreaterThanOrEqual(2 * BIG_BYTES)
    // A second dispose is a no-op.
    y.dispose()
    expect(memory().liveTensors).toBe(before.liveTensors - 2)
  })

  it('use after dispose throws a named error from data(), array() and from ops', async () => {
    const t = fromArray(values(6), [2, 3])
    await t.data()
    t.dispose()
    await expect(t.data()).rejects.toThrow('Tensor<[2, 3], float32> was disposed and cannot be used')
    await expect(t.array()).rejects.toThrow(/was disposed/)
    expect(() => relu(t)).toThrow('Tensor<[2, 3], float32> was disposed and cannot be used')
    expect(() => add(t, 1)).toThrow(/was disposed/)
    expect(() => add(tensor([1, 2, 3]), t)).toThrow(/was disposed/)
    expect(() => valueAndGrad((x: Tensor<[2, 3]>) => sum()(x))(t)).toThrow(/was disposed/)
    // Shape and dtype stay readable (error messages use them).
    expect(t.shape).toEqual([2, 3])
    expect(String(t)).toBe('Tensor<[2, 3], float32>')
  })

  it('an input disposed before a lazy result is read still feeds it (the graph keeps its host data)', async () => {
    const x = tensor([-1, 2, -3])
    const y = relu(x)
    x.dispose()
    expect(await read(y)).toEqual([0, 2, 0])
    // Likewise an input that was on the device: its buffer is gone, its value is recomputed.
    const a = exp(tensor([0, 0]))
    await a.data()
    const b = add(a, 1)
    a.dispose()
    expect(await read(b)).toEqual([2, 2])
  })

  it('`using` disposes at the end of the block', async () => {
    const before = memory()
    let escaped: AnyTensor | undefined
    {
      using t = relu(big(2))
      await t.data()
      escaped = t
      expect(memory().deviceTensors).toBeGreaterThan(before.deviceTensors)
    }
    expect(escaped.isDisposed).toBe(true)
    await expect(escaped.data()).rejects.toThrow(/was disposed/)
    expect(memory().inUseBytes).toBeLessThanOrEqual(before.inUseBytes + BIG_BYTES) // only the (garbage) input constant may remain
  })
})

describe('scope', () => {
  it('frees everything created inside except the tensors in its result', async () => {
    const outside = tensor([1, 2, 3])
    const before = memory()
    let inside: AnyTensor[] = []
    const result = await scope(async () => {
      const a = mul(outside, 2)
      const b = add(a, 1)
      const c = relu(b)
      const d = exp(c)
      inside = [a, b, c, d]
      for (const t of inside) await t.data()
      return { kept: c, nested: { list: [d, 'label', 3] as const } }
    })
    expect(inside.map((t) => t.isDisposed)).toEqual([true, true, false, false])
    expect(outside.isDisposed).toBe(false)
    expect(result.nested.list[1]).toBe('label')
    expect(await read(result.kept)).toEqual([3, 5, 7])
    expectClose(await read(result.nested.list[0]), [3, 5, 7].map(Math.exp))
    // Only the two kept tensors are still alive (the scalars `2` and `1` of mul and add went too).
    expect(memory().liveTensors).toBeLessThanOrEqual(before.liveTensors + 2)
    result.kept.dispose()
    result.nested.list[0].dispose()
  })

  it('returns the result of a synchronous function and frees on throw too', () => {
    let created: AnyTensor | undefined
    const r = scope(() => {
      created = tensor([1])
      return 42
    })
    expect(r).toBe(42)
    expect(created!.isDisposed).toBe(true)
    expect(() =>
      scope(() => {
        created = tensor([2])
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(created!.isDisposed).toBe(true)
  })

  it('nested scopes: what the inner one returns belongs to the outer one', () => {
    let innerTemp: AnyTensor | undefined
    let innerKept: AnyTensor | undefined
    let outerKept: AnyTensor | undefined
    const result = scope(() => {
      const fromInner = scope(() => {
        innerTemp = tensor([1])
        innerKept = tensor([2])
        return innerKept
      })
      expect(innerTemp!.isDisposed).toBe(true)
      expect(fromInner.isDisposed).toBe(false)
      outerKept = add(fromInner, 1)
      return outerKept
    })
    expect(innerKept!.isDisposed).toBe(true)
    expect(result).toBe(outerKept)
    expect(result.isDisposed).toBe(false)
  })

  it('async scopes free the tensors created after an await, and free everything when they reject', async () => {
    const made: AnyTensor[] = []
    const result = await scope(async () => {
      made.push(tensor([1, 2]))
      await made[0].data()
      made.push(mul(made[0], 3))
      await sleep(1)
      made.push(add(made[1], 1))
      return made[2]
    })
    expect(made.map((t) => t.isDisposed)).toEqual([true, true, false])
    expect(await read(result)).toEqual([4, 7])

    const failed: AnyTensor[] = []
    await expect(
      scope(async () => {
        failed.push(tensor([1]))
        await sleep(1)
        failed.push(tensor([2]))
        throw new Error('async boom')
      }),
    ).rejects.toThrow('async boom')
    expect(failed.map((t) => t.isDisposed)).toEqual([true, true])
  })

  it('concurrent async scopes keep to their own tensors', async () => {
    // The two bodies interleave: each creates tensors while the other is suspended at an await.
    const temps: AnyTensor[][] = [[], []]
    const body = (which: 0 | 1, k: number, ticks: [number, number]) => async () => {
      const temp = tensor([k])
      temps[which].push(temp)
      await sleep(ticks[0])
      const kept = add(temp, 10)
      await sleep(ticks[1])
      const temp2 = mul(kept, 0)
      temps[which].push(temp2)
      await temp2.data()
      return kept
    }
    const [a, b] = await Promise.all([scope(body(0, 1, [1, 30])), scope(body(1, 2, [10, 1]))])
    expect([a.isDisposed, b.isDisposed]).toEqual([false, false])
    expect(temps.flat().map((t) => t.isDisposed)).toEqual([true, true, true, true])
    expect(await read(a)).toEqual([11])
    expect(await read(b)).toEqual([12])
  })

  it('an async scope inside a sync one and a sync one inside an async one', async () => {
    let syncTemp: AnyTensor | undefined
    const result = await scope(async () => {
      await sleep(1)
      const r = scope(() => {
        syncTemp = tensor([5])
        return add(syncTemp, 1)
      })
      expect(syncTemp!.isDisposed).toBe(true)
      return r
    })
    expect(await read(result)).toEqual([6])
  })
})

describe('the FinalizationRegistry backstop', () => {
  it('releases the device memory of a tensor dropped without dispose once it is collected', async () => {
    await collect()
    const before = memory()
    // Created and realized in a function whose frame is gone afterwards; nothing keeps a reference.
    const drop = async () => {
      const t = relu(big(3))
      await t.data()
    }
    await drop()
    const held = memory()
    expect(held.deviceTensors).toBeGreaterThan(before.deviceTensors)
    expect(held.inUseBytes).toBeGreaterThanOrEqual(before.inUseBytes + BIG_BYTES)
    for (let i = 0; i < 50 && memory().inUseBytes > before.inUseBytes; i++) await collect()
    const after = memory()
    expect(after.inUseBytes).toBeLessThanOrEqual(before.inUseBytes)
    expect(after.deviceTensors).toBeLessThanOrEqual(before.deviceTensors)
    expect(after.liveTensors).toBeLessThan(held.liveTensors)
  })
})

describe('reading', () => {
  it('a second read of a tensor runs no kernel, only a readback', async () => {
    const y = sum()(mul(fromArray(values(32, 4), [32]), 2))
    calls.length = 0
    const first = await read(y)
    expect(calls).toHaveLength(1)
    expect(calls[0].dispatches).toBeGreaterThan(0)
    calls.length = 0
    expect(await read(y)).toEqual(first)
    expect(await y.array()).toEqual(first[0])
    expect(calls).toEqual([
      { dispatches: 0, steps: 0, reads: 1 },
      { dispatches: 0, steps: 0, reads: 1 },
    ])
  })

  it('a later graph starts from values already on the device', async () => {
    const x = fromArray(values(16, 5), [16])
    const y = exp(x)
    await y.data()
    calls.length = 0
    const z = add(y, 1)
    expect(await read(z)).toEqual(Array.from(await y.data()).map((v) => Math.fround(v + 1)))
    // z's plan is one add kernel: exp is not run again, x is not uploaded again.
    expect(calls[0].dispatches).toBe(1)
  })

  it('reading a tensor whose dims are all zero gives an empty array without device work', async () => {
    calls.length = 0
    expect(Array.from(await relu(fromArray([], [0, 3])).data())).toEqual([])
    expect(calls).toEqual([])
  })
})
