/**
 * crossEntropy and nllLoss options against PyTorch (tests/fixtures/training/loss_options.json, from
 * tests/fixtures/generate_composites.py): class `weight`, `ignoreIndex`, probability targets and
 * spatial inputs [N, C, d1, …]. Values at relative error 1e-5; the gradients of Σ seed · loss
 * w.r.t. the input (and a probability target) at 1e-4, elementwise and against their own scale.
 * Then the options' errors, each with the message its type-level twin gives.
 */
import { describe, expect, it } from 'vitest'
import { fromArray, randn, tensor, vjp, zeros, ShapeError, DTypeError, type Tensor } from '../../src/index.ts'
import { crossEntropy, nllLoss } from '../../src/nn/index.ts'
import { realize } from '../../src/realize.ts'
import type { AnyTensor } from '../../src/tree.ts'
import { loadFixtures } from '../helpers/fixtures.ts'
import { expectClose, expectNormClose, tensorOf } from './training-fixtures.ts'

const VALUE_RTOL = 1e-5
const GRAD_RTOL = 1e-4

type Loss = (input: AnyTensor, target: AnyTensor, options?: object) => AnyTensor
const losses: Record<string, Loss> = { crossEntropy: crossEntropy as unknown as Loss, nllLoss: nllLoss as unknown as Loss }
const cases = loadFixtures('../training/loss_options')

describe('crossEntropy / nllLoss options match PyTorch', () => {
  it('cover weight, ignoreIndex, probability targets and spatial inputs, for both losses and every reduction', () => {
    const names = cases.map((c) => c.name)
    for (const op of ['crossEntropy', 'nllLoss'])
      for (const r of ['mean', 'sum', 'none'])
        for (const kind of ['weight', 'ignored_default', 'weight_ignored_spatial']) expect(names).toContain(`${op}/${kind}_${r}_${kind.includes('spatial') ? '2x4x3x5' : kind === 'weight' ? '6x5' : '8x4'}`)
    for (const r of ['mean', 'sum', 'none']) expect(names).toContain(`crossEntropy/soft_weight_${r}_5x4`)
    // the ignored labels are there: some cases hold -100, and one ignores a real class
    expect(cases.some((c) => c.inputs[1].data.includes(-100))).toBe(true)
    expect(cases.find((c) => c.attrs.ignoreIndex === 2)?.inputs[1].data).toContain(2)
  })

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const [x, target] = c.inputs.map(tensorOf)
    const { weight, ...rest } = c.attrs
    const options = weight ? { ...rest, weight: fromArray(weight as number[], [(weight as number[]).length]) } : rest
    const soft = target.dtype === 'float32'
    const [value, pullback] = soft
      ? vjp((input: AnyTensor, t: AnyTensor) => losses[c.op](input, t, options), x, target)
      : vjp((input: AnyTensor) => losses[c.op](input, target, options), x)
    expect([...value.shape]).toEqual(c.output.shape)
    const grads = pullback(tensorOf(c.grads!.seed))
    const [v, ...gs] = await realize([value.node, ...grads.map((g) => g.node)])
    expectClose(v, c.output, `${c.name} value`, VALUE_RTOL)
    const want = c.grads!.inputs.filter((g) => g !== null)
    expect(gs).toHaveLength(want.length)
    gs.forEach((g, i) => {
      expectClose(g, want[i]!, `${c.name} grad ${i}`, GRAD_RTOL)
      expectNormClose(g, want[i]!, `${c.name} grad ${i} (normwise)`, GRAD_RTOL)
    })
  })
})

describe('loss options from first principles', () => {
  it('an ignored row changes neither the mean nor its gradient row, which is zero', async () => {
    const logits = fromArray([0.3, -1, 2, 0.5, 0.5, 0.5, 4, -2, 1], [3, 3])
    const kept = fromArray([0.3, -1, 2, 4, -2, 1], [2, 3])
    const [a, pullback] = vjp((l: AnyTensor) => crossEntropy(l as Tensor<[3, 3]>, tensor([2, -100, 0], 'int32')) as AnyTensor, logits as AnyTensor)
    const [b] = await realize([a.node, crossEntropy(kept, tensor([2, 0], 'int32')).node])
    const [[va], [g]] = [await realize([a.node]), await realize(pullback(tensor(1) as AnyTensor).map((t) => t.node))]
    expect(va).toBeCloseTo(b[0], 6)
    expect(Array.from(g.slice(3, 6))).toEqual([0, 0, 0])
  })

  it('class weights give the weighted mean: Σ w_y · loss / Σ w_y', async () => {
    const logits = fromArray([1, 0, 0, 1], [2, 2])
    const labels = tensor([0, 1], 'int32')
    const [none, weighted] = await realize([nllLoss(logits, labels, { reduction: 'none' }).node, nllLoss(logits, labels, { weight: tensor([3, 1]) }).node])
    expect(weighted[0]).toBeCloseTo((3 * -1 + 1 * -1) / 4, 6)
    expect(Array.from(none)).toEqual([-1, -1])
  })
})

describe('bad options', () => {
  const logits = zeros([4, 3])
  const labels = tensor([0, 1, 2, 0], 'int32')
  const untyped = crossEntropy as unknown as Loss
  const thrown = (f: () => unknown, kind: new (...a: never[]) => Error) => {
    try {
      f()
    } catch (e) {
      expect(e).toBeInstanceOf(kind)
      return (e as Error).message
    }
    throw new Error(`expected a ${kind.name}`)
  }

  it('a weight of the wrong length names both counts (a compile error for literal sizes)', () => {
    // @ts-expect-error weight [2] for 3 classes
    expect(thrown(() => crossEntropy(logits, labels, { weight: tensor([1, 2]) }), ShapeError)).toBe('crossEntropy: input [4, 3] needs weight [3] (one per class), got [2]')
    expect(thrown(() => untyped(logits, labels, { weight: tensor([1, 2, 3], 'int32') }), DTypeError)).toBe('crossEntropy: weight must be float32, got int32 [3]')
  })

  it('ignoreIndex must be an integer; labels out of range other than ignoreIndex are still refused', () => {
    expect(thrown(() => nllLoss(logits, labels, { ignoreIndex: 0.5 }), ShapeError)).toBe('nllLoss: ignoreIndex must be an integer, got 0.5')
    expect(thrown(() => crossEntropy(logits, tensor([0, -100, 3, 0], 'int32')), ShapeError)).toBe('crossEntropy: label 3 at index 2 is outside 0..2')
    expect(() => crossEntropy(logits, tensor([0, 7, 1, 0], 'int32'), { ignoreIndex: 7 })).not.toThrow()
  })

  it('spatial labels must be [N, d1, …] (a compile error for literal shapes)', () => {
    const image = randn([2, 5, 4, 4])
    expect(crossEntropy(image, zeros([2, 4, 4], 'int32'), { reduction: 'none' }).shape).toEqual([2, 4, 4])
    // @ts-expect-error labels [2, 4, 3] for input [2, 5, 4, 4]
    expect(thrown(() => crossEntropy(image, zeros([2, 4, 3], 'int32')), ShapeError)).toBe('crossEntropy: input [2, 5, 4, 4] needs labels [2, 4, 4], got [2, 4, 3]')
    // @ts-expect-error probabilities must have the input's shape
    expect(thrown(() => crossEntropy(image, zeros([2, 5, 4])), ShapeError)).toBe('crossEntropy: target must be int32 class indices [2, 4, 4] or float32 probabilities [2, 5, 4, 4], got float32 [2, 5, 4]')
  })
})
