/**
 * Cross-checks the run-time shape rules against PyTorch: every case of
 * tests/fixtures/forward/*.json whose op shapewise exports is built from its
 * `attrs` and input shapes, and the op's `.shape` and `.dtype` must equal the
 * recorded output's. No values are computed (inputs are lazy zeros).
 */
import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as sw from '../../src/index.ts'
import type { DType, Shape, Tensor } from '../../src/index.ts'

interface FixtureTensor {
  readonly shape: number[]
  readonly dtype: DType
}
interface FixtureCase {
  readonly name: string
  readonly op: string
  readonly attrs: Record<string, unknown>
  readonly inputs: FixtureTensor[]
  readonly output: FixtureTensor
}

const dir = new URL('../fixtures/forward/', import.meta.url)
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
const cases: FixtureCase[] = files.flatMap((f) => (JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as { cases: FixtureCase[] }).cases)

type T = Tensor<Shape, DType>
// The ops without their static types: the shapes here are only known at run time.
const ops = sw as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined>
const apply = (l: unknown, x: T): T => (l as (x: T) => T)(x)
const call = (name: string, ...args: unknown[]): unknown => ops[name]!(...args)

/** Builds the case's op on lazy inputs of its shapes; undefined when shapewise has no such op. */
const build = (c: FixtureCase): T | undefined => {
  const xs: T[] = c.inputs.map((t) => sw.zeros(t.shape, t.dtype) as T)
  const [x, a1, a2, a3, a4] = xs
  const weights = () => (a2 ? { weight: a1, bias: a2 } : a1)
  const attrs = c.attrs
  switch (c.op) {
    case 'conv1d': case 'conv2d': case 'convTranspose1d': case 'convTranspose2d':
      return apply(call(c.op, weights(), attrs), x)
    case 'maxPool1d': case 'maxPool2d': case 'avgPool1d': case 'avgPool2d': case 'upsample':
      return apply(call(c.op, attrs), x)
    case 'adaptiveAvgPool2d':
      return apply(call(c.op, attrs.outputSize), x)
    case 'globalAvgPool2d': case 'globalMaxPool2d':
    case 'relu': case 'sigmoid': case 'tanh': case 'exp': case 'log': case 'sqrt': case 'abs': case 'neg': case 'erf':
      return apply(ops[c.op], x)
    case 'gelu':
      return apply(attrs.approximate === 'tanh' ? sw.geluTanh : sw.gelu, x)
    case 'leakyRelu':
      return apply(sw.leakyRelu(attrs), x)
    case 'elu':
      return apply(sw.elu(attrs), x)
    case 'silu': case 'hardswish':
      return apply(ops[c.op], x)
    case 'cast':
      return apply(call('cast', attrs.dtype), x)
    case 'batchNorm2d':
      return apply(call('batchNorm2d', { weight: a1, bias: a2, runningMean: a3, runningVar: a4 }, attrs), x)
    case 'linear':
      return apply(call('linear', weights()), x)
    case 'matmul': case 'add': case 'sub': case 'mul': case 'div': case 'maximum': case 'minimum': case 'pow':
    case 'greater': case 'less': case 'equal':
      return call(c.op, x, a1) as T
    case 'where':
      return call('where', x, a1, a2) as T
    case 'sum': case 'mean': case 'max': case 'argmax': case 'softmax': case 'logSoftmax':
      return apply(call(c.op, attrs), x)
    case 'reshape':
      return apply(sw.reshape(attrs.shape as number[]), x)
    case 'flatten':
      return apply(attrs.startDim === undefined ? sw.flatten : sw.flattenFrom(attrs.startDim as number), x)
    case 'permute':
      return apply(sw.permute(attrs.dims as number[]), x)
    case 'transpose':
      return apply(sw.transpose(attrs.dim0 as number, attrs.dim1 as number), x)
    case 'concat':
      return call('concat', xs, attrs.axis) as T
    case 'pad':
      return apply(attrs.mode ? sw.pad(attrs.pads as [number, number][], { mode: attrs.mode as sw.PadMode }) : sw.pad(attrs.pads as [number, number][], attrs.value as number), x)
    case 'slice':
      return apply(call('slice', attrs), x)
    case 'unfold': case 'localResponseNorm':
      return apply(call(c.op, attrs), x)
    case 'layerNorm':
      return apply(call(c.op, attrs.normalizedShape, a1 ? { weight: a1, bias: a2 } : {}, attrs), x)
    case 'groupNorm':
      return apply(call(c.op, attrs.numGroups, a1 ? { weight: a1, bias: a2 } : {}, attrs), x)
    case 'instanceNorm2d':
      return apply(call(c.op, a1 ? { weight: a1, bias: a2 } : {}, attrs), x)
    case 'lpPool1d': case 'lpPool2d': case 'fold':
      return apply(call(c.op, attrs), x)
    case 'pixelShuffle': case 'pixelUnshuffle': case 'channelShuffle':
      return apply(call(c.op, attrs.upscaleFactor ?? attrs.downscaleFactor ?? attrs.groups), x)
    default:
      return undefined
  }
}


describe('forward fixtures (PyTorch) against the run-time shape rules', () => {
  it('the fixtures are there', () => {
    expect(files.length).toBeGreaterThanOrEqual(10)
    expect(cases.length).toBeGreaterThan(500)
  })

  it('every case of an exported op gives PyTorch’s output shape and dtype', () => {
    const checked: string[] = []
    const skipped = new Set<string>()
    const mismatches: string[] = []
    for (const c of cases) {
      if (typeof ops[c.op] !== 'function' && c.op !== 'gelu') {
        skipped.add(c.op)
        continue
      }
      let y: T | undefined
      let error: string | undefined
      try {
        y = build(c)
      } catch (e) {
        error = (e as Error).message
      }
      if (y === undefined && error === undefined) {
        skipped.add(c.op)
        continue
      }
      checked.push(c.name)
      const got = error ?? `${JSON.stringify([...y!.shape])} ${y!.dtype}`
      const want = `${JSON.stringify(c.output.shape)} ${c.output.dtype}`
      if (got !== want) mismatches.push(`${c.name}: PyTorch ${want}, shapewise ${got}`)
    }
    expect(mismatches).toEqual([])
    // Every op family of the fixtures exists in shapewise today; a skipped op means a fixture outran the library.
    expect([...skipped]).toEqual([])
    expect(checked.length).toBe(cases.length)
  })

  it('the node of each case is the op itself (or its documented lowering)', () => {
    // Composites (no primitive of their own) end in the op that computes their last step.
    const lowered: Record<string, string | string[]> = { flatten: 'reshape', transpose: 'permute', localResponseNorm: 'div', unfold: 'reshape', pixelShuffle: 'reshape', pixelUnshuffle: 'reshape', channelShuffle: 'reshape', layerNorm: ['div', 'add'], groupNorm: ['reshape', 'add'], instanceNorm2d: ['div', 'add'], lpPool1d: ['pow', 'mul'], lpPool2d: ['pow', 'mul'], fold: 'slice' }
    // (the norms end in the bias's add when they have affine parameters)
    for (const c of cases) {
      const y = build(c)
      if (!y) continue
      // reshape to the same shape, or a flatten that changes nothing, is still a node.
      // (pad with a mode other than 'constant' ends in the concat of its border and the input)
      expect([c.op === 'pad' && c.attrs.mode ? 'concat' : lowered[c.op] ?? c.op].flat(), c.name).toContain(y.node.op)
    }
  })
})
