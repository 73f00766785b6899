/**
 * Cross-checks the run-time shape rules against PyTorch: every case of
 * tests/fixtures/forward/*.json is built through the table of public ops from
 * its `attrs` and input shapes, and the op's `.shape` and `.dtype` must equal
 * the recorded output's. No values are computed (inputs are lazy zeros); the
 * values and gradients are checked in tests/pytorch/.
 */
import { describe, expect, it } from 'vitest'
import * as sw from '../../src/index.ts'
import type { AnyTensor } from '../../src/index.ts'
import { fixtureFamilies, loadFixtures, type FixtureCase } from '../helpers/fixtures.ts'
import { build, buildCase, isPublicOp, NOT_OPS } from '../helpers/ops.ts'

const families = fixtureFamilies()
const cases: FixtureCase[] = families.flatMap(loadFixtures)

/** The case's op on lazy inputs of its shapes. */
const lazy = (c: FixtureCase): AnyTensor => buildCase(c, c.inputs.map((t) => sw.zeros(t.shape, t.dtype) as unknown as AnyTensor))

describe('forward fixtures (PyTorch) against the run-time shape rules', () => {
  it('the fixtures are there', () => {
    expect(families.length).toBeGreaterThanOrEqual(10)
    expect(cases.length).toBeGreaterThan(500)
  })

  it('every fixture op is a public op (a fixture never outruns the library)', () => {
    expect([...new Set(cases.map((c) => c.op))].filter((op) => !isPublicOp(op))).toEqual([])
  })

  it('the table of public ops covers exactly the functions the package entry exports, less the listed non-ops', () => {
    const functions = Object.entries(sw).filter(([, v]) => typeof v === 'function' && !/^class\b/.test(Function.prototype.toString.call(v)))
    const notOps = new Set<string>(NOT_OPS)
    expect(functions.map(([name]) => name).filter((name) => !notOps.has(name)).sort()).toEqual(Object.keys(build).sort())
  })

  it('the public ops no fixture reaches are the ones tested elsewhere', () => {
    // dropout: tests/autodiff/dropout.test.ts; dropout2d: tests/ops/dropout2d.test.ts (random masks have no
    // PyTorch values); stopGradient, broadcastTo, oneHot: tests/ops/gradient.test.ts;
    // flattenFrom and geluTanh are reached through the fixtures' flatten and gelu cases.
    const reached = new Set(cases.map((c) => c.op))
    expect(Object.keys(build).filter((op) => !reached.has(op)).sort()).toEqual(['broadcastTo', 'dropout', 'dropout2d', 'flattenFrom', 'geluTanh', 'oneHot', 'stopGradient'])
  })

  it('every case gives PyTorch’s output shape and dtype', () => {
    const mismatches: string[] = []
    for (const c of cases) {
      let got: string
      try {
        const y = lazy(c)
        got = `${JSON.stringify([...y.shape])} ${y.dtype}`
      } catch (e) {
        got = (e as Error).message
      }
      const want = `${JSON.stringify(c.output.shape)} ${c.output.dtype}`
      if (got !== want) mismatches.push(`${c.name}: PyTorch ${want}, shapewise ${got}`)
    }
    expect(mismatches).toEqual([])
  })

  it('the node of each case is the op itself (or its documented lowering)', () => {
    // Composites (no primitive of their own) end in the op that computes their last step.
    const lowered: Record<string, string | string[]> = {
      flatten: 'reshape', transpose: 'permute', localResponseNorm: 'div', unfold: 'reshape', pixelShuffle: 'reshape', pixelUnshuffle: 'reshape',
      channelShuffle: 'reshape', layerNorm: ['div', 'add'], groupNorm: ['reshape', 'add'], instanceNorm2d: ['div', 'add'], lpPool1d: ['pow', 'mul'],
      lpPool2d: ['pow', 'mul'], fold: 'slice',
    }
    // A max pool's indices (a case with `returnIndices` that records them) are their own node.
    const indices = (c: (typeof cases)[number]) => c.attrs.returned === 'indices'
    for (const c of cases) {
      // reshape to the same shape, or a flatten that changes nothing, is still a node;
      // pad with a mode other than 'constant' ends in the concat of its border and the input.
      expect([c.op === 'pad' && c.attrs.mode ? 'concat' : indices(c) ? 'maxPoolIndices' : (lowered[c.op] ?? c.op)].flat(), c.name).toContain(lazy(c).node.op)
    }
  })
})
