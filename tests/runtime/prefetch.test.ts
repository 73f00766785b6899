/**
 * A jitted call reads its small results back in the submit that computes them, so that `data()`
 * right after it (an inference loop) runs no second plan. The copy must never outlive the value it
 * copies, nor hide a fault the read has to report.
 */
import { describe, expect, it, vi } from 'vitest'
import { jit, randn, tensor, zeros, add, mul, matmul, relu, LabelError, type Tensor } from '../../src/index.ts'
import { crossEntropy } from '../../src/nn/index.ts'
import type { ExecuteCall } from '../helpers/reference.ts'

const calls = vi.hoisted((): ExecuteCall[] => [])
vi.mock('../../src/runtime/executor.ts', async (importOriginal) => (await import('../helpers/reference.ts')).spyExecutor(calls)(importOriginal))

describe('a jitted call with small results', () => {
  const forward = jit((w: Tensor<[8, 4]>, x: Tensor<[3, 8]>) => relu(matmul(x, w)))
  const w = randn([8, 4], { seed: 1 })
  const x = randn([3, 8], { seed: 2 })

  it('returns the values the same computation gives unjitted, and data() after the call runs no plan', async () => {
    const expected = await relu(matmul(x, w)).data()
    await (await forward(w, x)).data() // the first call traces and compiles
    const y = await forward(w, x)
    calls.length = 0
    const values = await y.data()
    expect(calls).toEqual([])
    expect(Array.from(values)).toEqual(Array.from(expected))
    // An int32 result too.
    const count = await jit((a: Tensor<[5], 'int32'>) => add(a, 1))(tensor([1, 2, 3, 4, 5], 'int32'))
    calls.length = 0
    expect(Array.from(await count.data())).toEqual([2, 3, 4, 5, 6])
    expect(calls).toEqual([])
  })

  it('hands out a copy: changing the array data() returned leaves the next read intact', async () => {
    const y = await forward(w, x)
    const first = await y.data()
    const kept = Array.from(first)
    first.fill(123)
    expect(Array.from(await y.data())).toEqual(kept)
  })

  it('keeps a disposed result disposed: data() still refuses it', async () => {
    const y = await forward(w, x)
    y.dispose()
    await expect(y.data()).rejects.toThrow(/disposed/)
  })

  it('reads a larger result (over 16 KiB) from the device as before', async () => {
    const big = jit((a: Tensor<[64, 128]>) => mul(a, 2))
    const a = randn([64, 128], { seed: 3 })
    const expected = Array.from(await a.data(), (v) => Math.fround(v * 2))
    const y = await big(a)
    calls.length = 0
    expect(Array.from(await y.data())).toEqual(expected)
    expect(calls.length).toBe(1)
  })

  // Last in this file: it compiles a kernel that checks its inputs, which gives the device a fault record.
  it('does not hide a fault: once a kernel that checks its inputs exists, data() reads from the device and reports', async () => {
    const step = jit((logits: Tensor<[2, 10]>, labels: Tensor<[2], 'int32'>) => crossEntropy(logits, labels))
    const labels = await jit((l: Tensor<[2], 'int32'>) => add(l, 0))(tensor([3, 1000000], 'int32'))
    const loss = await step(zeros([2, 10]), labels)
    await expect(loss.data()).rejects.toThrow(LabelError)
    // A later small result is read from the device too (and is right).
    const y = await forward(w, x)
    calls.length = 0
    expect(Array.from(await y.data())).toEqual(Array.from(await relu(matmul(x, w)).data()))
    expect(calls.length).toBeGreaterThan(0)
  })
})
