/**
 * Shared by the kernel test files (linear, reduce, layout, elementwise):
 * builds shapewise ops from PyTorch fixture cases and checks what the WGSL
 * kernels compute against the recorded outputs.
 */
import { expect, it } from 'vitest'
import * as sw from '../../src/index.ts'
import type { Tensor } from '../../src/tensor.ts'
import { realize } from '../../src/realize.ts'
import { expectClose, loadFixtures, values, type FixtureCase, type FixtureTensor } from '../fixtures/load.ts'

// The fixtures' shapes are only known at run time, so the typed API is used untyped here.
type AnyTensor = Tensor<readonly number[], sw.DType>
const api = sw as unknown as Record<string, any>

export const input = (t: FixtureTensor): AnyTensor => sw.fromArray(values(t), t.shape, t.dtype) as unknown as AnyTensor

const unaryOps = ['relu', 'sigmoid', 'tanh', 'exp', 'log', 'sqrt', 'abs', 'neg']
const binaryOps = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow']
const reductions = ['sum', 'mean', 'max', 'argmax']

/** The shapewise op a fixture case describes, applied to its inputs. */
export const buildCase = (c: FixtureCase): AnyTensor => {
  const xs = c.inputs.map(input)
  const [x] = xs
  const a = c.attrs
  if (unaryOps.includes(c.op)) return api[c.op](x)
  if (binaryOps.includes(c.op)) return api[c.op](xs[0], xs[1])
  if (reductions.includes(c.op)) return api[c.op]({ axis: a.axis, keepDims: a.keepDims })(x)
  switch (c.op) {
    case 'leakyRelu':
      return sw.leakyRelu(a.negativeSlope === undefined ? {} : { negativeSlope: a.negativeSlope })(x as any) as AnyTensor
    case 'elu':
      return api.elu(a.alpha === undefined ? {} : { alpha: a.alpha })(x)
    case 'silu':
    case 'hardswish':
      return api[c.op](x)
    case 'cast':
      return api.cast(a.dtype)(x)
    case 'gelu':
      return (a.approximate === 'tanh' ? api.geluTanh : api.gelu)(x)
    case 'where':
      return api.where(xs[0], xs[1], xs[2])
    case 'matmul':
      return api.matmul(xs[0], xs[1])
    case 'linear':
      return api.linear(xs.length > 2 ? { weight: xs[1], bias: xs[2] } : xs[1])(x)
    case 'softmax':
    case 'logSoftmax':
      return api[c.op]({ axis: a.axis })(x)
    case 'concat':
      return api.concat(xs, a.axis)
    case 'reshape':
      return api.reshape(a.shape)(x)
    case 'flatten':
      return a.startDim === undefined ? api.flatten(x) : api.flattenFrom(a.startDim)(x)
    case 'permute':
      // shapewise's permute takes non-negative dims only (its type and run-time rule both say so);
      // PyTorch also accepts negative ones, which the fixtures use once.
      return api.permute(a.dims.map((d: number) => (d < 0 ? d + x.rank : d)))(x)
    case 'transpose':
      return api.transpose(a.dim0, a.dim1)(x)
    case 'pad':
      return api.pad(a.pads, a.value)(x)
    case 'slice':
      return api.slice({ start: a.start, end: a.end, step: a.step })(x)
  }
  throw new Error(`no builder for fixture op ${c.op}`)
}

/** Compares a computed tensor with a fixture tensor: int32 and bool exactly, float32 with expectClose. */
export const expectFixture = (actual: ArrayLike<number>, expected: FixtureTensor, name: string) => {
  if (expected.dtype === 'float32') return expectClose(actual, expected, name)
  expect(Array.from(actual), `${name}: values`).toEqual(values(expected))
}

/** One test per fixture case of a family (optionally filtered); returns how many. */
export const fixtureTests = (family: string, filter: (c: FixtureCase) => boolean = () => true) => {
  const cases = loadFixtures(family).filter(filter)
  for (const c of cases) {
    it(c.name, async () => {
      const out = buildCase(c)
      expect(out.shape, `${c.name}: shape`).toEqual(c.output.shape)
      expect(out.dtype, `${c.name}: dtype`).toBe(c.output.dtype)
      const [result] = await realize([out.node])
      expectFixture(result, c.output, c.name)
    })
  }
  return cases.length
}
