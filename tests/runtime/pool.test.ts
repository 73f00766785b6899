import { describe, expect, it } from 'vitest'
import { execute, getGpu, memory, sizeClass, MIN_BUFFER_BYTES } from '../../src/runtime/index.ts'
import { addWgsl, iota } from './helpers/kernels.ts'

describe('sizeClass', () => {
  it('rounds up to quarter steps between powers of two', () => {
    expect(sizeClass(0)).toBe(MIN_BUFFER_BYTES)
    expect(sizeClass(1)).toBe(256)
    expect(sizeClass(256)).toBe(256)
    expect(sizeClass(257)).toBe(320)
    expect(sizeClass(1000)).toBe(1024)
    expect(sizeClass(1024)).toBe(1024)
    expect(sizeClass(1025)).toBe(1280)
    expect(sizeClass(4 * 1024 * 1024)).toBe(4 * 1024 * 1024)
    for (let b = 1; b < 1 << 22; b = Math.ceil(b * 1.37) + 3) {
      const c = sizeClass(b)
      expect(c).toBeGreaterThanOrEqual(b)
      expect(c % 4).toBe(0)
      if (b > 256) expect(c).toBeLessThanOrEqual(b * 1.25 + 4)
    }
  })
})

describe('BufferPool', () => {
  it('reuses a released buffer of the same class', async () => {
    const { storage } = await getGpu()
    const a = storage.acquire(1000)
    expect(a.size).toBe(1024)
    const before = storage.stats()
    storage.release(a)
    const b = storage.acquire(900) // same class as 1000
    expect(b).toBe(a)
    expect(storage.stats().created).toBe(before.created)
    expect(storage.stats().reused).toBe(before.reused + 1)
    storage.release(b)
    expect(() => storage.release(b)).toThrow(/not in use/)
  })

  it('accounts bytes in use and pooled', async () => {
    const { storage } = await getGpu()
    const s0 = storage.stats()
    const x = storage.acquire(5000) // class 5120
    expect(storage.stats().inUseBytes - s0.inUseBytes).toBe(5120)
    expect(memory().storage.inUseCount).toBe(s0.inUseCount + 1)
    storage.release(x)
    const s1 = storage.stats()
    expect(s1.inUseBytes).toBe(s0.inUseBytes)
    expect(s1.freeBytes).toBeGreaterThanOrEqual(5120)
    expect(memory().pooledBytes).toBeGreaterThanOrEqual(5120)
    expect(storage.trim(0)).toBeGreaterThanOrEqual(5120)
    expect(storage.stats().freeBytes).toBe(0)
  })

  it('refuses sizes over maxBufferSize with a clear error', async () => {
    const { storage, info } = await getGpu()
    expect(() => storage.acquire(info.limits.maxBufferSize! + 4)).toThrow(/maxBufferSize/)
  })

  it('lets repeated executions allocate nothing new', async () => {
    const { storage, staging } = await getGpu()
    const run = (n: number) =>
      execute(
        {
          buffers: [{ bytes: 4 * n }, { bytes: 4 * n }, { bytes: 4 * n }],
          steps: [
            { kind: 'writeBuffer', dst: 0, data: iota(n) },
            { kind: 'writeBuffer', dst: 1, data: iota(n) },
            { kind: 'dispatch', wgsl: addWgsl(n), bindings: [{ buffer: 0, access: 'read' }, { buffer: 1, access: 'read' }, { buffer: 2, access: 'read_write' }], workgroups: [Math.ceil(n / 64)] },
          ],
        },
        [2],
      )
    await run(3000)
    const s = storage.stats().created
    const st = staging.stats().created
    for (let i = 0; i < 5; i++) expect((await run(3000))[0][2999]).toBe(5998)
    // 2900 floats fall in the same size class as 3000.
    await run(2900)
    expect(storage.stats().created).toBe(s)
    expect(staging.stats().created).toBe(st)
    expect(memory().inUseBytes).toBe(0)
  })
})
