/**
 * dropout2d: whole channels dropped with dropout's seed, rate and training flag; the gradient
 * through the same mask. Its mask comes from shapewise's counter-based generator, not PyTorch's,
 * so it is tested by its properties (as dropout is), not against PyTorch values.
 */
import { describe, expect, it } from 'vitest'
import { dropout, dropout2d, fromArray, grad, jit, ones, randn, sum, zeros, type Tensor } from '../../src/index.ts'
import { messageOf, unknownShape } from '../helpers/shapes.ts'

const read = async (t: Tensor<number[]>) => Array.from((await t.data()) as Float32Array)
const [n, c, hw] = [4, 32, 6]
const x = randn([n, c, 2, 3], { seed: 5 })

/** The per-(example, channel) factor y/x of each of the n·c maps, after checking it is one value per map. */
const factors = async (y: Tensor<number[]>) => {
  const [xs, ys] = [await read(x as Tensor<number[]>), await read(y)]
  return Array.from({ length: n * c }, (_, map) => {
    const ratios = Array.from({ length: hw }, (_, k) => ys[map * hw + k] / xs[map * hw + k])
    for (const r of ratios) expect(r).toBeCloseTo(ratios[0], 5)
    return ratios[0]
  })
}

describe('dropout2d', () => {
  it('zeroes whole channels with probability `rate` and scales the others by 1/(1 − rate); the same seed, the same channels', async () => {
    const y = dropout2d({ rate: 0.25, seed: 7, training: true })(x)
    const f = await factors(y as Tensor<number[]>)
    for (const v of f) expect([0, 1 / 0.75]).toContainEqual(expect.closeTo(v, 5))
    const dropped = f.filter((v) => v === 0).length
    expect(dropped).toBeGreaterThan(16) // of 128 maps, 32 expected
    expect(dropped).toBeLessThan(52)
    expect(await read(dropout2d({ rate: 0.25, seed: 7, training: true })(x) as Tensor<number[]>)).toEqual(await read(y as Tensor<number[]>))
    expect(await factors(dropout2d({ rate: 0.25, seed: 8, training: true })(x) as Tensor<number[]>)).not.toEqual(f)
    // the channel mask is dropout's own mask of the [N, C] maps
    const mask = await read(dropout({ rate: 0.25, seed: 7, training: true })(ones([n, c, 1, 1])) as Tensor<number[]>)
    expect(f.map((v) => Math.fround(v))).toEqual(mask.map((v) => expect.closeTo(v, 5)))
  })

  it('sends the gradient through the same channel mask, also with a seed tensor under jit', async () => {
    const seed = fromArray([3], [], 'int32')
    const g = grad((t: typeof x) => sum()(dropout2d({ rate: 0.5, seed, training: true })(t)))(x)
    const mask = await read(dropout({ rate: 0.5, seed, training: true })(ones([n, c, 1, 1])) as Tensor<number[]>)
    expect(await read(g as Tensor<number[]>)).toEqual(mask.flatMap((m) => Array(hw).fill(m)))
    const step = jit((t: typeof x, s: Tensor<[], 'int32'>) => dropout2d({ rate: 0.5, seed: s, training: true })(t))
    expect(await read((await step(x, seed)) as Tensor<number[]>)).toEqual(await read(dropout2d({ rate: 0.5, seed: 3, training: true })(x) as Tensor<number[]>))
  })

  it('is the identity to evaluate; refuses a bad rank, rate or mode with a message', () => {
    expect(dropout2d({ rate: 0.5, seed: 1, training: false })(x)).toBe(x)
    // @ts-expect-error a rank-3 input
    expect(messageOf(() => dropout2d({ rate: 0.5, seed: 1, training: true })(zeros([3, 4, 4])))).toBe('dropout2d: expects input [N, C, H, W], got [3, 4, 4]')
    expect(messageOf(() => dropout2d({ rate: 0.5, seed: 1, training: false })(unknownShape(zeros([3, 4]))))).toBe('dropout2d: expects input [N, C, H, W], got [3, 4]')
    expect(() => dropout2d({ rate: 1, seed: 1, training: true })).toThrow('dropout2d: rate must be in [0, 1), got 1')
    // @ts-expect-error the training flag is required, as for dropout and batch norm
    expect(messageOf(() => dropout2d({ rate: 0.5, seed: 1 }))).toMatch(/^dropout2d: options.training must be true/)
  })
})
