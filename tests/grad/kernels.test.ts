/**
 * The gradient kernels on their own: convWeightGrad against its defining sum
 * (in float64) on shapes the fixtures do not reach (LeNet's sizes, split
 * reductions, kernels wider than one register tile, groups, 1-D), and the
 * max-pool tie rule against values printed by PyTorch.
 */
import { describe, expect, it } from 'vitest'
import * as sw from '../../src/index.ts'
import { convWeightGradPrimitive } from '../../src/ops/conv.ts'
import { makeNode, type Node, type NodeOf } from '../../src/graph.ts'
import { DEFAULT_TARGET, SOFTWARE_WINOGRAD_MIN_WORK, lower, kernelSteps, type KernelTarget } from '../../src/compiler/kernel.ts'
import { kernelTarget } from '../../src/compiler/program.ts'
import { schedule } from '../../src/compiler/schedule.ts'
import { backendInfo, execute } from '../../src/runtime/index.ts'
import { residentBuffer } from '../../src/runtime/residency.ts'
import { convWeightGradLowering } from '../../src/ops/conv-grad.wgsl.ts'
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

describe('convWeightGrad as an implicit GEMM over repacked channels-last operands', () => {
  const a = (stride: number, padLeft: number, dilation = 1): Axis => ({ stride, padLeft, dilation })
  // [name, inside, outside, weight, axes, groups]: channel counts off a multiple of 4 (padding lanes
  // in the last vec4 of X' and dY'), strides 1 and 2, padding, dilation 2, groups 2, 1-D.
  const cases: [string, number[], number[], number[], Axis[], number][] = [
    ['3x3 padding 1, 6 -> 5 channels', [6, 6, 9, 9], [6, 5, 9, 9], [5, 6, 3, 3], [a(1, 1), a(1, 1)], 1],
    ['3x3 stride 2, groups 2, 5 -> 3 channels a group', [5, 10, 11, 10], [5, 6, 6, 5], [6, 5, 3, 3], [a(2, 1), a(2, 1)], 2],
    ['3x3 dilation 2, padding 2, 12 -> 9 channels', [3, 12, 8, 9], [3, 9, 8, 9], [9, 12, 3, 3], [a(1, 2, 2), a(1, 2, 2)], 1],
    ['3x3 padding 1, 16 -> 32 channels (tiles of 16 x 16)', [2, 16, 6, 7], [2, 32, 6, 7], [32, 16, 3, 3], [a(1, 1), a(1, 1)], 1],
    ['1x1 stride 2 (a ResNet shortcut), 16 -> 8 channels', [4, 16, 8, 8], [4, 8, 4, 4], [8, 16, 1, 1], [a(2, 0), a(2, 0)], 1],
    ['1-D one tap, stride 3, padding 1 (X\' holds only the positions read)', [2, 8, 20], [2, 6, 8], [6, 8, 1], [a(3, 1)], 1],
    ['1-D stride 2, dilation 2, groups 2', [4, 6, 40], [4, 10, 17], [10, 3, 5], [a(2, 3, 2)], 2],
    // Windows past `inside`: the weight gradient of a transposed conv with outputPadding (roles swapped).
    ['windows past the input', [2, 4, 5, 6], [2, 2, 4, 4], [2, 4, 3, 3], [a(2, 1), a(2, 0, 2)], 1],
    // Few tiles and many positions: the positions are cut into chunks and their partials summed.
    ['split positions, 4 -> 4 channels at 16x16', [8, 4, 16, 16], [8, 4, 16, 16], [4, 4, 3, 3], [a(1, 1), a(1, 1)], 1],
  ]
  // The texture target's 2-D size is small: the partials form's texture rows (N·CIN·H: e.g. 324 for
  // the first case) do not fit, as at batch 32 in ResNet-18, while the GEMM's (N·groups·Ph: 66) do.
  const texture = async (): Promise<KernelTarget> => ({ ...kernelTarget(await backendInfo()), textureOperands: true, maxTextureDimension2D: 160 })
  const buffer = async (): Promise<KernelTarget> => ({ ...kernelTarget(await backendInfo()), textureOperands: false })
  const targets: [string, () => Promise<KernelTarget>][] = [['texture', texture], ['buffer', buffer]]
  const run = async (is: number[], os: number[], ws: number[], axes: Axis[], groups: number, target: KernelTarget) => {
    const rand = generator(is.reduce((x, y) => x * 31 + y, 11))
    const inside = random(is, rand)
    const outside = random(os, rand)
    const node = makeNode(convWeightGradPrimitive, [sw.fromArray(inside, is).node, sw.fromArray(outside, os).node], { axes, groups, weightShape: ws }, ws, 'float32')
    const labels = kernelSteps(convWeightGradLowering(node as NodeOf<'convWeightGrad'>, target)).map((k) => k.label ?? '')
    await realize(node.inputs)
    const s = schedule([node], residentBuffer, () => true, target)
    const [got] = await execute(s.plan, [s.bufferOf.get(node)!], { buffers: new Map(s.external) })
    return { labels, got, want: referenceWeightGrad(inside, is, outside, os, ws, axes, groups) }
  }
  for (const [kind, target] of targets)
    it.each(cases)(`%s (${kind} operands)`, async (name, is, os, ws, axes, groups) => {
      const { labels, got, want } = await run(is, os, ws, axes, groups, await target())
      const gemm = labels.find((l) => l.includes('implicit GEMM'))
      expect(gemm, labels.join('; ')).toMatch(`${kind} operands`)
      expect(labels[0]).toMatch(/repack inside to padded channels-last X'/)
      if (ws[0] === 32) expect(gemm).toMatch('tile 16 x 16 channels')
      if (name.startsWith('split')) {
        expect(gemm).toMatch(/([2-9]|\d\d+) chunk\(s\)/)
        expect(labels[labels.length - 1]).toMatch(/sum of \d+ partials/)
      }
      expectAllClose(got as Float32Array, want, name, GRAD_RTOL)
    })

  it('reads buffers on a texture target when X\' is over its 2-D texture size', async () => {
    const { labels, got, want } = await run([6, 6, 9, 9], [6, 5, 9, 9], [5, 6, 3, 3], [a(1, 1), a(1, 1)], 1, { ...(await texture()), maxTextureDimension2D: 40 })
    expect(labels.find((l) => l.includes('implicit GEMM'))).toMatch('buffer operands')
    expectAllClose(got as Float32Array, want, 'texture size 40', GRAD_RTOL)
  })

  it('keeps the partials form for LeNet-5 (few channels a group) and for a 3-D weight', () => {
    const textureTarget = { ...DEFAULT_TARGET, textureOperands: true, maxTextureDimension2D: 16384 }
    const labelsOf = (is: number[], os: number[], ws: number[], target: KernelTarget) => {
      const axes = ws.slice(2).map(() => a(1, 0))
      const node = makeNode(convWeightGradPrimitive, [sw.fromArray(new Float32Array(sizeOf(is)), is).node, sw.fromArray(new Float32Array(sizeOf(os)), os).node], { axes, groups: 1, weightShape: ws }, ws, 'float32')
      return kernelSteps(lower(node as NodeOf<'convWeightGrad'>, target)).map((k) => k.label ?? '').join('; ')
    }
    expect(labelsOf([64, 6, 12, 12], [64, 16, 8, 8], [16, 6, 5, 5], textureTarget)).not.toMatch('implicit GEMM')
    expect(labelsOf([64, 1, 28, 28], [64, 6, 24, 24], [6, 1, 5, 5], DEFAULT_TARGET)).not.toMatch('implicit GEMM')
    expect(labelsOf([2, 8, 6, 6, 6], [2, 8, 4, 4, 4], [8, 8, 3, 3, 3], DEFAULT_TARGET)).not.toMatch('implicit GEMM')
    // ResNet-18's 64 -> 64 at batch 32 takes the GEMM on either target.
    expect(labelsOf([32, 64, 32, 32], [32, 64, 30, 30], [64, 64, 3, 3], textureTarget)).toMatch('implicit GEMM')
    expect(labelsOf([32, 64, 32, 32], [32, 64, 30, 30], [64, 64, 3, 3], DEFAULT_TARGET)).toMatch('implicit GEMM')
  })
})

describe("convWeightGrad of a 3×3 stride-1 conv as Winograd's F(4×4, 3×3), used backwards", () => {
  const a = (stride: number, padLeft: number, dilation = 1): Axis => ({ stride, padLeft, dilation })
  // The device's target, taking the Winograd form from any size (it needs 16 channels a side and
  // products no larger than twice the transforms: A·B ≤ 2·tiles·(A + B)).
  const winograd = async (textures: boolean): Promise<KernelTarget> => ({ ...kernelTarget(await backendInfo()), textureOperands: textures, winogradMinWork: 1 })
  // [name, inside, outside, weight, axes]
  const cases: [string, number[], number[], number[], Axis[]][] = [
    ['part tiles (9×10 outputs), 17 -> 18 channels', [2, 17, 9, 10], [2, 18, 9, 10], [18, 17, 3, 3], [a(1, 1), a(1, 1)]],
    ['16 x 16 channel register tiles, 16 -> 32 channels', [2, 16, 8, 8], [2, 32, 8, 8], [32, 16, 3, 3], [a(1, 1), a(1, 1)]],
    ['padding 0 and 2', [3, 16, 7, 9], [3, 16, 5, 11], [16, 16, 3, 3], [a(1, 0), a(1, 2)]],
    // Rows of whole texels (8 and 12 wide) are read as textures on a texture target; 6 output rows leave a part tile.
    ['x and dY as textures, 17 -> 18 channels', [2, 17, 6, 8], [2, 18, 6, 8], [18, 17, 3, 3], [a(1, 1), a(1, 1)]],
    ['x as a texture (dY 14 wide is not), padding 0 and 2', [2, 16, 6, 12], [2, 16, 4, 14], [16, 16, 3, 3], [a(1, 0), a(1, 2)]],
  ]
  for (const textures of [false, true])
    it.each(cases)(`%s (${textures ? 'texture' : 'buffer'} operands)`, async (name, is, os, ws, axes) => {
      const target = await winograd(textures)
      const rand = generator(is.reduce((x, y) => x * 31 + y, 17))
      const inside = random(is, rand)
      const outside = random(os, rand)
      const node = makeNode(convWeightGradPrimitive, [sw.fromArray(inside, is).node, sw.fromArray(outside, os).node], { axes, groups: 1, weightShape: ws }, ws, 'float32')
      const labels = kernelSteps(convWeightGradLowering(node as NodeOf<'convWeightGrad'>, target)).map((k) => k.label ?? '')
      expect(labels.join('; ')).toMatch(/Winograd F\(4x4,3x3\) transforms.*Winograd GEMMs 36.*Winograd output transform/)
      expect(labels[1]).toMatch(textures ? 'texture operands' : 'buffer operands')
      if (ws[0] === 32) expect(labels[1]).toMatch('tile 16 x 16 channels')
      expect(labels[0].includes('inside (read as a texture)')).toBe(textures && is[3] % 4 === 0)
      expect(labels[0].includes('outside (read as a texture)')).toBe(textures && os[3] % 4 === 0)
      await realize(node.inputs)
      const s = schedule([node], residentBuffer, () => true, target)
      const [got] = await execute(s.plan, [s.bufferOf.get(node)!], { buffers: new Map(s.external) })
      // F(4×4, 3×3)'s transforms (up to 8, down to 1/24) put its float32 sums ~1e-5 from the float64
      // ones, against ~1e-6 for the direct sum (src/ops/conv-winograd.wgsl.ts); 1e-4 still fails a
      // wrong coefficient or tile edge by orders of magnitude.
      expectAllClose(got as Float32Array, referenceWeightGrad(inside, is, outside, os, ws, axes, 1), name, 1e-4)
    })

  it('is what llvmpipe runs ResNet-18\'s 3×3 stride-1 weight gradients at batch 32 as, but for the 512-channel layer', () => {
    const llvmpipe: KernelTarget = { ...DEFAULT_TARGET, textureOperands: true, maxTextureDimension2D: 16384, winogradMinWork: SOFTWARE_WINOGRAD_MIN_WORK }
    const labelsOf = (is: number[], os: number[], ws: number[], target: KernelTarget) => {
      const node = makeNode(convWeightGradPrimitive, [sw.fromArray(new Float32Array(sizeOf(is)), is).node, sw.fromArray(new Float32Array(sizeOf(os)), os).node], { axes: [a(1, 1), a(1, 1)], groups: 1, weightShape: ws }, ws, 'float32')
      return kernelSteps(lower(node as NodeOf<'convWeightGrad'>, target)).map((k) => k.label ?? '').join('; ')
    }
    expect(labelsOf([32, 64, 32, 32], [32, 64, 32, 32], [64, 64, 3, 3], llvmpipe)).toMatch('Winograd')
    expect(labelsOf([32, 256, 8, 8], [32, 256, 8, 8], [256, 256, 3, 3], llvmpipe)).toMatch('Winograd')
    expect(labelsOf([32, 512, 4, 4], [32, 512, 4, 4], [512, 512, 3, 3], llvmpipe)).toMatch('implicit GEMM')
    expect(labelsOf([32, 64, 32, 32], [32, 64, 32, 32], [64, 64, 3, 3], DEFAULT_TARGET)).toMatch('implicit GEMM')
  })
})
