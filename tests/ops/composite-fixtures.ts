/**
 * Fixture tests of a composite op (one built from other public ops, with no
 * kernel or gradient rule of its own): for each PyTorch case of `family`,
 * the op's values and the gradient of Σ seed·op(x) with respect to x.
 */
import { it } from 'vitest'
import { fromArray, grad, mul, sum, type Tensor } from '../../src/index.ts'
import { loadFixtures, values, expectClose, type FixtureCase } from '../fixtures/load.ts'

type AnyShape = Tensor<number[]>

export const compositeFixtureTests = (family: string, build: (c: FixtureCase) => (x: AnyShape) => AnyShape, tolerance: { forward: number; gradient: number }) => {
  for (const c of loadFixtures(family)) {
    it(`${c.name}: forward and input gradient match PyTorch`, async () => {
      const [input] = c.inputs
      const x = fromArray(values(input), input.shape) as AnyShape
      const op = build(c)
      expectClose(await op(x).data(), c.output, c.name, tolerance.forward)
      const seed = fromArray(values(c.grads!.seed), c.output.shape) as AnyShape
      const dx = grad((t: AnyShape) => sum()(mul(op(t), seed) as AnyShape))(x)
      expectClose(await dx.data(), c.grads!.inputs[0]!, `${c.name} gradient`, tolerance.gradient)
    })
  }
}
