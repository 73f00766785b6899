/** Dropout: seeded masks, a run-time seed under jit, and a gradient through the same mask. */
import { describe, expect, it } from 'vitest'
import { dropout, fromArray, grad, jit, jitTraces, ones, sum, type Tensor } from '../../src/index.ts'

const read = async (t: Tensor<number[]>) => Array.from((await t.data()) as Float32Array)
const x = ones([64])

describe('dropout', () => {
  it('zeroes about `rate` of the elements and scales the rest by 1/(1 − rate); the same seed gives the same mask', async () => {
    const a = await read(dropout({ rate: 0.25, seed: 7, training: true })(x) as Tensor<number[]>)
    const b = await read(dropout({ rate: 0.25, seed: 7, training: true })(x) as Tensor<number[]>)
    expect(a).toEqual(b)
    for (const v of a) expect([0, 1 / 0.75]).toContainEqual(expect.closeTo(v, 5))
    const dropped = a.filter((v) => v === 0).length
    expect(dropped).toBeGreaterThan(4)
    expect(dropped).toBeLessThan(32)
    expect(await read(dropout({ rate: 0.25, seed: 8, training: true })(x) as Tensor<number[]>)).not.toEqual(a)
  })

  it('takes its seed from a tensor argument under jit: a new mask per call, traced once', async () => {
    const step = jit((t: Tensor<[64]>, seed: Tensor<[], 'int32'>) => dropout({ rate: 0.5, seed, training: true })(t))
    const traces = jitTraces()
    const first = await read((await step(x, fromArray([1], [], 'int32'))) as Tensor<number[]>)
    const again = await read((await step(x, fromArray([1], [], 'int32'))) as Tensor<number[]>)
    const other = await read((await step(x, fromArray([2], [], 'int32'))) as Tensor<number[]>)
    expect(jitTraces() - traces).toBe(1)
    expect(again).toEqual(first)
    expect(other).not.toEqual(first)
    expect(first).toEqual(await read(dropout({ rate: 0.5, seed: 1, training: true })(x) as Tensor<number[]>))
  })

  it('sends the gradient through the same mask', async () => {
    const seed = fromArray([3], [], 'int32')
    const g = grad((t: Tensor<[64]>) => sum()(dropout({ rate: 0.5, seed, training: true })(t)))(x)
    expect(await read(g as Tensor<number[]>)).toEqual(await read(dropout({ rate: 0.5, seed, training: true })(x) as Tensor<number[]>))
  })

  it('is the identity in inference and refuses a bad rate or seed', async () => {
    expect(dropout({ rate: 0.5, seed: 1, training: false })(x)).toBe(x)
    expect(() => dropout({ rate: 1, seed: 1, training: true })).toThrow('dropout: rate must be in [0, 1), got 1')
    expect(() => dropout({ rate: 0.5, seed: ones([2], 'int32') as never, training: true })).toThrow(/a seed tensor must be one int32 value/)
  })
})
