import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { Node, NodeOf } from '../../src/graph.ts'
import { vjp } from '../../src/autodiff/transforms.ts'
import { convWeightGradLowering } from '../../src/ops/conv-grad.wgsl.ts'
import { conv1d, conv2d, conv3d, convTranspose2d } from '../../src/ops/conv.ts'
import { DEFAULT_TARGET, SOFTWARE_COMPACT_CONV_MAX_WORK, SOFTWARE_LARGE_TILES, SOFTWARE_WINOGRAD_MIN_WORK, kernelSteps, type KernelTarget } from '../../src/compiler/kernel.ts'
import { renderStep, type RenderedKernel } from '../../src/compiler/render.ts'
import { lowerConv } from '../../src/ops/conv.wgsl.ts'
import { operandLayout } from '../../src/compiler/passes.ts'
import { convPadding, paddingOnAxis } from '../../src/shape/conv.ts'
import { fromArray, type Tensor } from '../../src/tensor.ts'
import { realize } from '../../src/realize.ts'
import { schedule } from '../../src/compiler/schedule.ts'
import { kernelTarget } from '../../src/compiler/program.ts'
import { backendInfo, execute } from '../../src/runtime/index.ts'
import { residentBuffer } from '../../src/runtime/residency.ts'

type ConvOp = (weights: unknown, options?: unknown) => (x: Tensor) => Tensor

/** The GEMM step of a conv node's lowering for `target` (its last dispatch, operands laid out as the compiler would), rendered. */
const gemmOf = (node: Node, target: KernelTarget): RenderedKernel => {
  if (!/^conv(Transpose)?[123]d$/.test(node.op)) throw new Error(`${node.op} is not a convolution`)
  const conv = node as Parameters<typeof lowerConv>[0]
  const steps = kernelSteps(operandLayout(lowerConv(conv, target), target).lowering)
  return renderStep(steps[steps.length - 1], conv, target)
}
const targets: [string, KernelTarget][] = [
  ['buffer', { ...DEFAULT_TARGET, textureOperands: false, maxTextureDimension2D: 16384 }],
  ['texture', { ...DEFAULT_TARGET, textureOperands: true, maxTextureDimension2D: 16384 }],
]

describe('conv2d kernel', () => {
  it.each(targets)('is an implicit GEMM with a register tile (%s operands): an invocation computes many outputs', (kind, target) => {
    const x = fromArray(new Float32Array(8 * 64 * 56 * 56), [8, 64, 56, 56])
    const w = fromArray(new Float32Array(64 * 64 * 9), [64, 64, 3, 3])
    const y = (conv2d as unknown as ConvOp)(w, { padding: 1 })(x as unknown as Tensor)
    const gemm = gemmOf(y.node, target)
    expect(gemm.wgsl).toMatch(/implicit GEMM/)
    expect(gemm.wgsl).toMatch(`${kind} operands`)
    // Named vec4 accumulators, straight-line: several pixels × several channel quads.
    const accumulators = new Set(gemm.wgsl.match(/var acc\d+_\d+ = vec4f/g))
    expect(accumulators.size).toBeGreaterThanOrEqual(4)
    const [sx, sy] = /@workgroup_size\((\d+), (\d+)\)/.exec(gemm.wgsl)!.slice(1).map(Number)
    const invocations = gemm.workgroups.reduce((a, b) => a * b, 1) * sx * sy
    const outputs = y.node.shape.reduce((a, b) => a * b, 1)
    expect(outputs / invocations).toBeGreaterThanOrEqual(16)
    // K advances by vec4s of input channels: one load of X' per pixel per step, no per-output window loop.
    expect(gemm.wgsl).toMatch(kind === 'texture' ? /textureLoad\(xp, vec2u\(xc0 \+ xo \+ c, xr0 \+ yo\)\)/ : /xp\[b0 \+ xo \+ c\]/)
  })

  it('takes the target\'s large tile for large convolutions only', () => {
    const software: KernelTarget = { ...targets[1][1], largeTiles: SOFTWARE_LARGE_TILES }
    const tile = (shape: number[], target: KernelTarget) => {
      const x = fromArray(new Float32Array(shape.reduce((a, b) => a * b)), shape)
      const w = fromArray(new Float32Array(64 * 64 * 9), [64, 64, 3, 3])
      return /tile (\d+ pixels x \d+ channels)/.exec(gemmOf((conv2d as unknown as ConvOp)(w, { padding: 1 })(x as unknown as Tensor).node, target).wgsl)![1]
    }
    // W3 is 925M multiply-adds; at batch 1 on 14² it is 7.2M, under the large tiles' threshold.
    expect(tile([8, 64, 56, 56], software)).toBe('12 pixels x 32 channels')
    expect(tile([8, 64, 56, 56], targets[1][1])).toBe('8 pixels x 16 channels')
    expect(tile([1, 64, 14, 14], software)).toBe('8 pixels x 16 channels')
    // Where compiling costs more than a small conv's runs (llvmpipe): 7.2M multiply-adds take the compact tile, 29M do not.
    const compact: KernelTarget = { ...software, compactConvMaxWork: SOFTWARE_COMPACT_CONV_MAX_WORK }
    expect(tile([1, 64, 14, 14], compact)).toBe('4 pixels x 8 channels')
    expect(tile([4, 64, 14, 14], compact)).toBe('8 pixels x 16 channels')
  })

  it('runs conv1d through the same GEMM', () => {
    const x = fromArray(new Float32Array(4 * 32 * 500), [4, 32, 500])
    const w = fromArray(new Float32Array(32 * 32 * 5), [32, 32, 5])
    const y = (conv1d as unknown as ConvOp)(w, { padding: 2 })(x as unknown as Tensor)
    const gemm = gemmOf(y.node, targets[0][1]).wgsl
    expect(gemm).toMatch(/implicit GEMM/)
    expect(new Set(gemm.match(/var acc\d+_\d+ = vec4f/g)).size).toBeGreaterThanOrEqual(4)
  })

  // The size of conv3d/k3_p1_s1_6x8x8_big in tests/fixtures/forward/conv3d.json, which PyTorch's values check on this path.
  it.each(targets)('runs conv3d through the same GEMM with a depth loop (%s operands)', (kind, target) => {
    const x = fromArray(new Float32Array(8 * 6 * 8 * 8), [1, 8, 6, 8, 8])
    const w = fromArray(new Float32Array(16 * 8 * 27), [16, 8, 3, 3, 3])
    const y = (conv3d as unknown as ConvOp)(w, { padding: 1 })(x as unknown as Tensor)
    const gemm = gemmOf(y.node, target).wgsl
    expect(gemm).toMatch(`K=8x3x3x3, tile 8 pixels x 16 channels`)
    expect(gemm).toMatch(`${kind} operands`)
    expect(gemm).toMatch(/for \(var kz = 0u; kz < 3u; kz\+\+\)/)
  })
})

describe('convTranspose2d kernel', () => {
  it.each(targets)('runs a stride-2 transposed conv as 4 sub-pixel GEMMs, each over (K/2)² taps (%s operands)', (_, target) => {
    // issue 14's W4: 4×4 kernel, stride 2, 128→64 channels, 16² → 32².
    const x = fromArray(new Float32Array(8 * 128 * 16 * 16), [8, 128, 16, 16])
    const w = fromArray(new Float32Array(128 * 64 * 16), [128, 64, 4, 4])
    const y = (convTranspose2d as unknown as ConvOp)(w, { stride: 2, padding: 1 })(x as unknown as Tensor)
    expect(y.node.shape).toEqual([8, 64, 32, 32])
    const gemm = gemmOf(y.node, target)
    // M is one phase's outputs (8·16·16), K the phase's taps: 128 channels × 2 × 2, not the zero-upsampled 128 × 4 × 4.
    expect(gemm.wgsl).toMatch(/implicit GEMM M=2048 x4 phases N=64x1 K=128x2x2,/)
    // Every multiply-add the GEMM does is one of the transposed conv's: invocations × tile = outputs.
    const [sx, sy] = /@workgroup_size\((\d+), (\d+)\)/.exec(gemm.wgsl)!.slice(1).map(Number)
    const [, tp, tc] = /tile (\d+) pixels x (\d+) channels/.exec(gemm.wgsl)!.map(Number)
    const invocations = gemm.workgroups.reduce((a, b) => a * b, 1) * sx * sy
    expect(invocations * tp * tc).toBe(8 * 64 * 32 * 32)
  })
})

/** float64 reference conv2d (PyTorch semantics, 'same' = SAME_UPPER). */
const referenceConv2d = (
  x: Float32Array, xs: number[], w: Float32Array, ws: number[], bias: Float32Array | undefined,
  o: { stride: number[]; padding: number | 'same' | 'valid'; dilation: number[]; groups: number },
) => {
  const [n, ci, h, wd] = xs
  const [co, cig, kh, kw] = ws
  const cog = co / o.groups
  const pad = [0, 1].map((a) => convPadding(xs[2 + a], ws[2 + a], o.stride[a], paddingOnAxis(o.padding, a), o.dilation[a])[0])
  const outSize = [0, 1].map((a) => {
    const p = paddingOnAxis(o.padding, a)
    const [l, r] = convPadding(xs[2 + a], ws[2 + a], o.stride[a], p, o.dilation[a])
    return Math.floor((xs[2 + a] + l + r - o.dilation[a] * (ws[2 + a] - 1) - 1) / o.stride[a]) + 1
  })
  const [ho, wo] = outSize
  const out = new Float64Array(n * co * ho * wo)
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < co; oc++) {
      const g = Math.floor(oc / cog)
      for (let oy = 0; oy < ho; oy++)
        for (let ox = 0; ox < wo; ox++) {
          let s = bias ? bias[oc] : 0
          for (let c = 0; c < cig; c++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * o.stride[0] - pad[0] + ky * o.dilation[0]
                const ix = ox * o.stride[1] - pad[1] + kx * o.dilation[1]
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue
                s += x[((b * ci + g * cig + c) * h + iy) * wd + ix] * w[((oc * cig + c) * kh + ky) * kw + kx]
              }
          out[((b * co + oc) * ho + oy) * wo + ox] = s
        }
    }
  return { out, shape: [n, co, ho, wo] }
}

type Reference<O> = (x: Float32Array, xs: number[], w: Float32Array, ws: number[], bias: Float32Array | undefined, options: O) => { out: Float64Array; shape: number[] }

/** Random values, a convolution on the GPU and in float64, compared at relative error 1e-5. */
const checkAgainst = async <O,>(op: unknown, reference: Reference<O>, xs: number[], ws: number[], biasLength: number | undefined, options: O, seed: number) => {
  let state = seed
  const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
  const x = Float32Array.from({ length: xs.reduce((a, b) => a * b) }, rand)
  const w = Float32Array.from({ length: ws.reduce((a, b) => a * b) }, rand)
  const b = biasLength === undefined ? undefined : Float32Array.from({ length: biasLength }, rand)
  const ref = reference(x, xs, w, ws, b, options)
  const weights = { weight: fromArray(w, ws), bias: b ? fromArray(b, [b.length]) : undefined }
  const y = (op as ConvOp)(weights, options)(fromArray(x, xs) as unknown as Tensor)
  expect(y.shape).toEqual(ref.shape)
  const [got] = await realize([y.node as Node])
  for (let i = 0; i < ref.out.length; i++) {
    const err = Math.abs(got[i] - ref.out[i]) / Math.max(1, Math.abs(ref.out[i]))
    if (!(err <= 1e-5)) throw new Error(`${JSON.stringify(options)} x${JSON.stringify(xs)} w${JSON.stringify(ws)}: at ${i} got ${got[i]}, want ${ref.out[i]}`)
  }
}

const checkConv2d = (
  xs: number[], ws: number[], withBias: boolean,
  options: { stride: number[]; padding: number | 'same' | 'valid'; dilation: number[]; groups: number }, seed: number,
) => checkAgainst(conv2d, referenceConv2d, xs, ws, withBias ? ws[0] : undefined, options, seed)

describe('conv2d large tiles', () => {
  // Big enough for the register tiles (on llvmpipe the compact 4-pixel × 8-channel ones below 16M
  // multiply-adds, 8 × 16 above): 1023, 729 and 3362 pixels, 12 channels per group (8-channel
  // tiles) and 20 (8- or 16-channel tiles) leave remainders on both axes.
  // realize() picks texture operands on llvmpipe; SHAPEWISE_TEXTURE_OPERANDS forces either layout.
  it.each(['0', '1'])('matches the float64 reference with pixel and channel remainders (texture operands %s)', async (flag) => {
    const before = process.env.SHAPEWISE_TEXTURE_OPERANDS
    process.env.SHAPEWISE_TEXTURE_OPERANDS = flag
    try {
      await checkConv2d([1, 32, 33, 31], [24, 16, 3, 3], true, { stride: [1, 1], padding: 1, dilation: [1, 1], groups: 2 }, 7)
      await checkConv2d([2, 20, 29, 29], [12, 20, 3, 2], false, { stride: [2, 1], padding: 'same', dilation: [1, 2], groups: 1 }, 11)
      await checkConv2d([1, 16, 29, 29], [20, 16, 3, 3], true, { stride: [1, 1], padding: 0, dilation: [1, 1], groups: 1 }, 13)
      // 19.4M multiply-adds: over llvmpipe's compactConvMaxWork, so its 8 × 16 tile runs.
      await checkConv2d([2, 32, 41, 41], [20, 32, 3, 3], true, { stride: [1, 1], padding: 1, dilation: [1, 1], groups: 1 }, 19)
      // 97M multiply-adds: the adapter's large tile where it has one (llvmpipe: 12 pixels × 32 channels), 4230 pixels and 40 channels
      // a group leaving remainders. Two groups: with one, llvmpipe would run this 3×3 stride-1 conv as Winograd's (below).
      await checkConv2d([2, 128, 45, 47], [80, 64, 3, 3], true, { stride: [1, 1], padding: 1, dilation: [1, 1], groups: 2 }, 17)
    } finally {
      if (before === undefined) delete process.env.SHAPEWISE_TEXTURE_OPERANDS
      else process.env.SHAPEWISE_TEXTURE_OPERANDS = before
    }
  })
})

describe('a conv with one input channel and at most 8 output channels per group', () => {
  it('runs as one direct kernel: no repack, no scratch, no texture copies', () => {
    for (const target of [targets[1][1], { ...targets[1][1], largeTiles: SOFTWARE_LARGE_TILES }]) {
      // LeNet-5's first conv at batch 64 (1 → 6 channels, 5×5, padding 2).
      const x = fromArray(new Float32Array(64 * 28 * 28), [64, 1, 28, 28])
      const y = (conv2d as unknown as ConvOp)(fromArray(new Float32Array(6 * 25), [6, 1, 5, 5]), { padding: 2 })(x as unknown as Tensor)
      const lowering = operandLayout(lowerConv(y.node as Parameters<typeof lowerConv>[0], target), target).lowering
      expect('steps' in lowering && lowering.steps.length).toBe(1)
      expect('steps' in lowering && lowering.scratchBytes).toBeUndefined()
      expect(kernelSteps(lowering)[0].label).toMatch(/direct, 4 pixels x 6 channels/)
    }
    // More input channels per group, or more output channels, keep the GEMM.
    const gemmFor = (xs: number[], ws: number[], groups: number) => {
      const x = fromArray(new Float32Array(xs.reduce((a, b) => a * b)), xs)
      const y = (conv2d as unknown as ConvOp)(fromArray(new Float32Array(ws.reduce((a, b) => a * b)), ws), { groups })(x as unknown as Tensor)
      return gemmOf(y.node, targets[1][1]).wgsl
    }
    expect(gemmFor([1, 8, 28, 28], [6, 4, 3, 3], 2)).toMatch(/implicit GEMM/)
    expect(gemmFor([1, 3, 28, 28], [6, 3, 3, 3], 1)).toMatch(/implicit GEMM/)
    expect(gemmFor([1, 1, 28, 28], [16, 1, 3, 3], 1)).toMatch(/implicit GEMM/)
  })

  it('matches the float64 reference with pixel remainders, groups, stride and dilation', async () => {
    await checkConv2d([2, 1, 28, 28], [6, 1, 5, 5], true, { stride: [1, 1], padding: 2, dilation: [1, 1], groups: 1 }, 3)
    // 30 columns of output: rows of 4 leave 2.
    await checkConv2d([1, 1, 17, 30], [8, 1, 3, 3], true, { stride: [1, 1], padding: 1, dilation: [1, 1], groups: 1 }, 5)
    await checkConv2d([2, 4, 13, 19], [12, 1, 3, 2], false, { stride: [2, 3], padding: 'same', dilation: [2, 1], groups: 4 }, 9)
    await checkConv2d([1, 1, 9, 11], [3, 1, 4, 4], true, { stride: [3, 2], padding: 0, dilation: [1, 2], groups: 1 }, 13)
  })
})

describe('conv2d property', () => {
  const config = fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 3 }),
      cig: fc.integer({ min: 1, max: 6 }),
      cog: fc.integer({ min: 1, max: 10 }),
      h: fc.integer({ min: 1, max: 9 }),
      w: fc.integer({ min: 1, max: 11 }),
      kh: fc.integer({ min: 1, max: 4 }),
      kw: fc.integer({ min: 1, max: 4 }),
      stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      padding: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constant('same' as const), fc.constant('valid' as const)),
      bias: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    })
    // The window must fit the padded input.
    .filter((c) =>
      [0, 1].every((a) => {
        const size = a === 0 ? c.h : c.w
        const k = a === 0 ? c.kh : c.kw
        if (c.padding === 'same') return true
        const p = paddingOnAxis(c.padding, a) as number
        return size + 2 * p >= c.dilation[a] * (k - 1) + 1
      }),
    )

  it('matches a float64 reference on random configurations', async () => {
    await fc.assert(
      fc.asyncProperty(config, (c) =>
        checkConv2d(
          [c.n, c.cig * c.groups, c.h, c.w], [c.cog * c.groups, c.cig, c.kh, c.kw], c.bias,
          { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups }, c.seed,
        ),
      ),
      { numRuns: 20, seed: 20260101 },
    )
  })
})

/** float64 reference convTranspose2d, by scattering every input sample through the kernel (PyTorch semantics). */
const referenceConvTranspose2d = (
  x: Float32Array, xs: number[], w: Float32Array, ws: number[], bias: Float32Array | undefined,
  o: { stride: number[]; padding: number[]; outputPadding: number[]; dilation: number[]; groups: number },
) => {
  const [n, ci, h, wd] = xs
  const [, cog, kh, kw] = ws
  const cig = ci / o.groups
  const co = cog * o.groups
  const [ho, wo] = [0, 1].map((a) => (xs[2 + a] - 1) * o.stride[a] - 2 * o.padding[a] + o.dilation[a] * (ws[2 + a] - 1) + o.outputPadding[a] + 1)
  const out = new Float64Array(n * co * ho * wo)
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < co; oc++) out.fill(bias ? bias[oc] : 0, (b * co + oc) * ho * wo, (b * co + oc + 1) * ho * wo)
  for (let b = 0; b < n; b++)
    for (let ic = 0; ic < ci; ic++) {
      const g = Math.floor(ic / cig)
      for (let iy = 0; iy < h; iy++)
        for (let ix = 0; ix < wd; ix++) {
          const v = x[((b * ci + ic) * h + iy) * wd + ix]
          for (let c = 0; c < cog; c++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const oy = iy * o.stride[0] - o.padding[0] + ky * o.dilation[0]
                const ox = ix * o.stride[1] - o.padding[1] + kx * o.dilation[1]
                if (oy < 0 || oy >= ho || ox < 0 || ox >= wo) continue
                out[((b * co + g * cog + c) * ho + oy) * wo + ox] += v * w[((ic * cog + c) * kh + ky) * kw + kx]
              }
        }
    }
  return { out, shape: [n, co, ho, wo] }
}

describe('convTranspose2d property', () => {
  // Strides 1–3 with dilation 1 run as sub-pixel GEMMs (kernels smaller than, equal to and larger than
  // the stride, padding past the stride, output padding); with dilation 2 and stride > 1 an axis keeps
  // the zero-upsampled form, so mixed axes are covered too.
  const config = fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 2 }),
      cig: fc.integer({ min: 1, max: 5 }),
      cog: fc.integer({ min: 1, max: 9 }),
      h: fc.integer({ min: 1, max: 6 }),
      w: fc.integer({ min: 1, max: 7 }),
      kh: fc.integer({ min: 1, max: 5 }),
      kw: fc.integer({ min: 1, max: 5 }),
      stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      padding: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })),
      outputPadding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
      bias: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    })
    .filter((c) =>
      [0, 1].every((a) => {
        const [size, k] = a === 0 ? [c.h, c.kh] : [c.w, c.kw]
        const out = (size - 1) * c.stride[a] - 2 * c.padding[a] + c.dilation[a] * (k - 1) + c.outputPadding[a] + 1
        return out >= 1 && c.outputPadding[a] < Math.max(c.stride[a], c.dilation[a])
      }),
    )

  it('matches a float64 reference on random configurations', async () => {
    await fc.assert(
      fc.asyncProperty(config, (c) =>
        checkAgainst(
          convTranspose2d, referenceConvTranspose2d, [c.n, c.cig * c.groups, c.h, c.w], [c.cig * c.groups, c.cog, c.kh, c.kw], c.bias ? c.cog * c.groups : undefined,
          { stride: c.stride, padding: c.padding, outputPadding: c.outputPadding, dilation: c.dilation, groups: c.groups }, c.seed,
        ),
      ),
      { numRuns: 20, seed: 20261201 },
    )
  })
})

describe('a convolution whose repacked input is over the storage binding limit', () => {
  // The limit is the target's: a small one here makes X' of two samples the most one binding holds,
  // so 5 samples run as 3 chunks (2, 2, 1), each repacked into the same scratch and multiplied by its own GEMM.
  const run = async (op: unknown, reference: Reference<never>, xs: number[], ws: number[], options: object, sampleBytes: number, texture: boolean) => {
    const target = { ...kernelTarget(await backendInfo()), textureOperands: texture, maxStorageBufferBindingSize: 2 * sampleBytes }
    let state = 3
    const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
    const x = Float32Array.from({ length: xs.reduce((a, b) => a * b) }, rand)
    const w = Float32Array.from({ length: ws.reduce((a, b) => a * b) }, rand)
    const channels = op === conv2d ? ws[0] : ws[1]
    const b = Float32Array.from({ length: channels }, rand)
    const tensors = [fromArray(x, xs), fromArray(w, ws), fromArray(b, [channels])]
    await realize(tensors.map((t) => t.node))
    const y = (op as ConvOp)({ weight: tensors[1], bias: tensors[2] }, options)(tensors[0] as unknown as Tensor).node as Node
    const gemms = kernelSteps(lowerConv(y as Parameters<typeof lowerConv>[0], target)).filter((k) => k.label?.includes('implicit GEMM'))
    expect(gemms.map((k) => /of samples (\d+\.\.\d+)/.exec(k.label!)?.[1])).toEqual(['0..1', '2..3', '4..4'])
    // Several GEMMs write the output, so none takes a fused epilogue (the pass fuses into the last step only).
    expect(gemms.every((k) => !k.epilogue)).toBe(true)
    const s = schedule([y], residentBuffer, () => true, target)
    const [got] = await execute(s.plan, [s.bufferOf.get(y)!], { buffers: new Map(s.external) })
    const ref = (reference as Reference<object>)(x, xs, w, ws, b, options)
    for (let i = 0; i < ref.out.length; i++)
      if (!(Math.abs(got[i] - ref.out[i]) / Math.max(1, Math.abs(ref.out[i])) <= 1e-5)) throw new Error(`at ${i} got ${got[i]}, want ${ref.out[i]}`)
  }

  it.each([false, true])('runs conv2d in batch chunks, each its own repack and GEMM, and matches the float64 reference (target prefers textures: %s)', async (texture) => {
    // X' of one sample: 22 × 22 positions × 4 vec4s of channels. A split conv reads its operands from buffers on either target.
    await run(conv2d, referenceConv2d as Reference<never>, [5, 16, 20, 20], [20, 16, 3, 3], { stride: [1, 1], padding: 1, dilation: [1, 1], groups: 1 }, 22 * 22 * 4 * 16, texture)
  })

  it('runs a sub-pixel convTranspose2d in batch chunks', async () => {
    // Stride 2, 4×4 kernel, 12² → 24²: each phase's 12² outputs read (12 + 2)² positions of X', × 2 vec4s of channels.
    await run(convTranspose2d, referenceConvTranspose2d as Reference<never>, [5, 8, 12, 12], [8, 6, 4, 4], { stride: [2, 2], padding: [1, 1], outputPadding: [0, 0], dilation: [1, 1], groups: 1 }, 14 * 14 * 2 * 16, false)
  })
})

/** float64 weight gradient of conv2d: dW[a, b, ky, kx] = Σ dy[n, a, oy, ox] · x[n, g·B + b, oy·sy − py + ky·dy, ox·sx − px + kx·dx]. */
const referenceWeightGrad = (x: Float32Array, xs: number[], dy: Float32Array, ys: number[], ws: number[], o: { stride: number[]; padding: number[]; dilation: number[]; groups: number }) => {
  const [n, ci, h, wd] = xs
  const [, co, oh, ow] = ys
  const [, b, kh, kw] = ws
  const perGroup = co / o.groups
  const out = new Float64Array(co * b * kh * kw)
  for (let a = 0; a < co; a++)
    for (let bb = 0; bb < b; bb++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++) {
          let s = 0
          for (let k = 0; k < n; k++)
            for (let oy = 0; oy < oh; oy++)
              for (let ox = 0; ox < ow; ox++) {
                const iy = oy * o.stride[0] - o.padding[0] + ky * o.dilation[0]
                const ix = ox * o.stride[1] - o.padding[1] + kx * o.dilation[1]
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue
                const c = Math.floor(a / perGroup) * b + bb
                s += dy[((k * co + a) * oh + oy) * ow + ox] * x[((k * ci + c) * h + iy) * wd + ix]
              }
          out[((a * b + bb) * kh + ky) * kw + kx] = s
        }
  return out
}

describe('conv weight gradient', () => {
  const values = (count: number, seed: number) => Float32Array.from({ length: count }, (_, i) => Math.sin(i * 1.618 + seed) * 1.5)
  // Left padding (texels left of the row), widths off a multiple of 4 (spare lanes in the last quad, texels
  // right of the row), groups, a strided and dilated y axis, one row of output per chunk and many.
  const cases = [
    { x: [2, 3, 9, 11], w: [4, 3, 3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 },
    { x: [3, 4, 10, 7], w: [6, 2, 5, 5], stride: [2, 1], padding: [2, 2], dilation: [1, 1], groups: 2 },
    { x: [2, 2, 12, 13], w: [4, 2, 3, 4], stride: [1, 1], padding: [0, 3], dilation: [2, 1], groups: 1 },
    { x: [64, 1, 28, 28], w: [6, 1, 5, 5], stride: [1, 1], padding: [2, 2], dilation: [1, 1], groups: 1 },
  ]
  it.each(cases.map((c) => [`x [${c.x}] w [${c.w}] stride ${c.stride} padding ${c.padding} dilation ${c.dilation} groups ${c.groups}`, c] as const))(
    '%s: the float64 sums, through texture operands on a texture target',
    async (_, c) => {
      const x = fromArray(values(c.x.reduce((a, b) => a * b, 1), 1), c.x) as Tensor
      const w = fromArray(values(c.w.reduce((a, b) => a * b, 1), 2), c.w) as Tensor
      const options = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups }
      const [y, pullback] = vjp((k: Tensor) => (conv2d as unknown as ConvOp)(k, options)(x) as Tensor<number[]>, w)
      const dyValues = values(y.shape.reduce((a, b) => a * b, 1), 3)
      const [dw] = pullback(fromArray(dyValues, y.shape) as Tensor<number[]>)
      const grad = dw.node.op === 'convWeightGrad' ? dw.node : undefined
      expect(grad, 'the weight gradient is one convWeightGrad node').toBeDefined()
      const textureTarget = { ...DEFAULT_TARGET, textureOperands: true, maxTextureDimension2D: 16384 }
      const labels = kernelSteps(convWeightGradLowering(grad as NodeOf<'convWeightGrad'>, textureTarget)).map((s) => s.label ?? '')
      expect(labels[0]).toMatch(/texture operands/)
      const expected = referenceWeightGrad(x.node.data as Float32Array, c.x, dyValues, y.shape, c.w, options)
      const [actual] = await realize([dw.node])
      const scale = Math.max(...expected.map(Math.abs))
      Array.from(actual as Float32Array).forEach((v, i) => expect(Math.abs(v - expected[i]), `weight ${i}`).toBeLessThan(1e-5 * scale + 1e-5))
    },
  )

  it('multiplies nothing into a tap from outputs past the row: an infinite input there leaves the other taps finite', async () => {
    // 1×7 input, 1×3 kernel, no padding: 5 outputs, so the last quad of 4 has 3 spare lanes. x[6] = ∞ is
    // read only by tap 2 (output 4); PyTorch gives taps 0 and 1 finite gradients and tap 2 an infinite one.
    const x = fromArray([1, 2, 3, 4, 5, 6, Infinity], [1, 1, 1, 7]) as Tensor
    const w = fromArray([0.5, -1, 2], [1, 1, 1, 3]) as Tensor
    const [, pullback] = vjp((k: Tensor) => (conv2d as unknown as ConvOp)(k)(x) as Tensor<number[]>, w)
    const [dw] = pullback(fromArray([1, 1, 1, 1, 1], [1, 1, 1, 5]) as Tensor<number[]>)
    expect(Array.from(await dw.data())).toEqual([15, 20, Infinity])
  })
})

describe("Winograd's F(m×m, 3×3) for a 3×3 stride-1 convolution", () => {
  // The device's target, taking the Winograd form from any size.
  // Tolerance: F(4×4, 3×3)'s transforms multiply by up to 8 and divide by 24, and its float32 result
  // differs from the float64 sum by ~2e-5 where the direct sum's is ~1e-6 (src/ops/conv-winograd.wgsl.ts);
  // 1e-4 relative (absolute below 1) still fails a wrong coefficient, tap or tile edge by orders of magnitude.
  const run = async (op: unknown, reference: Reference<never>, xs: number[], ws: number[], options: object, texture: boolean, withBias = true) => {
    const device = kernelTarget(await backendInfo())
    const target: KernelTarget = { ...device, textureOperands: texture, winogradMinWork: 1 }
    let state = 5
    const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
    const x = Float32Array.from({ length: xs.reduce((a, b) => a * b) }, rand)
    const w = Float32Array.from({ length: ws.reduce((a, b) => a * b) }, rand)
    const channels = op === conv2d ? ws[0] : ws[1]
    const b = withBias ? Float32Array.from({ length: channels }, rand) : undefined
    const tensors = [fromArray(x, xs), fromArray(w, ws), ...(b ? [fromArray(b, [channels])] : [])]
    await realize(tensors.map((t) => t.node))
    const y = (op as ConvOp)({ weight: tensors[1], bias: tensors[2] }, options)(tensors[0] as unknown as Tensor).node as Node
    const labels = kernelSteps(lowerConv(y as Parameters<typeof lowerConv>[0], target)).map((k) => k.label ?? '')
    const s = schedule([y], residentBuffer, () => true, target)
    const [got] = await execute(s.plan, [s.bufferOf.get(y)!], { buffers: new Map(s.external) })
    const ref = (reference as Reference<object>)(x, xs, w, ws, b, options)
    expect(y.shape).toEqual(ref.shape)
    // Every case here must take the Winograd form (it needs 16 channels in and out and, for F(4×4), at most twice as many out as tiles).
    expect(labels[0], labels.join('; ')).toMatch('Winograd')
    for (let i = 0; i < ref.out.length; i++)
      if (!(Math.abs(got[i] - ref.out[i]) / Math.max(1, Math.abs(ref.out[i])) <= 1e-4)) throw new Error(`at ${i} got ${got[i]}, want ${ref.out[i]}`)
    return labels
  }
  const same = { stride: [1, 1], padding: 1, dilation: [1, 1], groups: 1 }
  it('is what llvmpipe runs a large 3×3 stride-1 conv as (W3, a ResNet-18 layer), and only such a conv', () => {
    const llvmpipe: KernelTarget = { ...targets[1][1], largeTiles: SOFTWARE_LARGE_TILES, winogradMinWork: SOFTWARE_WINOGRAD_MIN_WORK }
    const labels = (xs: number[], ws: number[], options: object, target = llvmpipe, op: unknown = conv2d) => {
      const x = fromArray(new Float32Array(xs.reduce((a, b) => a * b)), xs)
      const y = (op as ConvOp)(fromArray(new Float32Array(ws.reduce((a, b) => a * b)), ws), options)(x as unknown as Tensor)
      const lowering = lowerConv(y.node as Parameters<typeof lowerConv>[0], target)
      return kernelSteps(lowering).map((k) => k.label ?? '').join('; ') + ('steps' in lowering ? lowering.steps.filter((s) => 'copyToTexture' in s).map((s) => ` copy to texture ${'copyToTexture' in s ? s.copyToTexture.texture : ''}`).join('') : '')
    }
    // W3: 925M multiply-adds; its 56-wide rows are whole texels, so x is read through a texture (texture 3) too.
    const w3 = labels([8, 64, 56, 56], [64, 64, 3, 3], { padding: 1 })
    expect(w3).toMatch(/Winograd F\(4x4,3x3\) transforms.*Winograd GEMMs 36 x M=1568 N=64 K=64, tile 12 tiles x 32 channels.*texture operands/)
    expect(w3).toMatch('copy to texture 3')
    // ResNet-18's 3×3 input gradient at batch 32 (a stride-1 transposed conv) too.
    expect(labels([32, 128, 16, 16], [128, 128, 3, 3], { stride: 1, padding: 1 }, llvmpipe, convTranspose2d)).toMatch('Winograd')
    // Below the threshold, strided, grouped, dilated, 5×5, or few channels: the implicit GEMM.
    for (const [xs, ws, options] of [
      [[1, 64, 28, 28], [64, 64, 3, 3], { padding: 1 }],
      [[8, 64, 56, 56], [64, 64, 3, 3], { padding: 1, stride: 2 }],
      [[8, 64, 56, 56], [64, 32, 3, 3], { padding: 1, groups: 2 }],
      [[8, 64, 56, 56], [64, 64, 3, 3], { padding: 2, dilation: 2 }],
      [[8, 64, 56, 56], [64, 64, 5, 5], { padding: 2 }],
      [[32, 8, 64, 64], [64, 8, 3, 3], { padding: 1 }],
      // ResNet-18's 512-channel layer at batch 8: 32 tiles of 2×2, whose weight transform would cost more than it saves.
      [[8, 512, 4, 4], [512, 512, 3, 3], { padding: 1 }],
    ] as [number[], number[], object][])
      expect(labels(xs, ws, options)).toMatch('implicit GEMM')
    // At batch 32 (32 tiles of 4×4, 128 of 2×2): F(2×2), whose weight transform is 16 values a channel pair, not 36.
    expect(labels([32, 512, 4, 4], [512, 512, 3, 3], { padding: 1 })).toMatch(/Winograd F\(2x2,3x3\) transforms.*Winograd GEMMs 16 x M=128 N=512 K=512/)
    // ResNet-18's 256-channel layer at 8², batch 32: 128 tiles of 4×4, F(4×4).
    expect(labels([32, 256, 8, 8], [256, 256, 3, 3], { padding: 1 })).toMatch('Winograd F(4x4,3x3) transforms')
    // A target that does not take it (a GPU, unmeasured): the implicit GEMM.
    expect(labels([8, 64, 56, 56], [64, 64, 3, 3], { padding: 1 }, targets[1][1])).toMatch('implicit GEMM')
  })
  it.each([false, true])('matches the float64 reference: part tiles at the edges, channels off a multiple of 4 and of the tile (texture operands: %s)', async (texture) => {
    // 9×12 outputs: 3×3 tiles of 4×4, the last row of tiles a part one; 17 and 18 channels pad their last vec4;
    // 18 tiles leave a part register tile of 12. Rows of 12 are whole texels: x is read as a texture too.
    const labels = await run(conv2d, referenceConv2d as Reference<never>, [2, 17, 9, 12], [18, 17, 3, 3], same, texture)
    expect(labels.join('; ')).toMatch(/Winograd F\(4x4,3x3\) transforms.*Winograd GEMMs 36 x M=18 N=18 K=20.*Winograd output transform/)
    expect(labels[1]).toMatch(texture ? 'texture operands' : 'buffer operands')
    expect(labels[0].includes('(read as a texture)')).toBe(texture)
    // 7×5 outputs: part tiles on both axes; rows of 7 are not whole texels, so x is read from its buffer on either target.
    expect((await run(conv2d, referenceConv2d as Reference<never>, [2, 16, 9, 7], [16, 16, 3, 3], { ...same, padding: 0 }, texture, false))[0]).not.toMatch('read as a texture')
    // Padding 2 (8×18 outputs), rows of 16.
    await run(conv2d, referenceConv2d as Reference<never>, [3, 20, 6, 16], [16, 20, 3, 3], { ...same, padding: 2 }, texture)
  })
  it.each([false, true])('takes F(2×2, 3×3) where an output axis has at most 2 positions (texture operands: %s)', async (texture) => {
    expect((await run(conv2d, referenceConv2d as Reference<never>, [3, 16, 2, 9], [16, 16, 3, 3], same, texture))[0]).toMatch('Winograd F(2x2,3x3) transforms')
    expect((await run(conv2d, referenceConv2d as Reference<never>, [8, 16, 4, 3], [16, 16, 3, 3], { ...same, padding: 0 }, texture))[0]).toMatch('Winograd F(2x2,3x3) transforms')
  })
  it.each([false, true])('runs a stride-1 transposed 3×3 convolution (a conv\'s input gradient) with the kernel flipped (texture operands: %s)', async (texture) => {
    const transposed = { stride: [1, 1], padding: [1, 1], outputPadding: [0, 0], dilation: [1, 1], groups: 1 }
    await run(convTranspose2d, referenceConvTranspose2d as Reference<never>, [2, 17, 9, 8], [17, 22, 3, 3], transposed, texture)
    // Padding 0 and 2: x's windows start 2 and 0 positions before it.
    await run(convTranspose2d, referenceConvTranspose2d as Reference<never>, [4, 16, 5, 6], [16, 16, 3, 3], { ...transposed, padding: [0, 2] }, texture, false)
  })
})
