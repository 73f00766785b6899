/**
 * interpolate: the run-time shape rule against the type-level one (each case pinned at both
 * levels), the messages, and the gradient as the adjoint of the forward. Values and gradients
 * against PyTorch are the `interpolate` family of tests/pytorch/fixtures.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { interpolate, randn, zeros, vjp, mul, sum, type AnyTensor } from '../../src/index.ts'
import type { ShapeError as TypeShapeError, InterpolateShape, InterpolateOptions } from '../../types/index.ts'
import { interpolateShape } from '../../src/shape/interpolate.ts'
import { realize } from '../../src/realize.ts'
import { messageOf, dtypeMessageOf, expectNode, unknownShape } from '../helpers/shapes.ts'

/** The type-level rule's result, pinned: a shape tuple, or the message of its ShapeError. */
type Pinned<R> = R extends TypeShapeError<infer M> ? M : R extends readonly number[] ? R : never
const typed = <R>(value: Pinned<R>): Pinned<R> => value

describe('interpolate shape rule', () => {
  it('computes sizes from size or ⌊in · scaleFactor⌋, as the type does', () => {
    expect(interpolateShape([2, 3, 5], { scaleFactor: 1.5, mode: 'linear' })).toEqual(typed<InterpolateShape<[2, 3, 5], { scaleFactor: 1.5; mode: 'linear' }>>([2, 3, 7]))
    expect(interpolateShape([1, 2, 5, 6], { scaleFactor: [1.5, 2.3], mode: 'bicubic' })).toEqual(
      typed<InterpolateShape<[1, 2, 5, 6], { scaleFactor: [1.5, 2.3]; mode: 'bicubic' }>>([1, 2, 7, 13]),
    )
    expect(interpolateShape([1, 2, 3, 4, 5], { size: [4, 3, 7], mode: 'trilinear' })).toEqual(
      typed<InterpolateShape<[1, 2, 3, 4, 5], { size: [4, 3, 7]; mode: 'trilinear' }>>([1, 2, 4, 3, 7]),
    )
    expect(interpolateShape([1, 2, 3, 4, 5], { scaleFactor: [1.5, 0.8, 1.3], recomputeScaleFactor: true })).toEqual(
      typed<InterpolateShape<[1, 2, 3, 4, 5], { scaleFactor: [1.5, 0.8, 1.3]; recomputeScaleFactor: true }>>([1, 2, 4, 3, 6]),
    )
    expect(interpolateShape([1, 1, 10], { scaleFactor: 0.75 })).toEqual(typed<InterpolateShape<[1, 1, 10], { scaleFactor: 0.75 }>>([1, 1, 7]))
  })

  it('floors in double precision as PyTorch does; the type says number where that floor is not certain', () => {
    // 100 · 0.29 is 28.999999999999996 in double precision: PyTorch's output has 28 elements, not 29.
    expect(interpolateShape([1, 1, 100], { scaleFactor: 0.29 })).toEqual([1, 1, 28])
    const pinned: Pinned<InterpolateShape<[1, 1, 100], { scaleFactor: 0.29 }>> = [1, 1, 28]
    expect(pinned).toEqual([1, 1, 28]) // the type is [1, 1, number]: 28 and 29 would both compile
    expect(interpolateShape([1, 1, 10], { scaleFactor: 0.7 })).toEqual([1, 1, 7])
  })

  it('refuses each wrong configuration with the type-level message', () => {
    const cases: [readonly number[], InterpolateOptions, string][] = [
      [[2, 3, 5], { scaleFactor: 2, mode: 'bilinear' }, typed<InterpolateShape<[2, 3, 5], { scaleFactor: 2; mode: 'bilinear' }>>("interpolate: mode 'bilinear' expects input [N, C, H, W], got [2, 3, 5]")],
      [[1, 2, 5, 6], { size: 3, mode: 'linear' }, typed<InterpolateShape<[1, 2, 5, 6], { size: 3; mode: 'linear' }>>("interpolate: mode 'linear' expects input [N, C, L], got [1, 2, 5, 6]")],
      [[1, 2, 5, 6], { size: 3, mode: 'trilinear' }, typed<InterpolateShape<[1, 2, 5, 6], { size: 3; mode: 'trilinear' }>>("interpolate: mode 'trilinear' expects input [N, C, D, H, W], got [1, 2, 5, 6]")],
      [[2, 3], { size: 3 }, typed<InterpolateShape<[2, 3], { size: 3 }>>("interpolate: mode 'nearest' expects input [N, C, L], [N, C, H, W] or [N, C, D, H, W], got [2, 3]")],
      [[1, 2, 5, 6], { scaleFactor: 2, alignCorners: false }, typed<InterpolateShape<[1, 2, 5, 6], { scaleFactor: 2; alignCorners: false }>>(
        "interpolate: alignCorners applies to the modes linear, bilinear, trilinear and bicubic, not 'nearest'",
      )],
      [[1, 2, 5, 6], { size: 4, scaleFactor: 2 }, typed<InterpolateShape<[1, 2, 5, 6], { size: 4; scaleFactor: 2 }>>('interpolate: give size or scaleFactor, not both')],
      [[1, 2, 5, 6], { mode: 'bilinear' }, typed<InterpolateShape<[1, 2, 5, 6], { mode: 'bilinear' }>>('interpolate: needs size or scaleFactor')],
      [[1, 2, 5, 6], { size: 4, recomputeScaleFactor: true }, typed<InterpolateShape<[1, 2, 5, 6], { size: 4; recomputeScaleFactor: true }>>(
        'interpolate: recomputeScaleFactor applies to a scaleFactor, not to a size',
      )],
      [[1, 2, 5, 6], { scaleFactor: [2, 0] }, typed<InterpolateShape<[1, 2, 5, 6], { scaleFactor: [2, 0] }>>('interpolate: scaleFactor must be a positive number, got 0')],
      [[1, 2, 5, 6], { size: 2.5 }, typed<InterpolateShape<[1, 2, 5, 6], { size: 2.5 }>>('interpolate: size must be an integer, got 2.5')],
      [[2, 3, 5], { scaleFactor: 0.1 }, typed<InterpolateShape<[2, 3, 5], { scaleFactor: 0.1 }>>('interpolate: scaleFactor 0.1 leaves no element of an axis of 5 (⌊5 × 0.1⌋ = 0)')],
      [[1, 2, 5, 6], { scaleFactor: 2, mode: 'cubic' as never }, typed<InterpolateShape<[1, 2, 5, 6], { scaleFactor: 2; mode: 'cubic' }>>(
        "interpolate: mode must be 'nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear' or 'bicubic', got 'cubic'",
      )],
    ]
    for (const [shape, options, message] of cases) expect(messageOf(() => interpolateShape(shape, options))).toBe(message)
    // Values only a run-time check sees: not a number, not finite.
    expect(messageOf(() => interpolateShape([1, 2, 5], { scaleFactor: Number.NaN }))).toBe('interpolate: scaleFactor must be a positive number, got NaN')
    expect(messageOf(() => interpolateShape([1, 2, 5], { scaleFactor: Infinity }))).toBe('interpolate: scaleFactor must be a positive number, got Infinity')
  })

  it('builds one interpolate node; keys, dtypes and run-time shapes are checked where PyTorch checks them', () => {
    const x = zeros([1, 2, 5, 6])
    const y = interpolate({ scaleFactor: [1.5, 2.3], mode: 'bicubic', alignCorners: true })(x)
    expectNode(y, { op: 'interpolate', inputs: [x], shape: [1, 2, 7, 13], attrs: { mode: 'bicubic', alignCorners: true, scaleFactor: [1.5, 2.3] } })
    expect(interpolate({ size: 3 })(x).node.params).toMatchObject({ mode: 'nearest' })
    expect(messageOf(() => interpolate({ scale: 2 } as never))).toBe(
      "interpolate: unknown option 'scale' (known: size, scaleFactor, mode, alignCorners, recomputeScaleFactor)",
    )
    // @ts-expect-error interpolate: expects float32 input, got int32
    expect(dtypeMessageOf(() => interpolate({ scaleFactor: 2 })(zeros([1, 1, 4, 4], 'int32')))).toBe(
      "interpolate: expects float32 input, got int32; convert it with cast('float32')",
    )
    expect(messageOf(() => interpolate({ scaleFactor: 2, mode: 'bilinear' })(unknownShape(zeros([1, 2, 5]))))).toBe(
      "interpolate: mode 'bilinear' expects input [N, C, H, W], got [1, 2, 5]",
    )
  })
})

describe('interpolate gradient', () => {
  // Interpolation is linear in x, so its vjp must be its adjoint: ⟨f(x), dy⟩ = ⟨x, vjp(dy)⟩. This
  // also covers the nearest cases whose PyTorch gradient is not its forward's adjoint (see
  // tests/fixtures/generate_interpolate.py), which therefore have no gradient fixture.
  const cases: [string, readonly number[], InterpolateOptions][] = [
    ['nearest 1-D, 5 → 10 by 2.1', [2, 3, 5], { scaleFactor: 2.1 }],
    ['nearest 2-D, 5×6 → 10×6 by 2.1×1.01', [1, 3, 5, 6], { scaleFactor: [2.1, 1.01] }],
    ['nearest 3-D, shrinking', [1, 2, 7, 8, 9], { scaleFactor: [0.6, 0.45, 0.3] }],
    ['nearest-exact 2-D', [1, 2, 5, 6], { scaleFactor: 1.7, mode: 'nearest-exact' }],
    ['linear, shrinking by 0.35', [2, 2, 17], { scaleFactor: 0.35, mode: 'linear' }],
    ['bilinear alignCorners', [1, 2, 5, 6], { size: [9, 3], mode: 'bilinear', alignCorners: true }],
    ['bicubic, half-pixel', [1, 2, 5, 6], { scaleFactor: [2.3, 0.7], mode: 'bicubic' }],
    ['bicubic, one output pixel', [1, 1, 4, 4], { size: 1, mode: 'bicubic', alignCorners: true }],
    ['trilinear', [1, 2, 3, 4, 5], { scaleFactor: [2, 0.8, 1.3], mode: 'trilinear' }],
  ]
  it.each(cases)('%s: the vjp is the adjoint of the forward', async (_, shape, options) => {
    const x = randn(shape, { seed: 1 }) as unknown as AnyTensor
    const layer = interpolate(options as never) as unknown as (t: AnyTensor) => AnyTensor
    const [y, pullback] = vjp(layer, x)
    const dy = randn(y.shape, { seed: 2 }) as unknown as AnyTensor
    const [dx] = pullback(dy) as unknown as AnyTensor[]
    const dot = (a: AnyTensor, b: AnyTensor) => (sum as unknown as () => (t: AnyTensor) => AnyTensor)()(mul(a as never, b as never) as unknown as AnyTensor)
    const [forward, backward] = await realize([dot(y, dy).node, dot(x, dx).node])
    expect(Math.abs(forward[0] - backward[0])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(forward[0])))
  })
})
