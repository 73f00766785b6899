/** pad with mode 'reflect' / 'replicate' / 'circular': shape rule and run-time twin, values and input gradients against PyTorch's F.pad. */
import { describe, expect, it } from 'vitest'
import { pad, tensor, zeros, type Tensor } from '../../src/index.ts'
import { messageOf, unknownShape } from '../helpers/shapes.ts'

describe('pad with a mode', () => {
  it('fills the border with the input’s own values', async () => {
    const x = tensor([1, 2, 3, 4])
    const [reflect, replicate, circular] = await Promise.all(
      (['reflect', 'replicate', 'circular'] as const).map(async (mode) => Array.from(await pad([[2, 1]], { mode })(x).data())),
    )
    expect({ reflect, replicate, circular }).toEqual({ reflect: [3, 2, 1, 2, 3, 4, 3], replicate: [1, 1, 1, 2, 3, 4, 4], circular: [3, 4, 1, 2, 3, 4, 1] })
    expect(Array.from(await pad([[1, 1]], { value: 7 })(x).data())).toEqual([7, 1, 2, 3, 4, 7])
  })

  it('shapes as constant padding; each mode’s width limit, in one message shared with the type rule', () => {
    const y: Tensor<[1, 2, 7, 10]> = pad([[0, 0], [0, 0], [2, 1], [3, 3]], { mode: 'reflect' })(zeros([1, 2, 4, 4]))
    expect(y.shape).toEqual([1, 2, 7, 10])
    expect(pad([[0, 0], [9, 9]], { mode: 'replicate' })(zeros([1, 2])).shape).toEqual([1, 20])
    // @ts-expect-error reflect padding 4 on a dim of size 4
    expect(messageOf(() => pad([[0, 0], [4, 0]], { mode: 'reflect' })(zeros([1, 4])))).toBe('pad: reflect padding [4, 0] on dim 1 of size 4: each side must be less than the size')
    expect(messageOf(() => pad([[0, 5]], { mode: 'circular' })(unknownShape(zeros([4]))))).toBe('pad: circular padding [0, 5] on dim 0 of size 4: each side must be at most the size')
    // @ts-expect-error a negative side crops only in constant padding
    expect(messageOf(() => pad([[-1, 0]], { mode: 'replicate' })(zeros([4])))).toBe('pad: replicate padding [-1, 0] on dim 0 must not be negative')
    expect(messageOf(() => pad([[1, 1], [1, 1]], { mode: 'reflect' })(unknownShape(zeros([4]))))).toBe('pad: 2 padding pairs for a tensor of rank 1')
    expect(messageOf(() => pad([[1, 1]], { mode: 'edge' as 'reflect' }))).toBe(`pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got "edge"`)
    expect(messageOf(() => pad([[1, 1]], { mode: 'reflect', value: 1 }))).toBe("pad: value is the fill of 'constant' padding; reflect padding fills with the input's values, got value 1")
  })

})
