/** assertFiniteLoss: a NaN or infinite loss stops training, naming the step. */
import { describe, expect, it } from 'vitest'
import { fromArray, tensor } from '../../src/index.ts'
import { assertFiniteLoss, NonFiniteLossError, crossEntropy } from '../../src/nn/index.ts'

const thrown = (f: () => void): NonFiniteLossError => {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(NonFiniteLossError)
    return e as NonFiniteLossError
  }
  throw new Error('expected a NonFiniteLossError')
}

describe('assertFiniteLoss', () => {
  it('passes finite losses, including 0 and huge ones', () => {
    for (const loss of [0, -0, 2.3, 1e38, -5]) expect(() => assertFiniteLoss(loss, 1)).not.toThrow()
  })

  it.each([
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('stops at %s, naming the step and the way out', (loss, text) => {
    const e = thrown(() => assertFiniteLoss(loss, 137))
    expect(e.name).toBe('NonFiniteLossError')
    expect(e).toBeInstanceOf(Error)
    expect(e.step).toBe(137)
    expect(Object.is(e.loss, loss)).toBe(true)
    expect(e.message).toBe(`loss is ${text} at step 137; check the learning rate and the inputs (pass { continueOnNonFinite: true } to go on)`)
  })

  it('continueOnNonFinite lets training go on; false does not', () => {
    expect(() => assertFiniteLoss(NaN, 3, { continueOnNonFinite: true })).not.toThrow()
    expect(() => assertFiniteLoss(Infinity, 3, { continueOnNonFinite: true })).not.toThrow()
    expect(thrown(() => assertFiniteLoss(NaN, 4, { continueOnNonFinite: false })).step).toBe(4)
  })

  it('catches a loss that really went non-finite on the device', async () => {
    const logits = fromArray([0, NaN, 1, 2], [2, 2])
    const [loss] = await crossEntropy(logits, tensor([0, 1], 'int32')).data()
    expect(Number.isNaN(loss)).toBe(true)
    expect(thrown(() => assertFiniteLoss(loss, 12)).message).toMatch(/^loss is NaN at step 12;/)
  })
})
