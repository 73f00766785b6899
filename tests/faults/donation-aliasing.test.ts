/**
 * Aliasing under donation: one tensor passed as a donated argument and again elsewhere (a second
 * argument, twice in a donated tree, or held by another handle) must not be overwritten in place
 * under the other use. The donated use gets a copy; outputs never share a buffer.
 */
import { describe, expect, it } from 'vitest'
import { add, jit, memory, mul, tensor, type AnyTensor, type Tensor } from '../../src/index.ts'
import { residentBuffer } from '../../src/runtime/residency.ts'

const read = async (t: AnyTensor) => Array.from((await t.data()) as Float32Array)
/**
 * A tensor that lives only on the device, as parameters coming out of a jitted step do: jit binds its
 * buffer (nothing to upload) and, once overwritten, it cannot be recomputed from host data.
 */
const identity = jit((x: Tensor<[number]>) => add(x, 0))
const onDevice = (values: number[]) => identity(tensor(values) as Tensor<[number]>)

describe('donation and aliasing', () => {
  it('f(w, w) with argument 0 donated: the non-donated use reads the old values', async () => {
    const f = jit((a: Tensor<[number]>, b: Tensor<[number]>) => ({ next: add(a, 1), doubled: mul(b, 2) }), { donate: [0] })
    for (let trial = 0; trial < 3; trial++) {
      const w = await onDevice([1, 2, 3])
      const { next, doubled } = await f(w, w)
      expect(await read(next)).toEqual([2, 3, 4])
      expect(await read(doubled)).toEqual([2, 4, 6])
      expect(w.isDisposed).toBe(true)
      next.dispose()
      doubled.dispose()
    }
  })

  it('the same tensor twice in a donated tree: each output is right and has a buffer of its own', async () => {
    const f = jit((p: { a: Tensor<[number]>; b: Tensor<[number]> }) => ({ a: add(p.a, 1), b: add(p.b, 10) }), { donate: [0] })
    const w = await onDevice([1, 2])
    const out = await f({ a: w, b: w })
    expect(await read(out.a)).toEqual([2, 3])
    expect(await read(out.b)).toEqual([11, 12])
    expect(residentBuffer(out.a.node)).toBeDefined()
    expect(residentBuffer(out.a.node)).not.toBe(residentBuffer(out.b.node))
    // Freeing one output leaves the other intact.
    out.a.dispose()
    expect(await read(add(out.b, 0))).toEqual([11, 12])
    out.b.dispose()
  })

  it('a donated tensor that another live handle also holds is copied, not overwritten', async () => {
    const twice = jit((x: Tensor<[number]>) => [x, x] as const)
    const [kept, donatedHandle] = await twice(await onDevice([5, 6]))
    const step = jit((x: Tensor<[number]>) => add(x, 1), { donate: [0] })
    const next = await step(donatedHandle)
    expect(await read(next)).toEqual([6, 7])
    expect(await read(kept)).toEqual([5, 6])
    next.dispose()
    kept.dispose()
  })

  it('one computed value returned twice: donating one output leaves the other intact', async () => {
    const twiceComputed = jit((x: Tensor<[number]>) => {
      const y = add(x, 1)
      return { first: y, second: y }
    })
    const { first, second } = await twiceComputed(tensor([1, 2]) as Tensor<[number]>)
    const step = jit((x: Tensor<[number]>) => add(x, 10), { donate: [0] })
    const next = await step(first)
    expect(await read(next)).toEqual([12, 13])
    expect(await read(second)).toEqual([2, 3])
    next.dispose()
    second.dispose()
  })

  it('copies are freed: memory in use returns to where it was', async () => {
    const f = jit((a: Tensor<[number]>, b: Tensor<[number]>) => add(a, b), { donate: [0] })
    const warm = await onDevice([1, 2, 3, 4])
    ;(await f(warm, warm)).dispose()
    const before = memory().inUseBytes
    for (let i = 0; i < 5; i++) {
      const w = await onDevice([1, 2, 3, 4])
      const y = await f(w, w)
      expect(await read(y)).toEqual([2, 4, 6, 8])
      y.dispose()
    }
    expect(memory().inUseBytes).toBe(before)
  })
})
