/**
 * Staging buffers under concurrent reads: a plan hands each staging buffer
 * back to the pool as soon as its map completes. Another read may take that
 * buffer at once; the first plan's cleanup must then leave it alone (it used
 * to release whatever the pool still marked as in use, taking the other
 * read's buffer from under it: `release of a resource that is not in use`,
 * or two reads mapping one buffer).
 */
import { describe, expect, it } from 'vitest'
import { execute, getGpu, type Plan } from '../../src/runtime/index.ts'
import { iota } from './helpers/kernels.ts'

const uploads = (n: number): Plan => ({
  buffers: [{ bytes: 4 * n }, { bytes: 4 * n }, { bytes: 4 * n }],
  steps: [0, 1, 2].map((dst) => ({ kind: 'writeBuffer' as const, dst, data: iota(n, (i) => i + dst) })),
})

describe('staging buffers of concurrent reads', () => {
  it('a buffer handed back mid-plan and taken by another read stays with that read: 100 plans', async () => {
    const gpu = await getGpu()
    const n = 64
    const original = gpu.staging.release.bind(gpu.staging)
    const takenByOthers: GPUBuffer[] = []
    // Every time a plan hands a staging buffer back, a concurrent read takes one of that size at once
    // (the interleaving that reads in flight together produce now and then).
    gpu.staging.release = (buffer: GPUBuffer) => {
      original(buffer)
      takenByOthers.push(gpu.staging.acquire(buffer.size))
    }
    try {
      for (let plan = 0; plan < 100; plan++) {
        const [a, b, c] = await execute(uploads(n), [0, 1, 2])
        expect([a[1], b[1], c[1]]).toEqual([1, 2, 3])
      }
    } finally {
      gpu.staging.release = original
    }
    // Each buffer the "other reads" took is still theirs to hand back, exactly once.
    expect(takenByOthers.length).toBe(300)
    expect(takenByOthers.every((s) => gpu.staging.owns(s))).toBe(true)
    for (const s of takenByOthers) gpu.staging.release(s)
    expect(gpu.staging.stats().inUseCount).toBe(0)
  })
})
