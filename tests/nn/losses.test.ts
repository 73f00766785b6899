/**
 * Losses against PyTorch (tests/fixtures/training/losses.json): values at
 * relative error 1e-5 and gradients w.r.t. every float input at 1e-4, taken
 * through valueAndGrad for the scalar reductions and vjp (with the
 * fixture's random cotangent) for reduction 'none'. Then bad inputs.
 */
import { describe, expect, it } from 'vitest'
import { fromArray, tensor, valueAndGrad, vjp, ShapeError, DTypeError, type Tensor } from '../../src/index.ts'
import { crossEntropy, nllLoss, mseLoss, binaryCrossEntropyWithLogits } from '../../src/nn/index.ts'
import { realize } from '../../src/realize.ts'
import type { AnyTensor } from '../../src/tree.ts'
import { expectClose, expectNormClose, loadTraining, tensorOf, type LossCase } from './training-fixtures.ts'

const VALUE_RTOL = 1e-5
const GRAD_RTOL = 1e-4

// The fixtures' shapes are only known at run time: the losses are called untyped.
type Loss = (input: AnyTensor, target: AnyTensor, options?: object) => AnyTensor
const losses: Record<LossCase['op'], Loss> = {
  crossEntropy: crossEntropy as unknown as Loss,
  nllLoss: nllLoss as unknown as Loss,
  mseLoss: mseLoss as unknown as Loss,
  binaryCrossEntropyWithLogits: binaryCrossEntropyWithLogits as unknown as Loss,
}

const cases = loadTraining('losses')

describe('losses match PyTorch', () => {
  it('covers every loss and reduction', () => {
    const seen = new Set(cases.map((c) => `${c.op}/${c.attrs.reduction ?? 'default'}${c.attrs.labelSmoothing ? '/smooth' : ''}`))
    for (const op of ['crossEntropy', 'nllLoss', 'mseLoss', 'binaryCrossEntropyWithLogits'])
      for (const r of ['mean', 'sum', 'none', 'default']) expect(seen, `${op}/${r}`).toContain(`${op}/${r}`)
    for (const r of ['mean', 'sum', 'none']) expect(seen).toContain(`crossEntropy/${r}/smooth`)
  })

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const loss = losses[c.op]
    const [x, target] = c.inputs.map(tensorOf)
    const call = (input: AnyTensor, t: AnyTensor) => (Object.keys(c.attrs).length ? loss(input, t, c.attrs) : loss(input, t))
    const labels = target.dtype === 'int32'
    let value: AnyTensor
    let grads: AnyTensor[]
    if (c.output.shape.length === 0) {
      // Scalar loss: the recorded seed is 1, so these are plain gradients.
      if (labels) {
        const [v, g] = valueAndGrad((input: AnyTensor) => call(input, target))(x)
        ;[value, grads] = [v, [g]]
      } else {
        const [v, g] = valueAndGrad((input: AnyTensor, t: AnyTensor) => call(input, t), { argnums: [0, 1] })(x, target)
        ;[value, grads] = [v, g]
      }
    } else {
      const seed = tensorOf(c.grads.seed)
      if (labels) {
        const [out, pullback] = vjp((input: AnyTensor) => call(input, target), x)
        ;[value, grads] = [out, pullback(seed)]
      } else {
        const [out, pullback] = vjp((input: AnyTensor, t: AnyTensor) => call(input, t), x, target)
        ;[value, grads] = [out, pullback(seed)]
      }
    }
    expect([...value.shape]).toEqual(c.output.shape)
    const [v, ...gs] = await realize([value.node, ...grads.map((g) => g.node)])
    expectClose(v, c.output, `${c.name} value`, VALUE_RTOL)
    const want = c.grads.inputs.filter((g) => g !== null)
    expect(gs).toHaveLength(want.length)
    gs.forEach((g, i) => {
      expectClose(g, want[i]!, `${c.name} grad ${i}`, GRAD_RTOL)
      // Gradients are O(1/N): also check them against their own scale.
      expectNormClose(g, want[i]!, `${c.name} grad ${i} (normwise)`, GRAD_RTOL)
    })
  })
})

describe('loss values from first principles', () => {
  it('crossEntropy of uniform logits is log C; labelSmoothing 1 ignores the labels', async () => {
    const logits = fromArray(new Array(12).fill(0.5), [3, 4])
    const labels = tensor([0, 3, 1], 'int32')
    const [plain, smooth] = await realize([crossEntropy(logits, labels).node, crossEntropy(logits, labels, { labelSmoothing: 1 }).node])
    expect(plain[0]).toBeCloseTo(Math.log(4), 6)
    expect(smooth[0]).toBeCloseTo(Math.log(4), 6)
  })

  it('binaryCrossEntropyWithLogits stays finite at |x| = 200', async () => {
    const x = tensor([200, -200, 200, -200])
    const t = tensor([1, 0, 0, 1])
    const [perElement] = await realize([binaryCrossEntropyWithLogits(x, t, { reduction: 'none' }).node])
    expect(Array.from(perElement)).toEqual([0, 0, 200, 200])
  })
})

describe('bad inputs', () => {
  const message = (f: () => unknown): string => {
    try {
      f()
    } catch (e) {
      expect(e).toBeInstanceOf(ShapeError)
      return (e as Error).message
    }
    throw new Error('expected a ShapeError')
  }
  const logits = fromArray(new Array(12).fill(0), [4, 3])
  const untyped = crossEntropy as unknown as Loss
  const untypedNll = nllLoss as unknown as Loss

  it('a label out of range names the op, the label and its index', () => {
    expect(message(() => crossEntropy(logits, tensor([0, 1, 3, 2], 'int32')))).toBe('crossEntropy: label 3 at index 2 is outside 0..2')
    expect(message(() => crossEntropy(logits, tensor([0, -1, 1, 2], 'int32')))).toBe('crossEntropy: label -1 at index 1 is outside 0..2')
    expect(message(() => nllLoss(logits, tensor([7, 0, 0, 0], 'int32')))).toBe('nllLoss: label 7 at index 0 is outside 0..2')
  })

  it('a batch mismatch names both shapes (and is a compile error when the sizes are literals)', () => {
    const three = tensor([0, 1, 2], 'int32')
    // @ts-expect-error 4 logits rows but 3 labels
    expect(() => crossEntropy(logits, three)).toThrow(ShapeError)
    expect(message(() => untyped(logits, three))).toBe('crossEntropy: input [4, 3] needs labels [4], got [3]')
    expect(message(() => untypedNll(logits, three))).toBe('nllLoss: input [4, 3] needs labels [4], got [3]')
    expect(message(() => untyped(logits, fromArray([0, 1, 2, 0], [4, 1], 'int32')))).toBe('crossEntropy: input [4, 3] needs labels [4], got [4, 1]')
    expect(message(() => untyped(fromArray([0, 0, 0], [3]), three))).toBe('crossEntropy: expects input [N, C] or [N, C, d1, …], got [3]')
  })

  it('nllLoss labels must be int32 class indices (a DTypeError naming the op); crossEntropy also takes probabilities shaped like the logits', () => {
    const dtypeMessage = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        expect(e).toBeInstanceOf(DTypeError)
        return (e as Error).message
      }
      throw new Error('expected a DTypeError')
    }
    expect(dtypeMessage(() => untypedNll(logits, tensor([0, 1, 2, 0])))).toBe('nllLoss: labels must be int32 class indices, got float32 [4]')
    // one-hot float rows (the case): named before the shapes, which would only say [4, 3] is not [4]
    const oneHot = fromArray([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0], [4, 3])
    // @ts-expect-error nllLoss: labels must be int32 class indices, got float32 [4, 3]
    expect(dtypeMessage(() => nllLoss(logits, oneHot))).toBe('nllLoss: labels must be int32 class indices, got float32 [4, 3]')
    // crossEntropy takes float rows shaped like the logits as probabilities; other floats are neither kind of target
    expect(() => crossEntropy(logits, oneHot)).not.toThrow()
    expect(message(() => untyped(logits, tensor([0.5, 1, 2, 0])))).toBe('crossEntropy: target must be int32 class indices [4] or float32 probabilities [4, 3], got float32 [4]')
    expect(dtypeMessage(() => untyped(logits, fromArray([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0], [4, 3], 'bool')))).toBe(
      'crossEntropy: target must be int32 class indices [4] or float32 probabilities [4, 3], got bool [4, 3]',
    )
    expect(dtypeMessage(() => untypedNll(logits, tensor([1, 0, 1, 0], 'bool')))).toBe('nllLoss: labels must be int32 class indices, got bool [4]')
  })

  it('labelSmoothing outside [0, 1] is refused', () => {
    const labels = tensor([0, 1, 2, 0], 'int32')
    expect(message(() => crossEntropy(logits, labels, { labelSmoothing: 1.5 }))).toBe('crossEntropy: labelSmoothing must be in [0, 1], got 1.5')
    expect(message(() => crossEntropy(logits, labels, { labelSmoothing: -0.1 }))).toMatch(/labelSmoothing must be in \[0, 1\], got -0.1/)
    expect(message(() => crossEntropy(logits, labels, { labelSmoothing: NaN }))).toMatch(/got NaN/)
  })

  it('mseLoss and binaryCrossEntropyWithLogits need input and target of one shape', () => {
    const a = fromArray([1, 2, 3, 4, 5, 6], [2, 3]) as unknown as AnyTensor
    const b = fromArray([1, 2, 3, 4, 5, 6], [3, 2]) as unknown as AnyTensor
    expect(message(() => (mseLoss as unknown as Loss)(a, b))).toBe('mseLoss: input [2, 3] and target [3, 2] differ')
    expect(message(() => (binaryCrossEntropyWithLogits as unknown as Loss)(a, b))).toBe('binaryCrossEntropyWithLogits: input [2, 3] and target [3, 2] differ')
  })

  it('the loss type follows the reduction', () => {
    const labels = tensor([0, 1, 2, 0], 'int32')
    const perExample: Tensor<[4]> = crossEntropy(logits, labels, { reduction: 'none' })
    const scalar: Tensor<[]> = crossEntropy(logits, labels, { reduction: 'sum' })
    expect([...perExample.shape, ...scalar.shape]).toEqual([4])
  })
})
