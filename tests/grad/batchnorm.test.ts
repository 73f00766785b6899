/**
 * The backward of a training-mode batchNorm2d (batchNormGradStats and batchNormInputGrad: one
 * per-channel reduction of x and dy, one elementwise pass) against its formula in float64, on
 * shapes past the fixtures' (channels of thousands of elements, so each of the 64 lanes of a
 * channel's workgroup sums many).
 */
import { describe, expect, it } from 'vitest'
import { batchNorm2d, fromArray, mul, sum, valueAndGrad, type Tensor } from '../../src/index.ts'
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

})
