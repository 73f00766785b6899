/**
 * The PyTorch fixture checks, forward and backward, in one place: every case
 * of tests/fixtures/forward/<family>.json is built through the table of public
 * ops (./ops.ts), its output compared with PyTorch's, and, where the case
 * records gradients, its vjp with the recorded seed compared with PyTorch's
 * input gradients.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { vjp, type AnyTensor } from '../../src/index.ts'
import type { Node } from '../../src/graph.ts'
import { realize } from '../../src/realize.ts'
import { expectClose, expectFixture, loadFixtures, tensorOf, type FixtureCase } from './fixtures.ts'
import { buildCase } from './ops.ts'

/** Gradients must match PyTorch's to this relative error (absolute below 1 in magnitude). */
export const GRAD_RTOL = 1e-4

export interface FixtureTestOptions {
  /** Forward tolerance for float32 outputs (default 1e-5, see expectClose). */
  readonly forward?: number
  /** Gradient tolerance (default GRAD_RTOL). */
  readonly gradient?: number
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * Realizes the nodes of every case together: one plan, its pipelines compiled
 * concurrently (a cold shader cache compiles hundreds of kernels, ~0.1-0.3 s
 * each on llvmpipe). When the batch fails, each case is realized on its own so
 * that only the broken cases fail, each with its own error. A case that threw
 * while building (a shape rule) fails alone.
 */
const realizeCases = async (label: string, built: readonly ({ readonly nodes: readonly Node[] } | { readonly error: unknown })[]) => {
  const ok = built.flatMap((b) => ('nodes' in b ? b.nodes : []))
  let batch: ArrayLike<number>[] | undefined
  try {
    batch = await realize(ok)
  } catch (error) {
    console.warn(`${label}: the batched plan failed (${errorText(error)}); realizing case by case`)
  }
  let k = 0
  return built.map((b): (() => Promise<ArrayLike<number>[]>) => {
    if (!('nodes' in b)) return () => Promise.reject(b.error)
    if (!batch) return () => realize(b.nodes)
    const mine = batch.slice(k, (k += b.nodes.length))
    return async () => mine
  })
}

/** Builds each case, keeping a build error as that case's result. */
const tryEach = <T>(cases: readonly FixtureCase[], f: (c: FixtureCase) => T): (T | { readonly error: unknown })[] =>
  cases.map((c) => {
    try {
      return f(c)
    } catch (error) {
      return { error }
    }
  })

/** One test per case of `family`: the op's output shape, dtype and values against PyTorch's. */
export const forwardTests = (family: string, options: FixtureTestOptions = {}) => {
  const cases = loadFixtures(family)
  describe(`${family}.json forward (${cases.length} cases)`, () => {
    const built = tryEach(cases, (c) => buildCase(c, c.inputs.map(tensorOf)))
    let results: (() => Promise<ArrayLike<number>[]>)[] = []
    beforeAll(async () => {
      results = await realizeCases(family, built.map((b) => ('error' in b ? b : { nodes: [b.node] })))
    }, 600_000)
    it.each(cases.map((c, i) => [c.name, i] as const))('%s', async (name, i) => {
      const c = cases[i]
      const out = built[i]
      if ('error' in out) throw out.error
      expect(out.shape, `${name}: shape`).toEqual(c.output.shape)
      expect(out.dtype, `${name}: dtype`).toBe(c.output.dtype)
      const [values] = await results[i]()
      expectFixture(values, c.output, name, options.forward)
    })
  })
  return cases.length
}

/** A case with gradients, pulled back: the gradient nodes of its differentiable inputs. */
interface Pulled {
  /** Fixture input index of each gradient. */
  readonly inputIndex: readonly number[]
  readonly nodes: readonly Node[]
}

/**
 * vjp(f, ...differentiable inputs) with the case's seed as cotangent; inputs
 * without a recorded gradient (bool conditions, running statistics) are closed over.
 */
const pullBack = (c: FixtureCase): Pulled => {
  const grads = c.grads!
  const xs = c.inputs.map(tensorOf)
  const inputIndex = grads.inputs.flatMap((g, i) => (g ? [i] : []))
  const f = (...primals: AnyTensor[]) => buildCase(c, xs.map((x, i) => (inputIndex.includes(i) ? primals[inputIndex.indexOf(i)] : x)))
  const [out, pullback] = vjp(f, ...inputIndex.map((i) => xs[i]))
  expect(out.shape, `${c.name}: output shape`).toEqual(c.output.shape)
  const cotangents = pullback(tensorOf(grads.seed)) as unknown as AnyTensor[]
  cotangents.forEach((g, k) => expect(g.shape, `${c.name}: gradient ${inputIndex[k]} shape`).toEqual(c.inputs[inputIndex[k]].shape))
  return { inputIndex, nodes: cotangents.map((g) => g.node) }
}

/** One test per case of `family` with recorded gradients: each input gradient against PyTorch's. */
export const gradientTests = (family: string, options: FixtureTestOptions = {}) => {
  const cases = loadFixtures(family).filter((c) => c.grads !== null)
  describe(`${family}.json gradients (${cases.length} cases)`, () => {
    let pulled: (Pulled | { readonly error: unknown })[] = []
    let results: (() => Promise<ArrayLike<number>[]>)[] = []
    beforeAll(async () => {
      pulled = tryEach(cases, pullBack)
      results = await realizeCases(`${family} gradients`, pulled)
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
      p.inputIndex.forEach((input, k) => expectClose(grads[k], c.grads!.inputs[input]!, `${name}: d/d input ${input}`, options.gradient ?? GRAD_RTOL))
    })
  })
  return cases.length
}

/** Forward and gradient tests of every case of `family`. */
export const fixtureTests = (family: string, options: FixtureTestOptions = {}) => {
  forwardTests(family, options)
  gradientTests(family, options)
}
