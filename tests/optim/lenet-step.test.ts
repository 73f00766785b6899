/**
 * One full LeNet-5 training step against PyTorch (tests/fixtures/training/lenet.json):
 * the classic network with PyTorch's initial weights, a batch of 8, mean
 * cross-entropy, backward, SGD(lr 0.1, momentum 0.9). The loss, logits,
 * every gradient and every updated weight are compared, then a second step
 * (which uses the momentum buffers). The same two steps run eagerly and
 * through `jit`; the second jitted call must trace and compile nothing.
 */
import { classic, classicParams, type ClassicParams } from '../../examples/lenet.ts'
import { describe, expect, it } from 'vitest'
import {
  jit, jitTraces, pipelineCompilations, valueAndGradWithAux, type Tensor,
} from '../../src/index.ts'
import { crossEntropy, countParameters } from '../../src/nn/index.ts'
import { sgd, type OptimizerState } from '../../src/optim/index.ts'
import { flattenTree, type AnyTensor, type Tree } from '../../src/tree.ts'
import { realize } from '../../src/realize.ts'
import { expectClose, expectNormClose, loadTraining, tensorOf, treeOf, values, type LenetStep } from '../nn/training-fixtures.ts'

/** Loss and logits: O(1) values of one forward pass. */
const VALUE_RTOL = 1e-5
/**
 * Gradients and updated weights: rel ≤ 1e-4 elementwise (absolute below 1),
 * and normwise per tensor, on the gradients and on the updates (new − old),
 * which are ~1e-3 of the weights and would otherwise hide behind them.
 */
const RTOL = 1e-4

type Params = ClassicParams

const fixture = loadTraining('lenet')[0]
const optimizer = sgd({ lr: fixture.options.lr, momentum: fixture.options.momentum })
type State = OptimizerState<Tree | null>

/** forward, loss, backward and update: the training step, as one pure function. */
const trainStep = (params: Params, state: State, x: Tensor<[number, 1, 28, 28]>, y: Tensor<[number], 'int32'>) => {
  const forward = (p: Params) => {
    const logits = classic(p)(x)
    return [crossEntropy(logits, y), logits] as const
  }
  const [[loss, logits], grads] = valueAndGradWithAux(forward)(params)
  const [next, nextState] = optimizer.update(params, grads, state)
  return { params: next, state: nextState, loss, logits, grads }
}
type StepResult = ReturnType<typeof trainStep>

const batch = (s: LenetStep) => [tensorOf(s.x) as unknown as Tensor<[number, 1, 28, 28]>, tensorOf(s.y) as unknown as Tensor<[number], 'int32'>] as const

/** Reads everything a step produced in one realize and compares it with PyTorch's step k. */
const check = async (k: number, out: StepResult, label: string) => {
  const want = fixture.steps[k]
  const before = k === 0 ? fixture.params : fixture.steps[k - 1].params
  const params = flattenTree(out.params)
  const grads = want.grads ? flattenTree(out.grads) : []
  const [loss, logits, ...rest] = await realize([out.loss.node, out.logits.node, ...params.map(([, t]) => t.node), ...grads.map(([, t]) => t.node)])
  expectClose(loss, want.loss, `${label} loss`, VALUE_RTOL)
  expectClose(logits, want.logits, `${label} logits`, VALUE_RTOL)
  expect(params.map(([p]) => p)).toEqual(Object.keys(want.params))
  params.forEach(([path], i) => {
    const got = rest[i] as Float32Array
    expectClose(got, want.params[path], `${label} ${path}`, RTOL)
    const old = values(before[path])
    const wantUpdate = values(want.params[path]).map((v, j) => v - old[j])
    // Our update from PyTorch's previous weights; 2 ulps of the weights for the rounding of the subtraction.
    const gotUpdate = Array.from(got, (v, j) => v - old[j])
    const ulps = 2 * 2 ** -23 * Math.max(...old.map(Math.abs))
    expectNormClose(gotUpdate, wantUpdate, `${label} ${path} update`, RTOL, ulps)
  })
  grads.forEach(([path], i) => {
    const got = rest[params.length + i] as Float32Array
    expectClose(got, want.grads![path], `${label} grad ${path}`, RTOL)
    expectNormClose(got, want.grads![path], `${label} grad ${path} (normwise)`, RTOL)
  })
}

describe('LeNet-5 training step vs PyTorch', () => {
  it('the fixture is the classic LeNet-5 with 61,706 parameters', () => {
    const shapes = Object.fromEntries(Object.entries(fixture.params).map(([p, t]) => [p, t.shape]))
    const ours = Object.fromEntries(flattenTree(classicParams()).map(([p, t]) => [p, [...t.shape]]))
    expect(shapes).toEqual(ours)
    expect(countParameters(treeOf(fixture.params))).toBe(61706)
    expect(fixture.steps[0].x.shape).toEqual([8, 1, 28, 28])
  })

  it('eager: loss, logits, gradients and updated weights of two steps', async () => {
    const params = treeOf(fixture.params) as unknown as Params
    const first = trainStep(params, optimizer.init(params), ...batch(fixture.steps[0]))
    await check(0, first, 'eager step 1')
    const second = trainStep(first.params, first.state, ...batch(fixture.steps[1]))
    await check(1, second, 'eager step 2')
  })

  it('jit: the same numbers, and the second call traces and compiles nothing', async () => {
    const step = jit(trainStep, { donate: [0, 1] })
    const params = treeOf(fixture.params) as unknown as Params
    const first = await step(params, optimizer.init(params), ...batch(fixture.steps[0]))
    await check(0, first, 'jit step 1')
    const traces = jitTraces()
    const compilations = pipelineCompilations()
    const second = await step(first.params, first.state, ...batch(fixture.steps[1]))
    expect(jitTraces()).toBe(traces)
    expect(pipelineCompilations()).toBe(compilations)
    await check(1, second, 'jit step 2')
    // The donated arguments of the second call are gone; its outputs live on.
    expect((first.params.c1.weight as AnyTensor).isDisposed).toBe(true)
    expect(second.params.c1.weight.isDisposed).toBe(false)
  })
})
