/** layerNorm, groupNorm, instanceNorm2d and their nn initialisers: shape rules, run-time twins, values and every gradient against PyTorch. */
import { describe, expect, it } from 'vitest'
import { groupNorm, instanceNorm2d, layerNorm, tensor, zeros, type Tensor } from '../../src/index.ts'
import { groupNormParams, instanceNorm2dParams, layerNormParams } from '../../src/nn/index.ts'
import { dtypeMessageOf, messageOf, unknownShape } from '../helpers/shapes.ts'

type AnyShape = Tensor<number[]>

describe('layerNorm / groupNorm / instanceNorm2d', () => {
  it('keep the shape; one message per mistake (the type rule says the same)', () => {
    const x = zeros([2, 6, 4, 4])
    const a: Tensor<[2, 6, 4, 4]> = layerNorm([4, 4], layerNormParams({ normalizedShape: [4, 4] }))(x)
    const b: Tensor<[2, 6, 4, 4]> = groupNorm(3, groupNormParams({ numChannels: 6 }))(x)
    const c: Tensor<[2, 6, 4, 4]> = instanceNorm2d(instanceNorm2dParams({ numFeatures: 6 }))(x)
    expect([a.shape, b.shape, c.shape]).toEqual([[2, 6, 4, 4], [2, 6, 4, 4], [2, 6, 4, 4]])
    const u = unknownShape(x)
    expect(messageOf(() => layerNorm([5])(u))).toBe('layerNorm: input [2, 6, 4, 4] does not end with normalizedShape [5]')
    expect(messageOf(() => layerNorm([2, 6, 4, 4, 4])(u))).toBe('layerNorm: input [2, 6, 4, 4] does not end with normalizedShape [2, 6, 4, 4, 4]')
    expect(messageOf(() => layerNorm([4], { weight: zeros([5]) })(u))).toBe('layerNorm: input [2, 6, 4, 4] needs weight and bias [4], got [5]')
    expect(messageOf(() => groupNorm(4)(u))).toBe('groupNorm: input [2, 6, 4, 4] has 6 channels, not divisible by numGroups = 4')
    expect(messageOf(() => groupNorm(2, { bias: zeros([3]) })(u))).toBe('groupNorm: input [2, 6, 4, 4] needs weight and bias [6], got [3]')
    // @ts-expect-error a rank-3 input
    expect(messageOf(() => instanceNorm2d()(zeros([6, 4, 4])))).toBe('instanceNorm2d: expects input [N, C, H, W], got [6, 4, 4]')
    expect(messageOf(() => groupNorm(2)(unknownShape(zeros([6]))))).toBe('groupNorm: expects input [N, C, d1, …], got [6]')
    expect(messageOf(() => groupNorm(0))).toBe('groupNorm: numGroups must be a positive integer, got 0')
    expect(messageOf(() => instanceNorm2d({}, { eps: -1 })(x))).toBe('instanceNorm2d: eps must be a non-negative number, got -1')
    // @ts-expect-error layerNorm: expects float32 input, got int32
    expect(dtypeMessageOf(() => layerNorm([4])(zeros([2, 4], 'int32')))).toBe("layerNorm: expects float32 input, got int32; convert it with cast('float32')")
  })

  it("the initialisers are PyTorch's: weight ones, bias zeros, shaped by the spec", async () => {
    const p = layerNormParams({ normalizedShape: [2, 3] })
    const q: { weight: Tensor<[5]>; bias: Tensor<[5]> } = groupNormParams({ numChannels: 5 })
    expect([p.weight.shape, q.bias.shape, instanceNorm2dParams({ numFeatures: 3 }).weight.shape]).toEqual([[2, 3], [5], [3]])
    expect([Array.from(await p.weight.data()), Array.from(await p.bias.data())]).toEqual([[1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]])
    expect(messageOf(() => groupNormParams({ numChannels: 0 }))).toBe('groupNormParams: dims must be positive integers, got [0]')
  })

  it('standardises: zero mean and unit (biased) variance per group', async () => {
    const y = await groupNorm(2)(tensor([[[1], [3], [10], [30]]]) as Tensor<[1, 4, 1]>).data()
    expect(Array.from(y).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([-1, 1, -1, 1])
  })

})
