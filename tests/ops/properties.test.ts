/**
 * Ops on shapes unknown to the compiler (Tensor<number[]>) behave exactly like
 * their run-time twins: the same output shape, or a ShapeError with the same
 * message. Random small configurations, built on lazy zeros.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { conv2d, conv1d, convTranspose2d, maxPool2d, avgPool1d, add, matmul, reshape, concat, sum, zeros, ShapeError, type Tensor } from '../../src/index.ts'
import { convShape, convTransposeShape } from '../../src/shape/conv.ts'
import { poolShape } from '../../src/shape/pool.ts'
import { broadcastShapes, matmulShape, reshapeShape, concatShape, reduceShape } from '../../src/shape/layout.ts'
import { unknownShape } from '../helpers/shapes.ts'

const RUNS = { numRuns: 2000 }
const small = (min: number, max: number) => fc.integer({ min, max })
const dims = (minLength: number, maxLength: number, max = 4) => fc.array(small(1, max), { minLength, maxLength })

const outcome = (f: () => { shape: readonly number[] } | readonly number[]): { shape: number[] } | { error: string } => {
  try {
    const r = f()
    return { shape: [...('shape' in r ? r.shape : r)] }
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e
    return { error: e.message }
  }
}
const z = (shape: number[]): Tensor<number[]> => unknownShape(zeros(shape))

describe('ops on unknown shapes agree with their run-time twins', () => {
  it('conv2d / conv1d', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2), small(1, 2), small(1, 4), small(1, 3), small(1, 3), dims(2, 2, 9), dims(2, 2, 4),
        fc.record({ stride: small(1, 3), padding: fc.oneof(small(0, 2), fc.constant('same' as const)), dilation: small(1, 2), groups: small(1, 2) }),
        fc.boolean(),
        (rank, n, c, co, cig, spatial, kernel, options, withBias) => {
          const op = rank === 1 ? 'conv1d' : 'conv2d'
          const x = [n, c, ...spatial.slice(0, rank)]
          const w = [co, cig, ...kernel.slice(0, rank)]
          const bias = withBias ? [co] : undefined
          const weights = bias ? { weight: z(w), bias: z(bias) } : z(w)
          const layer = rank === 1 ? conv1d(weights, options) : conv2d(weights, options)
          expect(outcome(() => layer(z(x)))).toEqual(outcome(() => convShape(op, rank, x, w, bias, options)))
        },
      ),
      RUNS,
    )
  })

  it('convTranspose2d', () => {
    fc.assert(
      fc.property(small(1, 4), small(1, 3), dims(2, 2, 6), dims(2, 2, 4), fc.record({ stride: small(1, 3), padding: small(0, 2), outputPadding: small(0, 2), dilation: small(1, 2) }),
        (c, cog, spatial, kernel, options) => {
          const x = [1, c, ...spatial]
          const w = [c, cog, ...kernel]
          expect(outcome(() => convTranspose2d(z(w), options)(z(x)))).toEqual(outcome(() => convTransposeShape('convTranspose2d', 2, x, w, undefined, options)))
        }),
      RUNS,
    )
  })

  it('maxPool2d / avgPool1d', () => {
    fc.assert(
      fc.property(dims(2, 2, 9), fc.record({ kernelSize: small(1, 4), stride: small(1, 3), padding: small(0, 2), ceilMode: fc.boolean() }), (spatial, options) => {
        expect(outcome(() => maxPool2d(options)(z([1, 2, ...spatial])))).toEqual(outcome(() => poolShape('maxPool2d', 2, [1, 2, ...spatial], options)))
        expect(outcome(() => avgPool1d(options)(z([1, 2, spatial[0]])))).toEqual(outcome(() => poolShape('avgPool1d', 1, [1, 2, spatial[0]], options)))
      }),
      RUNS,
    )
  })

  it('add (both call forms) / matmul / reshape / concat / sum', () => {
    fc.assert(
      fc.property(
        fc.array(small(1, 3), { maxLength: 4 }), fc.array(small(1, 3), { maxLength: 4 }), fc.array(fc.oneof(small(1, 6), fc.constant(-1)), { maxLength: 3 }),
        small(-3, 3), fc.boolean(),
        (a, b, target, axis, keepDims) => {
          expect(outcome(() => add(z(a), z(b)))).toEqual(outcome(() => broadcastShapes('add', a, b)))
          expect(outcome(() => add(z(b))(z(a)))).toEqual(outcome(() => broadcastShapes('add', a, b)))
          expect(outcome(() => matmul(z(a), z(b)))).toEqual(outcome(() => matmulShape(a, b)))
          expect(outcome(() => reshape(target)(z(a)))).toEqual(outcome(() => reshapeShape(a, target)))
          expect(outcome(() => concat([z(a), z(b)], axis))).toEqual(outcome(() => concatShape([a, b], axis)))
          expect(outcome(() => sum({ axis, keepDims })(z(a)))).toEqual(outcome(() => reduceShape('sum', a, axis, keepDims)))
        },
      ),
      RUNS,
    )
  })
})
