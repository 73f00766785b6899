/**
 * A NaN or an infinity in one batch used to write NaN into every weight of a donated model, and the old
 * weights were gone. A guarded update keeps the old parameters and optimizer state when the loss or the
 * gradient norm is not finite, reports the step, and training goes on from the intact model.
 */
import { describe, expect, it } from 'vitest'
import { pipe } from 'fp-ts/lib/function.js'
import { fromArray, jit, linear, sqrt, sum, valueAndGrad, flattenTree, type AnyTensor, type Tensor, type Tree } from '../../src/index.ts'
import { crossEntropy } from '../../src/nn/index.ts'
import { adam, guarded, readUpdateReport, sgd, type OptimizerState } from '../../src/optim/index.ts'
import { values } from '../helpers/reference.ts'

type Params = { weight: Tensor<[3, 8]>; bias: Tensor<[3]> }
type State = OptimizerState<{ m: Tree; v: Tree }>
const makeParams = (): Params => ({ weight: fromArray(values(24, 1), [3, 8]), bias: fromArray(values(3, 2), [3]) })
const batch = (poison?: number) => {
  const xs = values(32, 3)
  if (poison !== undefined) xs[5] = poison
  return { x: fromArray(xs, [4, 8]) as Tensor<[4, 8]>, y: fromArray([0, 2, 1, 2], [4], 'int32') as Tensor<[4], 'int32'> }
}
const snapshot = async (tree: unknown) => Promise.all(flattenTree(tree as Tree).map(async ([k, t]) => [k, Array.from((await (t as AnyTensor).data()) as Float32Array)] as const))

describe('guarded update', () => {
  const optimizer = guarded(adam({ lr: 0.05 }))
  const step = jit(
    (params: Params, state: State, x: Tensor<[4, 8]>, y: Tensor<[4], 'int32'>) => {
      const [loss, grads] = valueAndGrad((p: Params) => crossEntropy(pipe(x, linear(p)), y))(params)
      const [next, nextState, report] = optimizer.guardedUpdate(params, grads, state, loss)
      return { params: next, state: nextState, loss, report }
    },
    { donate: [0, 1] },
  )

  it('a donated jitted step on a poisoned batch keeps parameters and state bit for bit, reports the step, and training goes on', async () => {
    let params = makeParams()
    let state = optimizer.init(params) as State
    for (let i = 0; i < 2; i++) ({ params, state } = await step(params, state, batch().x, batch().y))
    const before = await snapshot({ params, state })

    for (const poison of [NaN, Infinity, 1e38]) {
      const out = await step(params, state, batch(poison).x, batch(poison).y)
      expect(await readUpdateReport(out.report)).toEqual({ step: 3, skipped: true })
      ;({ params, state } = out)
      expect(await snapshot({ params, state })).toEqual(before)
    }

    const out = await step(params, state, batch().x, batch().y)
    expect(await readUpdateReport(out.report)).toEqual({ step: 3, skipped: false })
    expect(Number.isFinite((await out.loss.data())[0])).toBe(true)
    const after = await snapshot({ params: out.params, state: out.state })
    expect(after).not.toEqual(before)
    for (const [, v] of after) expect(v.every(Number.isFinite)).toBe(true)
  })

  it('a finite loss with a non-finite gradient is skipped too (sgd without momentum: no slots)', async () => {
    const plain = guarded(sgd({ lr: 0.1 }))
    const w = fromArray([4, 0, 1], [3])
    const state = plain.init(w)
    // d√w/dw is infinite at 0 while the loss √4 + √0 + √1 = 3 is finite.
    const [loss, grad] = valueAndGrad((p: Tensor<[3]>) => sum()(sqrt(p)))(w)
    const [next, nextState, report] = plain.guardedUpdate(w, grad, state, loss)
    expect(Array.from(await loss.data())).toEqual([3])
    expect(await readUpdateReport(report)).toEqual({ step: 1, skipped: true })
    expect(Array.from(await next.data())).toEqual([4, 0, 1])
    expect(Array.from(await nextState.step.data())).toEqual([0])
    expect(nextState.slots).toBeNull()
    expect(() => plain.guardedUpdate(w, grad, state, w)).toThrow('guardedUpdate: the loss must be a single value, got shape [3]')
  })

  it('without the guard the same poisoned batch destroys the model (why the guard exists)', async () => {
    const plain = adam({ lr: 0.05 })
    const params = makeParams()
    const [, grads] = valueAndGrad((p: Params) => crossEntropy(pipe(batch(NaN).x, linear(p)), batch(NaN).y))(params)
    const [next] = plain.update(params, grads, plain.init(params))
    expect(Array.from(await next.weight.data()).every(Number.isNaN)).toBe(true)
  })
})
