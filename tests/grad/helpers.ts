/**
 * Gradient tests against the PyTorch fixtures: every case with recorded
 * gradients is rebuilt as a function of its differentiable inputs, pulled
 * back with `vjp` and the recorded seed as cotangent, and each input
 * gradient compared with PyTorch's.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as sw from '../../src/index.ts'
import type { Node } from '../../src/graph.ts'
import { realize } from '../../src/realize.ts'
import type { AnyTensor } from '../../src/tree.ts'
import { expectClose, loadFixtures, values, type FixtureCase, type FixtureTensor } from '../fixtures/load.ts'

// The fixtures' shapes are only known at run time, so the typed API is used untyped here.
const api = sw as unknown as Record<string, any>

export const input = (t: FixtureTensor): AnyTensor => sw.fromArray(values(t), t.shape, t.dtype) as unknown as AnyTensor

/** Gradients must match PyTorch's to this relative error (absolute below 1 in magnitude). */
export const GRAD_RTOL = 1e-4

const unaryOps = ['relu', 'sigmoid', 'tanh', 'exp', 'log', 'sqrt', 'abs', 'neg']
const binaryOps = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow']
const reductions = ['sum', 'mean', 'max']

/** The op a fixture case describes, as a function of all its inputs (in fixture order). */
export const opOf = (c: FixtureCase): ((...xs: AnyTensor[]) => AnyTensor) => {
  const a = c.attrs
  if (unaryOps.includes(c.op)) return (x) => api[c.op](x)
  if (binaryOps.includes(c.op)) return (x, y) => api[c.op](x, y)
  if (reductions.includes(c.op)) return (x) => api[c.op]({ axis: a.axis, keepDims: a.keepDims })(x)
  switch (c.op) {
    case 'leakyRelu':
      return (x) => api.leakyRelu(a.negativeSlope === undefined ? {} : { negativeSlope: a.negativeSlope })(x)
    case 'elu':
      return (x) => api.elu(a.alpha === undefined ? {} : { alpha: a.alpha })(x)
    case 'silu':
    case 'hardswish':
      return (x) => api[c.op](x)
    case 'gelu':
      return (x) => (a.approximate === 'tanh' ? api.geluTanh : api.gelu)(x)
    case 'where':
      return (c0, x, y) => api.where(c0, x, y)
    case 'matmul':
      return (x, y) => api.matmul(x, y)
    case 'linear':
      return (x, weight, bias) => api.linear(bias ? { weight, bias } : weight)(x)
    case 'softmax':
    case 'logSoftmax':
      return (x) => api[c.op]({ axis: a.axis })(x)
    case 'concat':
      return (...xs) => api.concat(xs, a.axis)
    case 'reshape':
      return (x) => api.reshape(a.shape)(x)
    case 'flatten':
      return (x) => (a.startDim === undefined ? api.flatten(x) : api.flattenFrom(a.startDim)(x))
    case 'permute':
      // shapewise's permute takes non-negative dims only; PyTorch also accepts negative ones.
      return (x) => api.permute(a.dims.map((d: number) => (d < 0 ? d + x.rank : d)))(x)
    case 'transpose':
      return (x) => api.transpose(a.dim0, a.dim1)(x)
    case 'pad':
      return (x) => api.pad(a.pads, a.value)(x)
    case 'slice':
      return (x) => api.slice({ start: a.start, end: a.end, step: a.step })(x)
    case 'conv1d':
    case 'conv2d':
    case 'convTranspose1d':
    case 'convTranspose2d':
      return (x, weight, bias) => api[c.op](bias ? { weight, bias } : { weight }, a)(x)
    case 'maxPool1d':
    case 'maxPool2d':
    case 'avgPool1d':
    case 'avgPool2d':
    case 'upsample':
      return (x) => api[c.op](a)(x)
    case 'adaptiveAvgPool2d':
      return (x) => api.adaptiveAvgPool2d(a.outputSize)(x)
    case 'globalAvgPool2d':
    case 'globalMaxPool2d':
      return (x) => api[c.op](x)
    case 'batchNorm2d':
      return (x, weight, bias, runningMean, runningVar) => api.batchNorm2d({ weight, bias, runningMean, runningVar }, a)(x)
  }
  throw new Error(`no builder for fixture op ${c.op}`)
}

/** A case with gradients, pulled back: the gradient nodes of its differentiable inputs. */
export interface Pulled {
  /** Fixture input index of each gradient. */
  readonly inputIndex: readonly number[]
  readonly nodes: readonly Node[]
}

/**
 * vjp(f, ...differentiable inputs) with the case's seed as cotangent; inputs
 * without a recorded gradient (bool conditions, running statistics) are closed over.
 */
export const pullBack = (c: FixtureCase): Pulled => {
  const grads = c.grads!
  const xs = c.inputs.map(input)
  const inputIndex = grads.inputs.flatMap((g, i) => (g ? [i] : []))
  const op = opOf(c)
  const f = (...primals: AnyTensor[]) => op(...xs.map((x, i) => (inputIndex.includes(i) ? primals[inputIndex.indexOf(i)] : x)))
  const [out, pullback] = sw.vjp(f, ...inputIndex.map((i) => xs[i]))
  expect(out.shape, `${c.name}: output shape`).toEqual(c.output.shape)
  const cotangents = pullback(input(grads.seed)) as unknown as AnyTensor[]
  cotangents.forEach((g, k) => expect(g.shape, `${c.name}: gradient ${inputIndex[k]} shape`).toEqual(c.inputs[inputIndex[k]].shape))
  return { inputIndex, nodes: cotangents.map((g) => g.node) }
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * One test per fixture case with gradients in `family` (optionally filtered).
 * All gradients of the family are realized together in one plan; if that
 * fails, each case is realized on its own so that only broken cases fail.
 */
export const gradientTests = (family: string, filter: (c: FixtureCase) => boolean = () => true) => {
  const cases = loadFixtures(family).filter((c) => c.grads !== null && filter(c))
  describe(`${family}.json gradients (${cases.length} cases)`, () => {
    const pulled: (Pulled | { error: unknown })[] = []
    let results: (() => Promise<ArrayLike<number>[]>)[] = []
    beforeAll(async () => {
      for (const c of cases) {
        try {
          pulled.push(pullBack(c))
        } catch (error) {
          pulled.push({ error })
        }
      }
      const ok = pulled.filter((p): p is Pulled => 'nodes' in p)
      let batch: ArrayLike<number>[] | undefined
      try {
        batch = await realize(ok.flatMap((p) => p.nodes))
      } catch (error) {
        // One broken case fails the whole plan: fall back to realizing each case alone.
        console.warn(`${family}: batched gradients failed (${errorText(error)}); realizing case by case`)
        batch = undefined
      }
      let k = 0
      results = pulled.map((p) => {
        if ('error' in p) return async () => { throw p.error }
        if (batch) {
          const mine = batch.slice(k, (k += p.nodes.length))
          return async () => mine
        }
        return async () => realize(p.nodes)
      })
      // A cold shader cache compiles every kernel of the family here (hundreds, ~0.1-0.3 s each on llvmpipe).
    }, 600_000)
    it.each(cases.map((c, i) => [c.name, i] as const))('%s', async (name, i) => {
      let grads: ArrayLike<number>[]
      try {
        grads = await results[i]()
      } catch (error) {
        throw new Error(`${name}: ${errorText(error)}`)
      }
      const c = cases[i]
      const p = pulled[i] as Pulled
      p.inputIndex.forEach((input, k) => expectClose(grads[k], c.grads!.inputs[input]!, `${name}: d/d input ${input}`, GRAD_RTOL))
    })
  })
  return cases.length
}
