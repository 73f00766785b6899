/**
 * Pools shrink: each device pool keeps a bounded cache of free buffers and
 * gives the oldest back to the device beyond it; memory() shows the pooled
 * bytes and each cap; trimMemory() gives every pooled buffer back and forgets
 * jitted plans; a jitted function keeps a bounded number of plans (LRU).
 */
import { describe, expect, it } from 'vitest'
import { add, exp, fromArray, jit, jitTraces, memory, trimMemory, type Tensor } from '../../src/index.ts'
import { BufferPool, BufferUsage, DEFAULT_POOL_CACHE_BYTES, getGpu } from '../../src/runtime/index.ts'
import { JIT_PLAN_CACHE_SIZE } from '../../src/autodiff/jit.ts'
import { values } from '../helpers/reference.ts'

describe('buffer pools', () => {
  it('the device pools have a finite cache, which memory() reports', async () => {
    const gpu = await getGpu()
    expect(gpu.storage.stats().maxFreeBytes).toBe(DEFAULT_POOL_CACHE_BYTES.storage)
    expect(gpu.staging.stats().maxFreeBytes).toBe(DEFAULT_POOL_CACHE_BYTES.staging)
    expect(gpu.textures.stats().maxFreeBytes).toBe(DEFAULT_POOL_CACHE_BYTES.textures)
    expect(memory().storage.maxFreeBytes).toBe(DEFAULT_POOL_CACHE_BYTES.storage)
    for (const cap of Object.values(DEFAULT_POOL_CACHE_BYTES)) expect(Number.isFinite(cap)).toBe(true)
  })

  it('beyond its cache a pool gives the oldest free buffers back to the device, and keeps the newest', async () => {
    const { device } = await getGpu()
    const pool = new BufferPool(device, BufferUsage.STORAGE, { maxFreeBytes: 3 * 4096 })
    const [a, b, c, d] = [0, 1, 2, 3].map(() => pool.acquire(4096))
    for (const buffer of [a, b, c, d]) pool.release(buffer)
    expect(pool.stats()).toMatchObject({ freeBytes: 3 * 4096, freeCount: 3, inUseBytes: 0 })
    // The newest (d) is reused first; a, the oldest, went back to the device.
    expect(pool.acquire(4096)).toBe(d)
    expect([pool.acquire(4096), pool.acquire(4096)].sort()).toEqual([b, c].sort())
    expect(pool.acquire(4096)).not.toBe(a)
    // A buffer larger than the whole cache is never pooled.
    const huge = pool.acquire(4 * 4096)
    pool.release(huge)
    expect(pool.stats().freeBytes).toBe(0)
    pool.destroyAll()
  })

  it('trimMemory() gives every pooled buffer back; live tensors keep their values', async () => {
    const kept = exp(fromArray(values(4096, 1), [64, 64]))
    const want = Array.from(await kept.data())
    const temporary = exp(fromArray(values(4096, 2), [64, 64]))
    await temporary.data()
    temporary.dispose()
    const pooled = memory().pooledBytes
    expect(pooled).toBeGreaterThanOrEqual(64 * 64 * 4)
    expect(trimMemory()).toBe(pooled)
    expect(memory().pooledBytes).toBe(0)
    expect(Array.from(await kept.data())).toEqual(want)
  })
})

describe('jit plan cache', () => {
  it(`keeps the ${JIT_PLAN_CACHE_SIZE} signatures used last; trimMemory() forgets them all`, async () => {
    const f = jit((x: Tensor<[number]>) => add(x, 1))
    const call = (n: number) => f(fromArray(values(n), [n]))
    const traced = async (n: number) => {
      const before = jitTraces()
      await call(n)
      return jitTraces() - before
    }
    for (let n = 1; n <= JIT_PLAN_CACHE_SIZE; n++) expect(await traced(n)).toBe(1)
    // Signature 1 is used again, so 2 is now the least recently used one.
    expect(await traced(1)).toBe(0)
    expect(await traced(JIT_PLAN_CACHE_SIZE + 1)).toBe(1)
    expect(await traced(1)).toBe(0)
    expect(await traced(JIT_PLAN_CACHE_SIZE)).toBe(0)
    expect(await traced(2)).toBe(1)
    trimMemory()
    expect(await traced(1)).toBe(1)
  })
})
