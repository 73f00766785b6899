/**
 * Pure optimizers: `update(params, grads, state)` returns new parameters and
 * a new state, all lazy tensors, so under `jit` a whole training step is one
 * plan. The learning rate and step count live in the state as scalar
 * tensors, so a schedule changes them without re-tracing the step.
 */
import { fail } from '../shape/errors.ts'
import { full } from '../ops/creation.ts'
import { add, sub, mul, div, sqrt, neg, exp, greater, where } from '../core/ops.ts'
import { mapTree, zipTrees, type AnyTensor, type Tree } from '../tree.ts'
import { fromArray, wrap, type Tensor } from '../tensor.ts'
import { libraryCall } from '../memory.ts'

export interface OptimizerState<Slots> {
  /** Steps taken so far. */
  readonly step: Tensor<[]>
  readonly lr: Tensor<[]>
  readonly slots: Slots
}

export interface Optimizer<Slots> {
  init<P extends Tree>(params: P): OptimizerState<Slots>
  update<P extends Tree>(params: P, grads: P, state: OptimizerState<Slots>): [P, OptimizerState<Slots>]
}

/** The update's intermediate tensors are temporaries: an eager read keeps only the new parameters and state. */
const withTemporaries = <Slots>(optimizer: Optimizer<Slots>): Optimizer<Slots> => ({
  init: optimizer.init,
  update: (params, grads, state) => libraryCall(() => optimizer.update(params, grads, state)),
})

const checkLearningRate = (op: string, lr: unknown) => {
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) fail(`${op}: the learning rate must be a positive number, got ${String(lr)}`)
}
const checkIn = (op: string, name: string, v: number, lo: number, hi: number) => {
  if (!(v >= lo && v < hi)) fail(`${op}: ${name} must be in [${lo}, ${hi}), got ${v}`)
}

const scalar = (v: number) => full([], v)
// Trees are walked untyped here; `update` restores the parameters' own type.
const zip = zipTrees as unknown as (trees: readonly unknown[], f: (leaves: AnyTensor[]) => AnyTensor) => Tree
const zerosLike = (params: Tree): Tree => (mapTree as unknown as (t: Tree, f: (x: AnyTensor) => AnyTensor) => Tree)(params, (t) => full(t.shape as number[], 0) as AnyTensor)

/**
 * A new handle on the same value. A new state never shares a tensor handle with
 * the old one, so disposing the old state (as a training loop does) leaves
 * the new one usable.
 */
const carry = <T extends AnyTensor>(t: T): T => wrap(t.node) as T
const carryTree = <S>(slots: S): S => (slots === null ? slots : ((mapTree as unknown as (t: unknown, f: (x: AnyTensor) => AnyTensor) => S)(slots, carry)))

/**
 * A new state whose learning rate is `lr` (for schedules).
 *
 * @example
 * import { zeros } from 'shapewise'
 * import { adam, withLearningRate } from 'shapewise/optim'
 * const state = withLearningRate(adam({ lr: 1e-3 }).init({ w: zeros([2]) }), 1e-4)
 * await state.lr.data() // → [0.0001]
 */
export const withLearningRate = <S>(state: OptimizerState<S>, lr: number): OptimizerState<S> => {
  checkLearningRate('withLearningRate', lr)
  return { step: carry(state.step), lr: fromArray(Float32Array.of(lr), []), slots: carryTree(state.slots) }
}

export interface SgdOptions {
  readonly lr: number
  readonly momentum?: number
  readonly nesterov?: boolean
  /** L2 penalty added to the gradient, as PyTorch's SGD weight_decay. */
  readonly weightDecay?: number
}

/**
 * Stochastic gradient descent with optional momentum (PyTorch's formulation) and Nesterov.
 *
 * @example
 * import { tensor } from 'shapewise'
 * import { sgd } from 'shapewise/optim'
 * const optimizer = sgd({ lr: 0.1 })
 * const params = { w: tensor([1, 2]) }
 * const [next] = optimizer.update(params, { w: tensor([1, 1]) }, optimizer.init(params))
 * await next.w.data() // → [0.9, 1.9]
 */
export const sgd = (options: SgdOptions): Optimizer<Tree | null> => withTemporaries(sgdUntracked(options))
const sgdUntracked = (options: SgdOptions): Optimizer<Tree | null> => {
  checkLearningRate('sgd', options.lr)
  const momentum = options.momentum ?? 0
  const decay = options.weightDecay ?? 0
  checkIn('sgd', 'momentum', momentum, 0, 1)
  if (options.nesterov && momentum === 0) fail('sgd: nesterov needs a momentum')
  return {
    init: (params) => ({ step: scalar(0), lr: scalar(options.lr), slots: momentum ? zerosLike(params) : null }),
    update: (params, grads, state) => {
      const decayed = (p: AnyTensor, g: AnyTensor) => (decay ? add(g, mul(p, decay)) : g)
      if (!momentum) {
        const next = zip([params, grads], ([p, g]) => sub(p, mul(decayed(p, g), state.lr)))
        return [next as never, { step: add(state.step, 1) as Tensor<[]>, lr: carry(state.lr), slots: state.slots }]
      }
      const velocity = zip([params, grads, state.slots as never], ([p, g, v]) => add(mul(v, momentum), decayed(p, g)))
      const next = zip([params, grads, velocity as never], ([p, g, v]) => {
        const direction = options.nesterov ? add(decayed(p, g), mul(v, momentum)) : v
        return sub(p, mul(direction, state.lr))
      })
      return [next as never, { step: add(state.step, 1) as Tensor<[]>, lr: carry(state.lr), slots: velocity as Tree }]
    },
  }
}

export interface AdamOptions {
  readonly lr: number
  readonly beta1?: number
  readonly beta2?: number
  readonly eps?: number
  readonly weightDecay?: number
}

/**
 * 1 − βᵗ for a host β in [0, 1) and a step-count tensor t ≥ 1, without the
 * cancellation of `1 − pow(β, t)` in float32: with β2 = 0.9999 at t = 1 that
 * loses 4 digits to the rounding of β alone (PyTorch computes it in double).
 * Here 1 − βᵗ = −expm1(x), x = t·ln β with ln β taken in double: for
 * |x| < 0.1 the series of expm1 to x⁶ (Estrin's scheme: short fused chains),
 * below float32's epsilon there; else 1 − eˣ, which no longer cancels.
 */
const oneMinusPower = (beta: number, t: AnyTensor): AnyTensor => {
  if (beta === 0) return scalar(1)
  const x = mul(t, Math.log(beta))
  const x2 = mul(x, x)
  const pair = (a: number, b: number) => add(mul(x, b), a)
  const q = add(pair(1, 1 / 2), mul(x2, add(pair(1 / 6, 1 / 24), mul(x2, pair(1 / 120, 1 / 720)))))
  return where(greater(x, -0.1), neg(mul(x, q)), sub(scalar(1), exp(x)))
}

const adamFamily = (op: 'adam' | 'adamW', options: AdamOptions): Optimizer<{ m: Tree; v: Tree }> => withTemporaries(adamFamilyUntracked(op, options))
const adamFamilyUntracked = (op: 'adam' | 'adamW', options: AdamOptions): Optimizer<{ m: Tree; v: Tree }> => {
  checkLearningRate(op, options.lr)
  const b1 = options.beta1 ?? 0.9
  const b2 = options.beta2 ?? 0.999
  const eps = options.eps ?? 1e-8
  const decay = options.weightDecay ?? (op === 'adamW' ? 0.01 : 0)
  checkIn(op, 'beta1', b1, 0, 1)
  checkIn(op, 'beta2', b2, 0, 1)
  return {
    init: (params) => ({ step: scalar(0), lr: scalar(options.lr), slots: { m: zerosLike(params), v: zerosLike(params) } }),
    update: (params, grads, state) => {
      const t = add(state.step, 1)
      // Bias corrections 1 − βᵗ, computed on the device from the step count.
      const c1 = oneMinusPower(b1, t)
      const c2 = oneMinusPower(b2, t)
      // Adam adds the L2 penalty to the gradient; AdamW decays the weights directly.
      const gradient = (p: AnyTensor, g: AnyTensor) => (op === 'adam' && decay ? add(g, mul(p, decay)) : g)
      const m = zip([params, grads, state.slots.m as never], ([p, g, m0]) => add(mul(m0, b1), mul(gradient(p, g), 1 - b1)))
      const v = zip([params, grads, state.slots.v as never], ([p, g, v0]) => {
        const gg = gradient(p, g)
        return add(mul(v0, b2), mul(mul(gg, gg), 1 - b2))
      })
      const next = zip([params, m as never, v as never], ([p, mt, vt]) => {
        const stepDir = div(div(mt, c1), add(sqrt(div(vt, c2)), eps))
        const base = op === 'adamW' && decay ? sub(p, mul(mul(p, decay), state.lr)) : p
        return sub(base, mul(stepDir, state.lr))
      })
      return [next as never, { step: t as Tensor<[]>, lr: carry(state.lr), slots: { m: m as Tree, v: v as Tree } }]
    },
  }
}

/**
 * Adam (Kingma & Ba), with optional L2 weight decay added to the gradient.
 *
 * @example
 * import { tensor } from 'shapewise'
 * import { adam } from 'shapewise/optim'
 * const optimizer = adam({ lr: 0.1 })
 * const params = { w: tensor([1, -1]) }
 * // Adam's first step moves each weight by lr against the gradient's sign.
 * const [next, state] = optimizer.update(params, { w: tensor([0.5, -3]) }, optimizer.init(params))
 * await next.w.data() // → [0.9, -0.9]
 * await state.step.data() // → [1]
 */
export const adam = (options: AdamOptions) => adamFamily('adam', options)
/**
 * AdamW: Adam with decoupled weight decay (default 0.01, as PyTorch).
 *
 * @example
 * import { tensor } from 'shapewise'
 * import { adamW } from 'shapewise/optim'
 * const optimizer = adamW({ lr: 0.1, weightDecay: 0.5 })
 * const params = { w: tensor([2]) }
 * // Decoupled decay: w·(1 − lr·decay), then Adam's step of lr.
 * const [next] = optimizer.update(params, { w: tensor([1]) }, optimizer.init(params))
 * await next.w.data() // → [1.8]
 */
export const adamW = (options: AdamOptions) => adamFamily('adamW', options)
