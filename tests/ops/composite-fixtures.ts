/**
 * Fixture tests of a composite op (one built from other public ops, with no
 * kernel or gradient rule of its own): for each PyTorch case of `family`,
 * the op's values and the gradient of Σ seed·op(inputs) with respect to
 * every input PyTorch differentiated.
 */
import { it } from 'vitest'
import { fromArray, vjp, type Tensor } from '../../src/index.ts'
import { realize } from '../../src/realize.ts'
import type { AnyTensor } from '../../src/tree.ts'
import { loadFixtures, values, expectClose, type FixtureCase } from '../fixtures/load.ts'

type AnyShape = Tensor<number[]>
interface Tolerance { readonly forward: number; readonly gradient: number }

/** Cases whose only input is the op's input x. */
export const compositeFixtureTests = (family: string, build: (c: FixtureCase) => (x: AnyShape) => AnyShape, tolerance: Tolerance) =>
  compositeFixtureTestsOverInputs(family, (c) => build(c) as (...xs: AnyShape[]) => AnyShape, tolerance)

/** Cases with several inputs (x, then parameters): `build` gets them all, in the fixture's order. */
export const compositeFixtureTestsOverInputs = (family: string, build: (c: FixtureCase) => (...xs: AnyShape[]) => AnyShape, tolerance: Tolerance) => {
  for (const c of loadFixtures(family)) {
    it(`${c.name}: forward and every gradient match PyTorch`, async () => {
      const inputs = c.inputs.map((t) => fromArray(values(t), t.shape, t.dtype) as AnyShape)
      const op = build(c)
      const [y, pullback] = vjp((...xs: AnyTensor[]) => op(...(xs as AnyShape[])) as AnyTensor, ...(inputs as AnyTensor[]))
      const grads = pullback(fromArray(values(c.grads!.seed), c.output.shape) as AnyTensor)
      const [out, ...gs] = await realize([y.node, ...grads.map((g) => g.node)])
      expectClose(out, c.output, c.name, tolerance.forward)
      c.grads!.inputs.forEach((want, i) => {
        if (want) expectClose(gs[i], want, `${c.name} gradient ${i}`, tolerance.gradient)
      })
    })
  }
}
