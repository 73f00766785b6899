/** pixelShuffle, pixelUnshuffle, channelShuffle: shape rules and run-time twins, values and input gradients against PyTorch. */
import { describe, expect, it } from 'vitest'
import { arange, channelShuffle, pixelShuffle, pixelUnshuffle, reshape, zeros, type Tensor } from '../../src/index.ts'
import { messageOf, unknownShape } from '../helpers/shapes.ts'

describe('pixelShuffle / pixelUnshuffle / channelShuffle', () => {
  it('shapes, and one message per mistake (the type rule says the same)', () => {
    const up: Tensor<[2, 2, 12, 9]> = pixelShuffle(3)(zeros([2, 18, 4, 3]))
    const down: Tensor<[2, 18, 4, 3]> = pixelUnshuffle(3)(up)
    const same: Tensor<[2, 18, 4, 3]> = channelShuffle(6)(down)
    expect([up.shape, down.shape, same.shape]).toEqual([[2, 2, 12, 9], [2, 18, 4, 3], [2, 18, 4, 3]])
    expect(messageOf(() => pixelShuffle(2)(unknownShape(zeros([1, 6, 3, 3]))))).toBe('pixelShuffle: input [1, 6, 3, 3] has 6 channels, not divisible by upscaleFactor² = 4')
    expect(messageOf(() => pixelUnshuffle(2)(unknownShape(zeros([1, 2, 5, 6]))))).toBe('pixelUnshuffle: input [1, 2, 5, 6] has height 5 and width 6, not both divisible by downscaleFactor = 2')
    expect(messageOf(() => channelShuffle(4)(unknownShape(zeros([1, 6, 3, 3]))))).toBe('channelShuffle: input [1, 6, 3, 3] has 6 channels, not divisible by groups = 4')
    // @ts-expect-error a rank-3 input
    expect(messageOf(() => pixelShuffle(2)(zeros([4, 3, 3])))).toBe('pixelShuffle: expects input [N, C, H, W], got [4, 3, 3]')
    expect(messageOf(() => pixelUnshuffle(0))).toBe('pixelUnshuffle: downscaleFactor must be a positive integer, got 0')
    expect(messageOf(() => channelShuffle(1.5))).toBe('channelShuffle: groups must be a positive integer, got 1.5')
  })

  it("channelShuffle reads ShuffleNet's groups column by column", async () => {
    const y = channelShuffle(2)(reshape([1, 6, 1, 1])(arange(6)) as Tensor<number[]>)
    expect(Array.from(await y.data())).toEqual([0, 3, 1, 4, 2, 5])
  })

})
