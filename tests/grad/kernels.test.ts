/**
 * The gradient kernels on their own: convWeightGrad against its defining sum
 * (in float64) on shapes the fixtures do not reach (LeNet's sizes, split
 * reductions, kernels wider than one register tile, groups, 1-D), and the
 * max-pool tie rule against values printed by PyTorch.
 */
import { describe, expect, it } from 'vitest'
import * as sw from '../../src/index.ts'
import { convWeightGradPrimitive } from '../../src/ops/conv.ts'
import { makeNode, type Node } from '../../src/graph.ts'
import { lower, kernelSteps } from '../../src/compiler/kernel.ts'
import { renderStep } from '../../src/compiler/render.ts'
import { realize } from '../../src/realize.ts'
import type { AnyTensor } from '../../src/tree.ts'
import { expectAllClose } from '../helpers/close.ts'
import { GRAD_RTOL } from '../helpers/pytorch.ts'
import { generator, sizeOf } from '../helpers/random.ts'

const api = sw as unknown as Record<string, any>

const random = (shape: readonly number[], rand: () => number) => Float32Array.from({ length: sizeOf(shape) }, rand)

interface Axis {
  stride: number
  padLeft: number
  dilation: number
}

/** float64 convWeightGrad: out[a, b, k…] = Σ outside[n, a, o…] · inside[n, g·B + b, o·s − p + k·d]. */
const referenceWeightGrad = (
  inside: Float32Array, is: number[], outside: Float32Array, os: number[], ws: number[], axes: Axis[], groups: number,
) => {
  const two = (s: number[]) => (s.length === 3 ? [s[0], s[1], 1, s[2]] : s)
  const [N, CIN, H, W] = two(is)
  const [, A, HO, WO] = two(os)
  const [, B, KH, KW] = two(ws)
  const [ay, ax] = axes.length === 1 ? [{ stride: 1, padLeft: 0, dilation: 1 }, axes[0]] : axes
  const AG = A / groups
  const out = new Float64Array(A * B * KH * KW)
  for (let a = 0; a < A; a++)
    for (let b = 0; b < B; b++) {
      const c = Math.floor(a / AG) * B + b
      for (let ky = 0; ky < KH; ky++)
        for (let kx = 0; kx < KW; kx++) {
          let s = 0
          for (let n = 0; n < N; n++)
            for (let oy = 0; oy < HO; oy++) {
              const iy = oy * ay.stride - ay.padLeft + ky * ay.dilation
              if (iy < 0 || iy >= H) continue
              for (let ox = 0; ox < WO; ox++) {
                const ix = ox * ax.stride - ax.padLeft + kx * ax.dilation
                if (ix < 0 || ix >= W) continue
                s += outside[((n * A + a) * HO + oy) * WO + ox] * inside[((n * CIN + c) * H + iy) * W + ix]
              }
            }
          out[((a * B + b) * KH + ky) * KW + kx] = s
        }
    }
  return out
}


describe('convWeightGrad kernel', () => {
  // [name, inside shape, outside shape, weight shape, axes, groups]
  const cases: [string, number[], number[], number[], Axis[], number][] = [
    ['LeNet c1 (5x5, 1 -> 6)', [64, 1, 28, 28], [64, 6, 24, 24], [6, 1, 5, 5], [{ stride: 1, padLeft: 0, dilation: 1 }, { stride: 1, padLeft: 0, dilation: 1 }], 1],
    ['LeNet c1 padded', [64, 1, 28, 28], [64, 6, 28, 28], [6, 1, 5, 5], [{ stride: 1, padLeft: 2, dilation: 1 }, { stride: 1, padLeft: 2, dilation: 1 }], 1],
    ['LeNet c2 (5x5, 6 -> 16)', [64, 6, 12, 12], [64, 16, 8, 8], [16, 6, 5, 5], [{ stride: 1, padLeft: 0, dilation: 1 }, { stride: 1, padLeft: 0, dilation: 1 }], 1],
    // 11 taps: two column tiles of 6, the last ragged; 3 channels per group.
    ['wide kernel, groups 2', [3, 4, 17, 30], [3, 6, 8, 13], [6, 2, 3, 11], [{ stride: 2, padLeft: 1, dilation: 1 }, { stride: 2, padLeft: 3, dilation: 1 }], 2],
    ['1-D, groups 3, dilated', [4, 6, 200], [4, 9, 97], [9, 2, 9], [{ stride: 2, padLeft: 4, dilation: 2 }], 3],
    // Windows that reach past `inside` (the role of dy in a transposed conv with outputPadding).
    ['windows past the input', [2, 4, 5, 6], [2, 2, 4, 4], [2, 4, 3, 3], [{ stride: 2, padLeft: 1, dilation: 1 }, { stride: 2, padLeft: 0, dilation: 2 }], 1],
  ]
  it.each(cases)('%s', async (name, is, os, ws, axes, groups) => {
    const rand = generator(is.reduce((a, b) => a * 31 + b, 7))
    const inside = random(is, rand)
    const outside = random(os, rand)
    const node = makeNode(convWeightGradPrimitive, [sw.fromArray(inside, is).node, sw.fromArray(outside, os).node], { axes, groups, weightShape: ws }, ws, 'float32')
    const [got] = await realize([node])
    expectAllClose(got, referenceWeightGrad(inside, is, outside, os, ws, axes, groups), name, GRAD_RTOL)
  })

  it('splits the long reduction of LeNet across many invocations', () => {
    const x = sw.fromArray(new Float32Array(64 * 28 * 28), [64, 1, 28, 28])
    const dy = sw.fromArray(new Float32Array(64 * 6 * 24 * 24), [64, 6, 24, 24])
    const axis = { stride: 1, padLeft: 0, dilation: 1 }
    const node = makeNode(convWeightGradPrimitive, [x.node, dy.node], { axes: [axis, axis], groups: 1, weightShape: [6, 1, 5, 5] }, [6, 1, 5, 5], 'float32')
    const steps = kernelSteps(lower(node))
    const partials = renderStep(steps[0], node)
    const [sx] = /@workgroup_size\((\d+)/.exec(partials.wgsl)!.slice(1).map(Number)
    const invocations = partials.workgroups.reduce((a, b) => a * b, 1) * sx
    // 150 weights: one invocation each would leave the reduction of 36,864 products to a single lane per weight.
    expect(invocations).toBeGreaterThanOrEqual(512)
    expect(steps.length).toBe(2)
  })
})

describe('max pooling gradient ties (values from PyTorch 1.13)', () => {
  const pool = (options: object, x: number[], shape: number[], seed: number[]) => {
    const [out, pullback] = sw.vjp((t: AnyTensor) => api.maxPool2d(options)(t) as AnyTensor, sw.fromArray(x, shape) as unknown as AnyTensor)
    const [dx] = pullback(sw.fromArray(seed, out.shape) as unknown as AnyTensor) as unknown as AnyTensor[]
    return dx.node as Node
  }
  const iota = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

  it('routes each window to its first maximal element, padding skipped', async () => {
    const nodes = [
      // torch.zeros(1,1,3,3), max_pool2d(k=3, s=1, p=1), seed 1..9
      pool({ kernelSize: 3, stride: 1, padding: 1 }, new Array(9).fill(0), [1, 1, 3, 3], iota(9)),
      // overlapping windows over repeated values, k=2, s=1
      pool({ kernelSize: 2, stride: 1 }, [1, 2, 2, 1, 2, 0, 2, 2, 1, 2, 2, 1, 0, 0, 0, 0], [1, 1, 4, 4], iota(9)),
      // torch.ones(1,1,5,5), k=2, s=2, p=1, dilation 2, ceil_mode
      pool({ kernelSize: 2, stride: 2, padding: 1, dilation: 2, ceilMode: true }, new Array(25).fill(1), [1, 1, 5, 5], iota(9)),
    ]
    const [a, b, c] = (await realize(nodes)).map((v) => Array.from(v))
    expect(a).toEqual([12, 9, 0, 15, 9, 0, 0, 0, 0])
    expect(b).toEqual([0, 3, 3, 0, 4, 0, 11, 0, 0, 15, 9, 0, 0, 0, 0, 0])
    expect(c).toEqual([0, 0, 0, 0, 0, 0, 12, 0, 9, 0, 0, 0, 0, 0, 0, 0, 15, 0, 9, 0, 0, 0, 0, 0, 0])
  })
})
