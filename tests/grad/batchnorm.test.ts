/**
 * The backward of a training-mode batchNorm2d (batchNormGradStats and batchNormInputGrad: one
 * per-channel reduction of x and dy, one elementwise pass) against its formula in float64, on
 * shapes past the fixtures' (channels of thousands of elements, so each of the 64 lanes of a
 * channel's workgroup sums many).
 */
import { describe, expect, it } from 'vitest'
import { batchNorm2d, conv2d, fromArray, grad, HigherOrderGradientError, maxPool2d, mul, sum, valueAndGrad, type Tensor } from '../../src/index.ts'
import { expectAllClose } from '../helpers/close.ts'
import { GRAD_RTOL } from '../helpers/pytorch.ts'
import { randomValues, sizeOf } from '../helpers/random.ts'

interface Case {
  readonly shape: readonly [number, number, number, number]
  readonly eps: number
}

/** float64: dx, dweight, dbias of Σ r · batchNorm2d(x) (training, biased variance), as PyTorch defines them. */
const reference = ([n, c, h, w]: Case['shape'], eps: number, x: Float32Array, weight: Float32Array, r: Float32Array) => {
  const m = n * h * w
  const dx = new Float64Array(x.length)
  const dweight = new Float64Array(c)
  const dbias = new Float64Array(c)
  const at = (b: number, ch: number, k: number) => (b * c + ch) * h * w + k
  for (let ch = 0; ch < c; ch++) {
    let mean = 0
    for (let b = 0; b < n; b++) for (let k = 0; k < h * w; k++) mean += x[at(b, ch, k)]
    mean /= m
    let variance = 0
    for (let b = 0; b < n; b++) for (let k = 0; k < h * w; k++) variance += (x[at(b, ch, k)] - mean) ** 2
    const rstd = 1 / Math.sqrt(variance / m + eps)
    let sumDy = 0
    let sumDyXhat = 0
    for (let b = 0; b < n; b++)
      for (let k = 0; k < h * w; k++) {
        sumDy += r[at(b, ch, k)]
        sumDyXhat += r[at(b, ch, k)] * (x[at(b, ch, k)] - mean) * rstd
      }
    dweight[ch] = sumDyXhat
    dbias[ch] = sumDy
    for (let b = 0; b < n; b++)
      for (let k = 0; k < h * w; k++) {
        const xhat = (x[at(b, ch, k)] - mean) * rstd
        dx[at(b, ch, k)] = weight[ch] * rstd * (r[at(b, ch, k)] - sumDy / m - xhat * sumDyXhat / m)
      }
  }
  return { dx, dweight, dbias }
}

describe('batchNorm2d backward in training mode', () => {
  const cases: Case[] = [
    { shape: [8, 5, 12, 12], eps: 1e-5 }, // 1152 elements a channel
    { shape: [3, 2, 33, 31], eps: 1e-3 }, // 3069 elements, not a multiple of the 64 lanes
  ]
  for (const { shape, eps } of cases)
    it(`matches the float64 gradient for x ${JSON.stringify(shape)}, eps ${eps}`, async () => {
      const c = shape[1]
      // Off-centre, scaled data: a mean and variance far from 0 and 1 test the centring.
      const x = Float32Array.from(randomValues(sizeOf(shape), 11), (v) => v * 3 + 1.5)
      const weight = Float32Array.from(randomValues(c, 12), (v) => v + 1.25)
      const bias = randomValues(c, 13)
      const r = randomValues(sizeOf(shape), 14)
      const constants = { runningMean: fromArray(new Float32Array(c), [c]), runningVar: fromArray(new Float32Array(c).fill(1), [c]) }
      const cotangent = fromArray(r, [...shape])
      const loss = ({ x, weight, bias }: { x: Tensor; weight: Tensor; bias: Tensor }) =>
        sum()(mul(batchNorm2d({ weight, bias, ...constants } as never, { training: true, eps })(x as never) as Tensor, cotangent))
      const [, grads] = valueAndGrad(loss)({ x: fromArray(x, [...shape]), weight: fromArray(weight, [c]), bias: fromArray(bias, [c]) })
      // The fused kernels, not a composition of elementwise ops and reductions.
      expect(grads.x.node.op).toBe('batchNormInputGrad')
      const want = reference(shape, eps, x, weight, r)
      expectAllClose(await grads.x.data(), want.dx, 'dx', GRAD_RTOL)
      expectAllClose(await grads.weight.data(), want.dweight, 'dweight', GRAD_RTOL * 10)
      expectAllClose(await grads.bias.data(), want.dbias, 'dbias', GRAD_RTOL * 10)
    })

  // A gradient penalty: P = Σ (∂/∂x inner(x))², differentiated again, for inner = Σ r · bn(x) (a
  // constant cotangent) and inner = Σ r · bn(x)² (a cotangent 2·r·bn(x) that itself depends on x and
  // γ, as it does inside a network). The fused kernels have no derivative of their own; their VJPs
  // differentiate the same formula as ops, on stand-ins, so the path through dy is counted once.
  describe('a derivative of its gradient (a gradient penalty)', () => {
    const shape = [3, 2, 4, 5] as const
    const [n, c, hh, ww] = shape
    const eps = 1e-3
    const x = Float32Array.from(randomValues(sizeOf(shape), 21), (v) => v * 2 + 0.5)
    const weight = Float32Array.from(randomValues(c, 22), (v) => v + 1.5)
    const bias = Float32Array.from(randomValues(c, 24), (v) => v * 0.5)
    const r = randomValues(sizeOf(shape), 23)
    const constants = { runningMean: fromArray(new Float32Array(c), [c]), runningVar: fromArray(new Float32Array(c).fill(1), [c]) }
    const inners = {
      'Σ r·bn(x)': { squared: false },
      'Σ r·bn(x)²': { squared: true },
    }
    const penalty = (squared: boolean) => (input: Tensor, gamma: Tensor) => {
      const inner = (t: Tensor) => {
        const y = batchNorm2d({ weight: gamma, bias: fromArray(bias, [c]), ...constants } as never, { training: true, eps })(t as never) as Tensor
        return sum()(mul(squared ? mul(y, y) : y, fromArray(r, [...shape])))
      }
      const dx = grad(inner)(input) as Tensor
      return sum()(mul(dx, dx))
    }
    /** The penalty in float64: dx by the batch-norm backward formula, for dy = r or 2·r·bn(x). */
    const penalty64 = (squared: boolean, xs: ArrayLike<number>, gammas: ArrayLike<number>) => {
      const m = n * hh * ww
      let total = 0
      for (let ch = 0; ch < c; ch++) {
        const at = (b: number, k: number) => (b * c + ch) * hh * ww + k
        const each = (f: (b: number, k: number) => number) => {
          let acc = 0
          for (let b = 0; b < n; b++) for (let k = 0; k < hh * ww; k++) acc += f(b, k)
          return acc
        }
        const mean = each((b, k) => xs[at(b, k)]) / m
        const rstd = 1 / Math.sqrt(each((b, k) => (xs[at(b, k)] - mean) ** 2) / m + eps)
        const xhat = (b: number, k: number) => (xs[at(b, k)] - mean) * rstd
        const dy = (b: number, k: number) => (squared ? 2 * (gammas[ch] * xhat(b, k) + bias[ch]) * r[at(b, k)] : r[at(b, k)])
        const sumDy = each(dy)
        const sumDyXhat = each((b, k) => dy(b, k) * xhat(b, k))
        total += each((b, k) => (gammas[ch] * rstd * (dy(b, k) - sumDy / m - (xhat(b, k) * sumDyXhat) / m)) ** 2)
      }
      return total
    }
    /** Central differences of the float64 penalty at `at`, one coordinate at a time. */
    const differences = (f: (v: Float64Array) => number, at: ArrayLike<number>, h = 1e-4) =>
      Float64Array.from(at, (_, i) => {
        const up = Float64Array.from(at)
        const down = Float64Array.from(at)
        up[i] += h
        down[i] -= h
        return (f(up) - f(down)) / (2 * h)
      })

    for (const [name, { squared }] of Object.entries(inners)) {
      it(`inner = ${name}: with respect to x, as central differences of the float64 penalty`, async () => {
        const dP = grad((t: Tensor) => penalty(squared)(t, fromArray(weight, [c])))(fromArray(x, [...shape])) as Tensor
        expectAllClose(await dP.data(), differences((v) => penalty64(squared, v, weight), x), 'dP/dx', GRAD_RTOL * 10)
      })
      it(`inner = ${name}: with respect to the weight γ, as central differences of the float64 penalty`, async () => {
        const dP = grad((g: Tensor) => penalty(squared)(fromArray(x, [...shape]), g))(fromArray(weight, [c])) as Tensor
        expectAllClose(await dP.data(), differences((v) => penalty64(squared, x, v), weight), 'dP/dweight', GRAD_RTOL * 10)
      })
    }
  })
})

describe('a derivative of a gradient kernel that has none of its own', () => {
  it('is refused by name rather than read as zero (max pool, conv weight gradient)', () => {
    const x = fromArray(randomValues(16, 31), [1, 1, 4, 4])
    const pool = maxPool2d({ kernelSize: 2 })
    const throughPool = (s: Tensor) => sum()(mul(grad((t: Tensor) => sum()(mul(pool(t as never) as Tensor, pool(t as never) as Tensor)))(s) as Tensor, 1))
    expect(() => grad(throughPool)(x)).toThrow(HigherOrderGradientError)
    expect(() => grad(throughPool)(x)).toThrow("poolGrad: a derivative of a pooling layer's gradient (a second derivative through a pooling layer) is not implemented")
    // The weight gradient of a conv, differentiated again with respect to the input.
    const w = fromArray(randomValues(9, 32), [1, 1, 3, 3])
    const weightGradNorm = (input: Tensor) => {
      const g = grad((k: Tensor) => sum()(mul((conv2d as never as (p: object, o: object) => (t: Tensor) => Tensor)({ weight: k }, {})(input), 1)))(w) as Tensor
      return sum()(mul(g, g))
    }
    expect(() => grad(weightGradNorm)(x)).toThrow(/^convWeightGrad: a derivative of a convolution \(its weight gradient\)'s gradient/)
  })
})
