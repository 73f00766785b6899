import { describe, expect, it } from 'vitest'
import { argmax, fromArray, logSoftmax, max, mean, softmax, sum, type Tensor } from '../../src/index.ts'
import { makeNode } from '../../src/graph.ts'
import { lower } from '../../src/compiler/kernel.ts'
import { constant } from '../../src/core/leaves.ts'
import { argmaxPrimitive, maxPrimitive, meanPrimitive, sumPrimitive } from '../../src/core/ops.ts'
import { realize } from '../../src/realize.ts'

type AnyTensor = Tensor<readonly number[]>
type Reduction = (o?: { axis?: number | number[]; keepDims?: boolean }) => (x: AnyTensor) => AnyTensor
const [anySum, anyMean, anyMax, anyArgmax] = [sum, mean, max, argmax] as unknown as Reduction[]
const anySoftmax = softmax as unknown as (o?: { axis?: number }) => (x: AnyTensor) => AnyTensor
const anyLogSoftmax = logSoftmax as unknown as (o?: { axis?: number }) => (x: AnyTensor) => AnyTensor

describe('large reductions', () => {
  // Values whose float32 sum is exact in any order: small integers.
  const n = 1 << 20
  const data = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 13) - 6)
  let exactSum = 0
  for (const v of data) exactSum += v
  data[777_777] = 50 // the maximum, once…
  data[900_001] = 50 // …and again later: argmax must give the first
  exactSum += 50 - (((777_777 * 7919) % 13) - 6) + 50 - (((900_001 * 7919) % 13) - 6)

  it('a full reduction of 2^20 elements runs in two steps (partials, then combine)', () => {
    const x = makeNode(constant, [], {}, [1024, 1024], 'float32', data)
    for (const primitive of [sumPrimitive, meanPrimitive, maxPrimitive, argmaxPrimitive]) {
      const lowering = lower(makeNode(primitive, [x], { axes: [0, 1], keepDims: false }, [], primitive.name === 'argmax' ? 'int32' : 'float32'))
      expect('steps' in lowering && lowering.steps.length, primitive.name).toBe(2)
    }
    // Many outputs keep one invocation per output.
    const rows = lower(makeNode(sumPrimitive, [x], { axes: [1], keepDims: false }, [1024], 'float32'))
    expect('steps' in rows && rows.steps.length).toBe(1)
  })

  it('sum, mean, max and argmax of 2^20 elements (and of a 1024×1024 view along both axis orders)', async () => {
    const x = fromArray(data, [1024, 1024]) as unknown as AnyTensor
    const [s, m, mx, am, am3, mx3, s0] = await realize(
      [
        anySum()(x),
        anyMean()(x),
        anyMax()(x),
        anyArgmax()(x),
        // A 3-D view reduced over its first and last axes: two reduced runs with a kept one between.
        anyArgmax({ axis: 1 })(fromArray(data, [64, 256, 64]) as unknown as AnyTensor),
        anyMax({ axis: [0, 2], keepDims: true })(fromArray(data, [64, 256, 64]) as unknown as AnyTensor),
        anySum({ axis: 0 })(x),
      ].map((t) => t.node),
    )
    expect(s[0]).toBe(exactSum)
    expect(m[0]).toBeCloseTo(exactSum / n, 6)
    expect(mx[0]).toBe(50)
    expect(am[0]).toBe(777_777)
    // CPU references for the strided cases.
    const ref3 = new Int32Array(64 * 64)
    for (let a = 0; a < 64; a++)
      for (let c = 0; c < 64; c++) {
        let best = -Infinity
        for (let b = 0; b < 256; b++) {
          const v = data[a * 256 * 64 + b * 64 + c]
          if (v > best) { best = v; ref3[a * 64 + c] = b }
        }
      }
    expect(Array.from(am3)).toEqual(Array.from(ref3))
    const refMax = new Float32Array(256)
    for (let b = 0; b < 256; b++) {
      let best = -Infinity
      for (let a = 0; a < 64; a++) for (let c = 0; c < 64; c++) best = Math.max(best, data[a * 256 * 64 + b * 64 + c])
      refMax[b] = best
    }
    expect(Array.from(mx3)).toEqual(Array.from(refMax))
    const refCols = new Float32Array(1024)
    for (let r = 0; r < 1024; r++) for (let c = 0; c < 1024; c++) refCols[c] += data[r * 1024 + c]
    expect(Array.from(s0)).toEqual(Array.from(refCols))
  })

  it('max and argmax propagate NaN like PyTorch; argmax picks the first maximum', async () => {
    const x = fromArray([1, NaN, 3, 2, 2, 5, 5, 1], [2, 4]) as unknown as AnyTensor
    const [mx, am, amAll] = await realize([anyMax({ axis: 1 })(x), anyArgmax({ axis: 1 })(x), anyArgmax()(fromArray([2, 7, 7, 1], [4]) as unknown as AnyTensor)].map((t) => t.node))
    expect(Array.from(mx)).toEqual([NaN, 5])
    expect(Array.from(am)).toEqual([1, 1])
    expect(Array.from(amAll)).toEqual([1])
  })

  it('softmax of a long row with ±1000 and -Infinity entries', async () => {
    const row = Float32Array.from({ length: 5000 }, (_, i) => (i === 10 ? 1000 : i === 20 ? -1000 : i % 3 === 0 ? -Infinity : Math.sin(i)))
    const x = fromArray(row, [1, 5000]) as unknown as AnyTensor
    const [p, lp] = await realize([anySoftmax()(x), anyLogSoftmax()(x)].map((t) => t.node))
    expect(p[10]).toBeCloseTo(1, 6)
    expect(p[0]).toBe(0)
    expect(lp[0]).toBe(-Infinity)
    expect(lp[10]).toBeCloseTo(0, 4)
    expect(Number.isNaN(p[11])).toBe(false)
  })
})
