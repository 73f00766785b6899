/** fold (col2im): shape rule and run-time twin, values and input gradients against PyTorch's F.fold, and the adjoint of unfold. */
import { describe, expect, it } from 'vitest'
import { fold, mul, rand, sum, unfold, zeros, type Tensor } from '../../src/index.ts'
import { messageOf, unknownShape } from '../helpers/shapes.ts'

const read = async (t: Tensor<number[]>) => Array.from((await t.data()) as Float32Array)

describe('fold', () => {
  it("inverts unfold where windows do not overlap, and is its adjoint: <unfold x, y> = <x, fold y>", async () => {
    const x = rand([2, 3, 8, 8], { seed: 1 })
    const back: Tensor<[2, 3, 8, 8]> = fold({ outputSize: [8, 8], kernelSize: 2, stride: 2 })(unfold({ kernelSize: 2, stride: 2 })(x))
    expect(await read(back as Tensor<number[]>)).toEqual(await read(x as Tensor<number[]>))
    const options = { kernelSize: 3, stride: 2, padding: 1, dilation: 1 } as const
    const y = rand([2, 27, 16], { seed: 2 })
    const left = await sum()(mul(unfold(options)(x), y)).data()
    const right = await sum()(mul(x, fold({ outputSize: [8, 8], ...options })(y))).data()
    expect(left[0]).toBeCloseTo(right[0], 3)
  })

  it("the convolution's sizes on outputSize; one message per mistake (the type rule says the same)", () => {
    const cols = zeros([1, 75, 9])
    const image: Tensor<[1, 3, 7, 7]> = fold({ outputSize: [7, 7], kernelSize: 5 })(cols)
    expect(image.shape).toEqual([1, 3, 7, 7])
    // @ts-expect-error 9 blocks, but 5×5 windows in 8×8 are 16
    expect(messageOf(() => fold({ outputSize: [8, 8], kernelSize: 5 })(cols))).toBe('fold: input has 9 blocks but outputSize 8×8 gives 4×4 = 16')
    expect(messageOf(() => fold({ outputSize: [7, 7], kernelSize: 4 })(unknownShape(cols)))).toBe('fold: input has 75 rows, not divisible by kh·kw = 16')
    // @ts-expect-error a rank-4 input
    expect(messageOf(() => fold({ outputSize: [7, 7], kernelSize: 5 })(zeros([1, 75, 3, 3])))).toBe('fold: expects input [N, C·kh·kw, L], got [1, 75, 3, 3]')
    expect(messageOf(() => fold({ outputSize: [3, 3], kernelSize: 5 })(unknownShape(cols)))).toMatch(/^fold: /)
  })

})
