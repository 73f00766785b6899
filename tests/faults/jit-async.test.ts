/**
 * jit refuses functions that return a promise: a traced function must build its graph synchronously
 * (awaiting a read inside it would read a placeholder, and the outputs would be whatever the promise
 * object's own properties are — `{}`). The refusal is a TypeError that says why, and no unhandled
 * rejection escapes from the traced body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { add, jit, tensor, type Tensor } from '../../src/index.ts'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => void unhandled.push(reason)
beforeAll(() => void process.on('unhandledRejection', onUnhandled))
afterAll(() => void process.off('unhandledRejection', onUnhandled))

describe('jit and promises', () => {
  it('refuses an async function when it is wrapped, saying why', () => {
    const asyncStep = async (x: Tensor<[2]>) => add(x, 1)
    // @ts-expect-error a function returning a promise is a compile error too
    expect(() => jit(asyncStep)).toThrow(TypeError)
    // @ts-expect-error
    expect(() => jit(asyncStep)).toThrow(/jit: .*async.*synchronously/)
  })

  it('refuses a plain function that returns a promise, and what the promise does is not left unhandled', async () => {
    // Awaits a read of the traced placeholder inside the body: the promise rejects after jit has refused it.
    const readsInside = (x: Tensor<[2]>) => (async () => add(tensor(Array.from(await x.data()) as [number, number]), 1))()
    // @ts-expect-error
    const f = jit(readsInside)
    await expect(f(tensor([1, 2]))).rejects.toThrow(TypeError)
    await expect(f(tensor([1, 2]))).rejects.toThrow(/jit: the function returned a promise/)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(unhandled).toEqual([])
  })

  it('still compiles and runs a synchronous function', async () => {
    const f = jit((x: Tensor<[2]>) => add(x, 1))
    expect(Array.from(await (await f(tensor([1, 2]))).data())).toEqual([2, 3])
  })
})
