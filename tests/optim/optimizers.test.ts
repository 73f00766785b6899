/**
 * The pure optimizers against PyTorch (tests/fixtures/training/optimizers.json):
 * several consecutive steps on a small parameter tree with given gradients,
 * comparing the parameters and the optimizer's buffers after every step.
 * Then withLearningRate, the schedules against StepLR / CosineAnnealingLR,
 * and the refusal of bad learning rates.
 */
import { describe, expect, it } from 'vitest'
import { jit, jitTraces, zeros, pipelineCompilations, ShapeError, type Tensor } from '../../src/index.ts'
import { flattenTree, leaves, type AnyTensor, type Tree } from '../../src/tree.ts'
import { sgd, adam, adamW, withLearningRate, stepDecay, cosineDecay, type Optimizer, type OptimizerState } from '../../src/optim/index.ts'
import { realize } from '../../src/realize.ts'
import { expectClose, expectNormClose, loadTraining, tensorOf, treeOf, values, type OptimizerCase, type TensorRecord } from '../nn/training-fixtures.ts'

/** Parameters are O(1): elementwise at 1e-5 like every forward value. */
const PARAM_RTOL = 1e-5
/**
 * Updates (new − old) and buffers (Adam's v is ~1e-3) are far below 1, where
 * expectClose is absolute: these are also checked normwise, per tensor.
 */
const UPDATE_RTOL = 1e-4

const cases = loadTraining('optimizers')
const vector = (data: number[]) => tensorOf({ shape: [data.length], dtype: 'float32', data })
const optimizerOf = (c: OptimizerCase): Optimizer<unknown> => {
  const o = c.options as never
  return (c.optimizer === 'sgd' ? sgd(o) : c.optimizer === 'adam' ? adam(o) : adamW(o)) as Optimizer<unknown>
}

/** The buffers of a state as flat records keyed like the fixture's slots. */
const slotsOf = (c: OptimizerCase, state: OptimizerState<unknown>): Record<string, Tree> => {
  if (c.optimizer !== 'sgd') return state.slots as { m: Tree; v: Tree }
  return state.slots ? { momentum: state.slots as Tree } : {}
}

/** Realizes every leaf of the named trees (and the scalars) together and returns their values by path. */
const readAll = async (trees: Record<string, Tree>): Promise<Record<string, Record<string, Float32Array>>> => {
  const named = Object.entries(trees).flatMap(([name, t]) => flattenTree(t).map(([path, leaf]) => [name, path, leaf] as const))
  const data = await realize(named.map(([, , leaf]) => leaf.node))
  const out: Record<string, Record<string, Float32Array>> = {}
  named.forEach(([name, path], i) => ((out[name] ??= {})[path] = data[i] as Float32Array))
  return out
}

const compareStep = (c: OptimizerCase, k: number, got: Record<string, Record<string, Float32Array>>, previous: Record<string, Float32Array>) => {
  const step = c.steps[k]
  const label = `${c.name} step ${k + 1}`
  expect(Object.keys(got.params)).toEqual(Object.keys(step.params))
  for (const [path, want] of Object.entries(step.params)) {
    expectClose(got.params[path], want, `${label} ${path}`, PARAM_RTOL)
    // The update itself, against PyTorch's update from the same (PyTorch) starting point.
    const before = k === 0 ? values(c.params[path]) : values(c.steps[k - 1].params[path])
    const wantDelta = values(want).map((v, i) => v - before[i])
    const gotDelta = Array.from(got.params[path], (v, i) => v - previous[path][i])
    // Both deltas are differences of float32 parameters: allow the rounding of one parameter (2 ulps).
    const ulps = 2 * 2 ** -23 * Math.max(...before.map(Math.abs), ...values(want).map(Math.abs))
    expectNormClose(gotDelta, wantDelta, `${label} ${path} update`, UPDATE_RTOL, ulps)
  }
  for (const [slot, record] of Object.entries(step.slots) as [string, TensorRecord][])
    for (const [path, want] of Object.entries(record)) {
      expectClose(got[slot][path], want, `${label} ${slot}.${path}`, PARAM_RTOL)
      expectNormClose(got[slot][path], want, `${label} ${slot}.${path} (normwise)`, UPDATE_RTOL)
    }
  expect(Object.keys(got).filter((k) => k !== 'params' && k !== 'scalars').sort()).toEqual(Object.keys(step.slots).sort())
}

describe('optimizers match PyTorch over several steps', () => {
  it('the fixtures cover SGD (plain, momentum, Nesterov, weight decay), Adam and AdamW', () => {
    const names = cases.map((c) => c.name)
    for (const n of ['sgd/plain', 'sgd/momentum', 'sgd/nesterov', 'sgd/weight_decay', 'adam/default', 'adam/weight_decay', 'adamW/default'])
      expect(names).toContain(n)
    for (const c of cases) expect(c.steps.length).toBeGreaterThanOrEqual(3)
  })

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const optimizer = optimizerOf(c)
    let params = treeOf(c.params)
    expect(flattenTree(params).map(([p]) => p)).toEqual(Object.keys(c.params))
    let state = optimizer.init(params)
    let previous = (await readAll({ params })).params
    for (let k = 0; k < c.steps.length; k++) {
      const step = c.steps[k]
      if (step.lr !== c.options.lr || k > 0) state = withLearningRate(state, step.lr)
      ;[params, state] = optimizer.update(params, treeOf(step.grads), state)
      const got = await readAll({ params, ...slotsOf(c, state), scalars: { step: state.step, lr: state.lr } })
      compareStep(c, k, got, previous)
      expect(got.scalars.step[0]).toBe(k + 1)
      expect(got.scalars.lr[0]).toBe(Math.fround(step.lr))
      previous = got.params
    }
  })
})

describe('a training step under jit', () => {
  it('Adam with a changing learning rate traces once and matches PyTorch', async () => {
    const c = cases.find((x) => x.name === 'adam/lr_change')!
    const optimizer = optimizerOf(c)
    const step = jit((p: Tree, g: Tree, s: OptimizerState<unknown>) => optimizer.update(p, g, s))
    let params = treeOf(c.params)
    let state = optimizer.init(params)
    let previous = (await readAll({ params })).params
    const traces = jitTraces()
    for (let k = 0; k < c.steps.length; k++) {
      ;[params, state] = await step(params, treeOf(c.steps[k].grads), withLearningRate(state, c.steps[k].lr))
      const got = await readAll({ params, ...slotsOf(c, state), scalars: { step: state.step, lr: state.lr } })
      compareStep(c, k, got, previous)
      previous = got.params
    }
    // The learning rate and step count are tensors in the state: changing them does not re-trace.
    expect(jitTraces() - traces).toBe(1)
  })
})

describe("Adam's bias correction", () => {
  // From m = v = 0 with gradient 1 at step t, the update is −lr·((1−β1)/c1) / (√((1−β2)/c2) + ε), c = 1 − βᵗ.
  it.each([
    [0.9, 0.999],
    [0.8, 0.9999],
    [0.5, 0.99999],
  ])('is accurate at any step (β1 %s, β2 %s)', async (b1, b2) => {
    const ts = [1, 2, 3, 5, 10, 21, 22, 50, 100, 105, 106, 500, 1000, 1052, 1053, 5000, 1e4, 1e5, 1e6]
    const opt = adam({ lr: 1, beta1: b1, beta2: b2 })
    const updates = ts.map((t) => {
      const p = { w: vector([0]) }
      const init = opt.init(p)
      const state = { ...init, step: tensorOf({ shape: [], dtype: 'float32', data: [t - 1] }) as unknown as Tensor<[]> }
      return leaves(opt.update(p, { w: vector([1]) }, state)[0])[0]
    })
    const got = await realize(updates.map((u) => u.node))
    const errors = ts.map((t, i) => {
      const c1 = -Math.expm1(t * Math.log(b1))
      const c2 = -Math.expm1(t * Math.log(b2))
      const want = -(Math.fround(1 - b1) / c1) / (Math.sqrt(Math.fround(1 - b2) / c2) + 1e-8)
      return [Math.abs(got[i][0] - want) / Math.abs(want), t, got[i][0], want]
    })
    const [worst, t, value, want] = errors.reduce((a, b) => (b[0] > a[0] ? b : a))
    // 1 − pow(β, t) in float32 was off by 5e-5 (β2 0.999) to 4e-3 (β2 0.99999) at step 1.
    expect(worst, `step ${t}: got ${value}, want ${want}`).toBeLessThanOrEqual(2e-6)
  })
})

describe('withLearningRate', () => {
  it('returns a new state with the new rate, leaving the old one and the buffers as they were', async () => {
    const params = { w: vector([1, 2]) }
    const opt = sgd({ lr: 0.1, momentum: 0.5 })
    const state = opt.init(params)
    const next = withLearningRate(state, 0.02)
    expect(next).not.toBe(state)
    // The same values on the device, through handles of its own: disposing the old state leaves it intact.
    expect((next.slots as { w: AnyTensor }).w.node).toBe((state.slots as { w: AnyTensor }).w.node)
    expect(next.step.node).toBe(state.step.node)
    expect(next.step).not.toBe(state.step)
    const [oldLr, newLr] = await realize([state.lr.node, next.lr.node])
    expect(oldLr[0]).toBe(Math.fround(0.1))
    expect(newLr[0]).toBe(Math.fround(0.02))
    const typed: OptimizerState<Tree | null> = next
    expect(typed.lr.shape).toEqual([])
  })

  it('a new rate compiles no kernel: a schedule gives every step a different value', async () => {
    // The rate is data uploaded with the step, not a fill kernel with the value baked into its source
    // (which compiled one pipeline per step for a cosine schedule, in every epoch of `npm run demo`).
    const params = { w: vector([1, 2]) }
    const opt = sgd({ lr: 0.1 })
    const step = jit((p: typeof params, s: OptimizerState<Tree | null>) => opt.update(p, p, s))
    await step(params, withLearningRate(opt.init(params), 0.5)) // compiles the step's kernels
    const before = pipelineCompilations()
    for (const lr of [0.0123, 0.0456, 0.0789]) {
      const [next] = await step(params, withLearningRate(opt.init(params), lr))
      expect(Array.from(await next.w.data())).toEqual([1, 2].map((v) => Math.fround(v - Math.fround(Math.fround(lr) * v))))
    }
    expect(pipelineCompilations() - before).toBe(0)
  })

  it("Adam's update of a parameter of another shape reuses the first one's kernels, with the right values", async () => {
    // The kernels of a same-shape elementwise update read their size from the output binding, so the
    // second parameter's update is the first one's pipelines with other buffers bound.
    const opt = adam({ lr: 0.1 })
    const update = async (values: number[]) => {
      const p = { w: vector(values) }
      const [next] = opt.update(p, p, opt.init(p))
      return Array.from(await next.w.data())
    }
    await update([1, 2])
    const before = pipelineCompilations()
    // Adam's first step moves each weight by lr·sign(g) (m̂ = g, v̂ = g², eps aside).
    const values = Array.from({ length: 777 }, (_, i) => (i % 7) - 3.5)
    const updated = await update(values)
    updated.forEach((v, i) => expect(v).toBeCloseTo(values[i] - 0.1 * Math.sign(values[i]), 5))
    expect(pipelineCompilations() - before).toBe(0)
  })

  it('the new rate drives the next update', async () => {
    const w = { w: vector([1, 1, 1]) }
    const g = { w: vector([1, 2, 4]) }
    const opt = sgd({ lr: 1 })
    const [next] = opt.update(w, g, withLearningRate(opt.init(w), 0.25))
    const [v] = await realize(leaves(next).map((t) => t.node))
    expect(Array.from(v)).toEqual([0.75, 0.5, 0])
  })
})

describe('schedules match PyTorch', () => {
  const schedules = loadTraining('schedules')
  it.each(schedules.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const schedule = c.schedule === 'stepDecay' ? stepDecay(c.options as never) : cosineDecay(c.options as never)
    // StepLR multiplies step by step and CosineAnnealingLR recurses: both agree with the closed forms to rounding.
    c.lrs.forEach((want, k) => expect(Math.abs(schedule(k) - want), `${c.name} epoch ${k}: got ${schedule(k)}, want ${want}`).toBeLessThanOrEqual(1e-12 * want + 1e-15))
  })

  it('stepDecay: defaults to gamma 0.1; cosineDecay: starts at initial, ends and stays at min', () => {
    const s = stepDecay({ initial: 1, stepSize: 2 })
    expect([0, 1, 2, 3, 4].map(s)).toEqual([1, 1, 0.1, 0.1, 1 * 0.1 ** 2])
    const cos = cosineDecay({ initial: 0.1, total: 4, min: 0.01 })
    expect(cos(0)).toBe(0.1)
    expect(cos(2)).toBeCloseTo(0.055, 15)
    expect(cos(4)).toBeCloseTo(0.01, 15)
    expect(cos(100)).toBe(cos(4))
    expect(cosineDecay({ initial: 0.1, total: 4 })(4)).toBeCloseTo(1e-4, 15)
  })

  it('cosineDecay ends above 0, so the last steps of a run can still set the rate (regression: it ended at exactly 0 and withLearningRate threw)', () => {
    const total = 10
    const schedule = cosineDecay({ initial: 0.1, total })
    const state = sgd({ lr: 0.1 }).init({ w: zeros([2]) })
    for (const step of [total - 1, total, total + 5]) {
      expect(schedule(step)).toBeGreaterThan(0)
      expect(() => withLearningRate(state, schedule(step))).not.toThrow()
    }
  })

  it('refuses bad settings with a clear message', () => {
    expect(() => stepDecay({ initial: 0, stepSize: 2 })).toThrow('stepDecay: the initial learning rate must be a positive number, got 0')
    expect(() => stepDecay({ initial: 0.1, stepSize: 0 })).toThrow('stepDecay: stepSize must be a positive integer, got 0')
    expect(() => stepDecay({ initial: 0.1, stepSize: 1.5 })).toThrow('stepDecay: stepSize must be a positive integer, got 1.5')
    expect(() => cosineDecay({ initial: NaN, total: 10 })).toThrow('cosineDecay: the initial learning rate must be a positive number, got NaN')
    expect(() => cosineDecay({ initial: 0.1, total: 0 })).toThrow('cosineDecay: total must be positive, got 0')
    expect(() => cosineDecay({ initial: 0.1, total: 10, min: 0 })).toThrow('cosineDecay: min must be a positive rate no larger than initial (0.1), got 0')
    expect(() => cosineDecay({ initial: 0.1, total: 10, min: 0.2 })).toThrow('cosineDecay: min must be a positive rate no larger than initial (0.1), got 0.2')
  })
})

describe('bad hyper-parameters are refused', () => {
  const bad: [string, unknown][] = [['0', 0], ['-0.1', -0.1], ['NaN', NaN], ['Infinity', Infinity], ['0.1', '0.1'], ['undefined', undefined]]
  const makers: [string, (lr: unknown) => unknown][] = [
    ['sgd', (lr) => sgd({ lr } as never)],
    ['adam', (lr) => adam({ lr } as never)],
    ['adamW', (lr) => adamW({ lr } as never)],
    ['withLearningRate', (lr) => withLearningRate(sgd({ lr: 0.1 }).init({ w: vector([0]) }), lr as number)],
  ]
  it.each(makers.flatMap(([op, make]) => bad.map(([text, lr]) => [op, text, make, lr] as const)))('%s rejects lr %s', (op, text, make, lr) => {
    expect(() => make(lr)).toThrow(ShapeError)
    expect(() => make(lr)).toThrow(`${op}: the learning rate must be a positive number, got ${text}`)
  })

  it('the learning rate type is a number', () => {
    // @ts-expect-error a string is not a learning rate
    expect(() => sgd({ lr: '0.1' })).toThrow(/got 0.1/)
  })

  it('momentum, Nesterov and betas out of range', () => {
    expect(() => sgd({ lr: 0.1, momentum: 1 })).toThrow('sgd: momentum must be in [0, 1), got 1')
    expect(() => sgd({ lr: 0.1, momentum: -0.5 })).toThrow('sgd: momentum must be in [0, 1), got -0.5')
    expect(() => sgd({ lr: 0.1, nesterov: true })).toThrow('sgd: nesterov needs a momentum')
    expect(() => adam({ lr: 0.1, beta1: 1 })).toThrow('adam: beta1 must be in [0, 1), got 1')
    expect(() => adamW({ lr: 0.1, beta2: NaN })).toThrow('adamW: beta2 must be in [0, 1), got NaN')
  })

  it('the update of a tree keeps its type', () => {
    const p = { w: vector([1, 2]) as unknown as Tensor<[2]> }
    const opt = adam({ lr: 0.1 })
    const [next] = opt.update(p, p, opt.init(p))
    const typed: { w: Tensor<[2]> } = next
    expect((typed.w as AnyTensor).shape).toEqual([2])
  })
})
