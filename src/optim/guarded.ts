/**
 * A guarded update: a NaN or an infinity in one batch must not destroy a model. The optimizer's update
 * is computed, then kept only where the loss and the gradient norm are finite; otherwise the step gives
 * back the old parameters and optimizer state, value for value. The choice is a `where` on the device,
 * so it needs no read in the middle of a step and works inside a donated jitted step (the donated
 * buffers then receive the old values again, nothing is lost).
 */
import { add, abs, greater, less, mul, sum, where } from '../core/ops.ts'
import { leaves, unflattenLike, type AnyTensor, type Tree } from '../tree.ts'
import type { Tensor } from '../tensor.ts'
import { fail, shapeText } from '../shape/errors.ts'
import type { Optimizer, OptimizerState } from './optimizers.ts'

/** What one guarded update did, as device scalars (read them with `readUpdateReport`). */
export interface UpdateReport {
  /** The optimizer step this update was (1 for the first), whether applied or skipped. */
  readonly step: Tensor<[]>
  /** True when the loss or the gradient norm was not finite and nothing was changed. */
  readonly skipped: Tensor<[], 'bool'>
}

export interface GuardedOptimizer<Slots> extends Optimizer<Slots> {
  /**
   * The wrapped optimizer's update where the loss and the gradient norm are finite; elsewhere the old
   * parameters and state, unchanged (the step count does not advance), with a report saying which.
   */
  guardedUpdate<P extends Tree>(params: P, grads: P, state: OptimizerState<Slots>, loss: AnyTensor): [P, OptimizerState<Slots>, UpdateReport]
}

/** `next` where `finite` holds, else `old`, leaf by leaf (the trees have the same structure). */
const keepWhere = (finite: AnyTensor, next: Tree, old: Tree): Tree => {
  const olds = leaves(old)
  const kept: AnyTensor[] = leaves(next).map((n, i) => where(finite, n, olds[i]))
  return (unflattenLike as (tree: Tree, values: readonly AnyTensor[]) => unknown)(next, kept) as Tree
}

/**
 * Wraps an optimizer so that a step whose loss or gradient norm is NaN or infinite changes nothing and
 * says so: `guardedUpdate(params, grads, state, loss)` returns the new (or the old) parameters and state
 * and an `UpdateReport`. A training loop can then skip the batch, or stop, with the model intact.
 *
 * @example
 * import { jit, tensor, valueAndGrad, mul, sum, type Tensor } from 'shapewise'
 * import { guarded, readUpdateReport, sgd } from 'shapewise/optim'
 * type Params = { w: Tensor<[2]> }
 * const optimizer = guarded(sgd({ lr: 0.1 }))
 * const step = jit((params: Params, state: ReturnType<typeof optimizer.init<Params>>, scale: Tensor<[]>) => {
 *   const [loss, grads] = valueAndGrad((p: Params) => mul(sum()(mul(p.w, p.w)), scale))(params)
 *   const [next, nextState, report] = optimizer.guardedUpdate(params, grads, state, loss)
 *   return { params: next, state: nextState, report }
 * })
 * const params = { w: tensor([1, 2]) }
 * const ok = await step(params, optimizer.init(params), tensor(1))
 * await ok.params.w.data() // → [0.8, 1.6]
 * const bad = await step(params, optimizer.init(params), tensor(NaN)) // a NaN loss: nothing changes
 * await bad.params.w.data() // → [1, 2]
 * const report = await readUpdateReport(bad.report)
 * report.skipped // → true
 */
export const guarded = <Slots>(optimizer: Optimizer<Slots>): GuardedOptimizer<Slots> => ({
  init: (params) => optimizer.init(params),
  update: (params, grads, state) => optimizer.update(params, grads, state),
  guardedUpdate: (params, grads, state, loss) => {
    if (loss.size !== 1) fail(`guardedUpdate: the loss must be a single value, got shape ${shapeText(loss.shape)}`)
    const [next, nextState] = optimizer.update(params, grads, state)
    // |loss| + Σ g² is finite exactly when the loss and the gradient norm are (NaN and ±∞ propagate).
    const squares = leaves(grads).map((g) => sum(mul(g, g)))
    const finite = less(squares.reduce((total, s) => add(total, s), abs(loss)), Infinity)
    const keep = <T extends Tree | null>(n: T, old: T): T => (n === null ? n : (keepWhere(finite, n, old as Tree) as T))
    const kept: OptimizerState<Slots> = {
      step: keep(nextState.step, state.step),
      lr: keep(nextState.lr, state.lr),
      slots: keep(nextState.slots as Tree | null, state.slots as Tree | null) as Slots,
    }
    const skipped = greater(where(finite, 0, 1), 0.5) as unknown as Tensor<[], 'bool'>
    return [keep(next, params), kept, { step: add(state.step as AnyTensor, 1) as Tensor<[]>, skipped }]
  },
})

/**
 * Reads an update report back: the step number and whether it was skipped.
 *
 * @example
 * import { tensor } from 'shapewise'
 * import { readUpdateReport } from 'shapewise/optim'
 * await readUpdateReport({ step: tensor(3), skipped: tensor(0, 'bool') }) // → { step: 3, skipped: false }
 */
export const readUpdateReport = async (report: UpdateReport): Promise<{ step: number; skipped: boolean }> => {
  const [step, skipped] = await Promise.all([report.step.data(), report.skipped.data()])
  return { step: step[0], skipped: skipped[0] !== 0 }
}
