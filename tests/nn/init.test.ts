/**
 * Parameter initialisers: the shapes and types of each layer's record,
 * seeded reproducibility, and the bounds / spread of every init scheme,
 * checked by sampling large layers on the device.
 */
import { describe, expect, it } from 'vitest'
import { ShapeError, pipelineCompilations, type Tensor } from '../../src/index.ts'
import { conv1dParams, conv2dParams, conv3dParams, convTranspose2dParams, convTranspose3dParams, linearParams, batchNorm2dParams, type InitName } from '../../src/nn/index.ts'
import { realize } from '../../src/realize.ts'
import type { AnyTensor } from '../../src/tree.ts'

const valuesOf = async (...ts: AnyTensor[]) => (await realize(ts.map((t) => t.node))).map((v) => Array.from(v as Float32Array))

const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length
  const maxAbs = xs.reduce((a, b) => Math.max(a, Math.abs(b)), 0)
  return { mean, std: Math.sqrt(variance), maxAbs }
}

describe('shapes and types', () => {
  it('conv2dParams: weight [Co, Ci/groups, kh, kw] and bias [Co]', () => {
    const p = conv2dParams({ inChannels: 3, outChannels: 8, kernelSize: 5 })
    const typed: { weight: Tensor<[8, 3, 5, 5]>; bias: Tensor<[8]> } = p
    expect([...typed.weight.shape]).toEqual([8, 3, 5, 5])
    expect([...typed.bias.shape]).toEqual([8])
    expect(p.weight.dtype).toBe('float32')
    const rect: { weight: Tensor<[6, 2, 3, 1]>; bias: Tensor<[6]> } = conv2dParams({ inChannels: 4, outChannels: 6, kernelSize: [3, 1], groups: 2 })
    expect([...rect.weight.shape]).toEqual([6, 2, 3, 1])
  })

  it('conv1dParams: weight [Co, Ci/groups, k]', () => {
    const p: { weight: Tensor<[4, 1, 3]>; bias: Tensor<[4]> } = conv1dParams({ inChannels: 2, outChannels: 4, kernelSize: 3, groups: 2 })
    expect([...p.weight.shape]).toEqual([4, 1, 3])
    expect([...p.bias.shape]).toEqual([4])
  })

  it('convTranspose2dParams: weight [Ci, Co/groups, kh, kw] and bias [Co]', () => {
    const p: { weight: Tensor<[4, 3, 2, 2]>; bias: Tensor<[6]> } = convTranspose2dParams({ inChannels: 4, outChannels: 6, kernelSize: 2, groups: 2 })
    expect([...p.weight.shape]).toEqual([4, 3, 2, 2])
    expect([...p.bias.shape]).toEqual([6])
  })

  it('conv3dParams / convTranspose3dParams: weights [Co, Ci/groups, kd, kh, kw] and [Ci, Co/groups, kd, kh, kw], fan_in over the three kernel axes', async () => {
    const p: { weight: Tensor<[6, 2, 1, 3, 3]>; bias: Tensor<[6]> } = conv3dParams({ inChannels: 4, outChannels: 6, kernelSize: [1, 3, 3], groups: 2 })
    expect([...p.weight.shape]).toEqual([6, 2, 1, 3, 3])
    expect([...p.bias.shape]).toEqual([6])
    const t: { weight: Tensor<[4, 3, 2, 2, 2]>; bias: Tensor<[6]> } = convTranspose3dParams({ inChannels: 4, outChannels: 6, kernelSize: 2, groups: 2 })
    expect([...t.weight.shape]).toEqual([4, 3, 2, 2, 2])
    expect([...t.bias.shape]).toEqual([6])
    // PyTorch's default init: weight and bias within 1/√fan_in, fan_in = Ci/groups · kd·kh·kw = 2 · 9.
    const bound = 1 / Math.sqrt(2 * 9)
    for (const v of [...(await p.weight.data()), ...(await p.bias.data())]) expect(Math.abs(v)).toBeLessThanOrEqual(bound)
    expect(() => conv3dParams({ inChannels: 2, outChannels: 2, kernelSize: [3, 0, 3] })).toThrow('conv3dParams: kernelSize must be a positive integer, got 0')
  })

  it('linearParams: weight [out, in] and bias [out]', () => {
    const p: { weight: Tensor<[10, 84]>; bias: Tensor<[10]> } = linearParams({ inFeatures: 84, outFeatures: 10 })
    expect([...p.weight.shape]).toEqual([10, 84])
    expect([...p.bias.shape]).toEqual([10])
  })

  it('bias: false leaves the bias out, in the type and the record', () => {
    const conv = conv2dParams({ inChannels: 1, outChannels: 2, kernelSize: 3, bias: false })
    const typed: { weight: Tensor<[2, 1, 3, 3]> } = conv
    expect(Object.keys(typed)).toEqual(['weight'])
    // @ts-expect-error no bias in the record's type
    expect(conv.bias).toBeUndefined()
    expect(Object.keys(conv1dParams({ inChannels: 1, outChannels: 2, kernelSize: 3, bias: false }))).toEqual(['weight'])
    expect(Object.keys(convTranspose2dParams({ inChannels: 1, outChannels: 2, kernelSize: 3, bias: false }))).toEqual(['weight'])
    expect(Object.keys(linearParams({ inFeatures: 3, outFeatures: 2, bias: false }))).toEqual(['weight'])
  })

  it('batchNorm2dParams: γ = 1, β = 0, running mean 0 and variance 1', async () => {
    const p = batchNorm2dParams({ numFeatures: 3 })
    const typed: { weight: Tensor<[3]>; bias: Tensor<[3]>; runningMean: Tensor<[3]>; runningVar: Tensor<[3]> } = p
    expect(Object.keys(typed).sort()).toEqual(['bias', 'runningMean', 'runningVar', 'weight'])
    const [w, b, m, v] = await valuesOf(p.weight, p.bias, p.runningMean, p.runningVar)
    expect([w, b, m, v]).toEqual([[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1]])
  })

  it('refuses sizes that are not positive integers, and channels not divisible by groups', () => {
    expect(() => conv2dParams({ inChannels: 0, outChannels: 2, kernelSize: 3 })).toThrow(ShapeError)
    expect(() => conv2dParams({ inChannels: 0, outChannels: 2, kernelSize: 3 })).toThrow('conv2dParams: inChannels must be a positive integer, got 0')
    expect(() => conv2dParams({ inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2 })).toThrow('conv2dParams: channels 3→4 are not divisible by groups 2')
    expect(() => conv1dParams({ inChannels: 2, outChannels: 2, kernelSize: 1.5 })).toThrow('conv1dParams: kernelSize must be a positive integer, got 1.5')
    expect(() => conv1dParams({ inChannels: 4, outChannels: 6, kernelSize: 3, groups: 4 })).toThrow('conv1dParams: channels 4→6 are not divisible by groups 4')
    expect(() => convTranspose2dParams({ inChannels: 2, outChannels: -2, kernelSize: 2 })).toThrow('convTranspose2dParams: outChannels must be a positive integer, got -2')
    expect(() => linearParams({ inFeatures: 3, outFeatures: 0 })).toThrow('linearParams: outFeatures must be a positive integer, got 0')
    expect(() => batchNorm2dParams({ numFeatures: 0 })).toThrow('batchNorm2dParams: numFeatures must be a positive integer, got 0')
  })
})

describe('seeds', () => {
  it('the same seed gives the same values; another seed, or none, others', async () => {
    const spec = { inChannels: 3, outChannels: 4, kernelSize: 3 } as const
    const a = conv2dParams(spec, { seed: 42 })
    const b = conv2dParams(spec, { seed: 42 })
    const c = conv2dParams(spec, { seed: 43 })
    const u1 = conv2dParams(spec)
    const u2 = conv2dParams(spec)
    const [aw, ab, bw, bb, cw, uw1, uw2] = await valuesOf(a.weight, a.bias, b.weight, b.bias, c.weight, u1.weight, u2.weight)
    expect(bw).toEqual(aw)
    expect(bb).toEqual(ab)
    expect(cw).not.toEqual(aw)
    expect(uw1).not.toEqual(uw2)
    expect(ab).not.toEqual(bw.slice(0, ab.length))
  })

  it("the bias uses the seed after the weight's", async () => {
    // Same bound (1/√4) for weight and bias of a 4 → 4 layer: layer 43's weight starts like layer 42's bias.
    const [bias42, weight43] = await valuesOf(linearParams({ inFeatures: 4, outFeatures: 4 }, { seed: 42 }).bias, linearParams({ inFeatures: 4, outFeatures: 4 }, { seed: 43 }).weight)
    expect(bias42).toEqual(weight43.slice(0, 4))
  })

  it('a seed gives the same values across layers of the same shape and every init scheme draws from it', async () => {
    const lin = (init: InitName) => linearParams({ inFeatures: 16, outFeatures: 4 }, { seed: 7, init }).weight
    const [t1, t2, ku] = await valuesOf(lin('torch'), lin('torch'), lin('kaimingUniform'))
    expect(t2).toEqual(t1)
    // The same uniform draw, scaled to another bound: ratio √6 between kaimingUniform (√(6/16)) and torch (1/√16).
    ku.forEach((v, i) => expect(v).toBeCloseTo(t1[i] * Math.sqrt(6), 5))
  })
})

describe('init schemes, by sampling', () => {
  // fan_in 256, fan_out 512 for the linear layer; conv 32→64 k3: fan_in 288, fan_out 576.
  const fanIn = 256
  const fanOut = 512
  const linear = (init: InitName) => linearParams({ inFeatures: fanIn, outFeatures: fanOut }, { seed: 11, init })
  const uniformCases: [InitName, number][] = [
    ['torch', 1 / Math.sqrt(fanIn)],
    ['kaimingUniform', Math.sqrt(6 / fanIn)],
    ['xavierUniform', Math.sqrt(6 / (fanIn + fanOut))],
  ]
  const normalCases: [InitName, number][] = [
    ['kaimingNormal', Math.sqrt(2 / fanIn)],
    ['xavierNormal', Math.sqrt(2 / (fanIn + fanOut))],
  ]

  it('uniform schemes fill ±bound (std bound/√3), normal ones have std √(2/fan…); the bias is ±1/√fan_in', async () => {
    const layers = [...uniformCases, ...normalCases].map(([init]) => linear(init))
    const samples = await valuesOf(...layers.flatMap((l) => [l.weight, l.bias]))
    uniformCases.forEach(([init, bound], i) => {
      const s = stats(samples[2 * i])
      expect(s.maxAbs, init).toBeLessThanOrEqual(bound * (1 + 1e-6))
      expect(s.maxAbs, init).toBeGreaterThan(bound * 0.999)
      expect(Math.abs(s.mean), init).toBeLessThan(0.01 * bound)
      expect(s.std / (bound / Math.sqrt(3)), init).toBeCloseTo(1, 2)
    })
    normalCases.forEach(([init, std], j) => {
      const s = stats(samples[2 * (uniformCases.length + j)])
      expect(Math.abs(s.mean), init).toBeLessThan(0.01 * std)
      expect(s.std / std, init).toBeCloseTo(1, 2)
      // 131,072 normal draws: the largest is some 4–5.5 standard deviations out.
      expect(s.maxAbs / std, init).toBeGreaterThan(3.5)
      expect(s.maxAbs / std, init).toBeLessThan(6.5)
    })
    // Every scheme keeps PyTorch's bias: uniform in ±1/√fan_in.
    for (let i = 0; i < layers.length; i++) {
      const s = stats(samples[2 * i + 1])
      expect(s.maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(fanIn))
      expect(s.maxAbs).toBeGreaterThan(0.9 / Math.sqrt(fanIn))
    }
  })

  it('conv fans count the kernel: conv2d fan_in = Ci/groups·kh·kw, convTranspose2d fan_in = Co/groups·kh·kw', async () => {
    const conv = conv2dParams({ inChannels: 32, outChannels: 64, kernelSize: 3 }, { seed: 3, init: 'kaimingUniform' })
    const grouped = conv2dParams({ inChannels: 32, outChannels: 64, kernelSize: 3, groups: 4 }, { seed: 3, init: 'xavierNormal' })
    const conv1 = conv1dParams({ inChannels: 16, outChannels: 64, kernelSize: 5 }, { seed: 5 })
    // Transposed: weight [Ci=64, Co=16, 4, 4]; PyTorch's fan_in is weight.size(1)·k = 16·16 = 256.
    const transposed = convTranspose2dParams({ inChannels: 64, outChannels: 16, kernelSize: 4 }, { seed: 9 })
    const [cw, gw, c1w, c1b, tw, tb] = await valuesOf(conv.weight, grouped.weight, conv1.weight, conv1.bias, transposed.weight, transposed.bias)
    const bound = (xs: number[], b: number) => {
      const s = stats(xs)
      expect(s.maxAbs).toBeLessThanOrEqual(b * (1 + 1e-6))
      expect(s.maxAbs).toBeGreaterThan(b * 0.99)
    }
    bound(cw, Math.sqrt(6 / 288))
    expect(stats(gw).std / Math.sqrt(2 / (72 + 144))).toBeCloseTo(1, 1)
    bound(c1w, 1 / Math.sqrt(80))
    expect(stats(c1b).maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(80))
    bound(tw, 1 / Math.sqrt(256))
    expect(stats(tb).maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(256))
  })
})

describe('compiled kernels', () => {
  it('initialises each parameter in one kernel: the draw, its scale and its shift fuse (one shader to compile, not three)', async () => {
    // An unusual fan-in: its bound 1/√37 is a literal no earlier kernel holds, so nothing is cached.
    const p = linearParams({ inFeatures: 37, outFeatures: 5 }, { seed: 4242 })
    const before = pipelineCompilations()
    await realize([p.weight.node, p.bias.node])
    expect(pipelineCompilations() - before).toBe(2)
    // Still the same distribution: within ±1/√37.
    for (const v of (await valuesOf(p.weight, p.bias)).flat()) expect(Math.abs(v)).toBeLessThanOrEqual(1 / Math.sqrt(37))
  })
})
