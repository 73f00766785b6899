/**
 * Empty tensors: every op accepts empty dims where PyTorch does and gives the empty (or reduced) result
 * without dispatching a kernel over nothing, eagerly, under grad and under jit. Reductions over nothing
 * give PyTorch's values (sum 0, mean NaN; max is an error), a product over an empty inner dim is zeros,
 * and layers with zero input channels or features give their bias.
 */
import { describe, expect, it, vi } from 'vitest'
import { pipe } from 'fp-ts/lib/function.js'
import {
  adaptiveAvgPool2d, adaptiveAvgPool3d, add, argmax, avgPool2d, avgPool3d, batchNorm2d, concat, conv2d, conv3d, convTranspose2d, convTranspose3d,
  maxPool3d, dropout, flatten, globalMaxPool2d, greater, logSoftmax, pad,
  permute, reshape, slice, upsample, where, fromArray, jit, linear, matmul, max, maxPool2d, mean, relu, softmax, sum, valueAndGrad, zeros, ShapeError,
  type AnyTensor, type Tensor,
} from '../../src/index.ts'
import { crossEntropy } from '../../src/nn/index.ts'
import { values, type ExecuteCall } from '../helpers/reference.ts'

const calls = vi.hoisted((): ExecuteCall[] => [])
vi.mock('../../src/runtime/executor.ts', async (importOriginal) => (await import('../helpers/reference.ts')).spyExecutor(calls)(importOriginal))

const read = async (t: AnyTensor) => Array.from((await t.data()) as Float32Array)
const conv = { weight: fromArray(values(4 * 3 * 9, 1), [4, 3, 3, 3]), bias: fromArray([1, 2, 3, 4], [4]) }
const emptyBatch = zeros([0, 3, 8, 8])

describe('empty tensors', () => {
  it('eager: ops on an empty batch give empty results, reductions give PyTorch values, and no kernel runs over nothing', async () => {
    calls.length = 0
    const features = pipe(emptyBatch, conv2d(conv), relu, maxPool2d({ kernelSize: 2 }))
    expect(features.shape).toEqual([0, 4, 3, 3])
    expect(await read(features)).toEqual([])
    expect(await read(sum()(features))).toEqual([0])
    expect(await read(mean()(features))).toEqual([NaN])
    expect(await read(sum({ axis: 0 })(features))).toEqual(new Array(36).fill(0))
    expect(await read(softmax({ axis: 1 })(pipe(features, flatten)))).toEqual([])
    expect(await read(add(pipe(features, flatten), 1))).toEqual([])
    expect(calls.reduce((n, c) => n + c.dispatches, 0)).toBe(0)
    // A concat with an empty part copies the others (one kernel, over the non-empty output).
    expect(await read(concat([fromArray([1, 2], [2]), zeros([0]), fromArray([3], [1])], 0))).toEqual([1, 2, 3])
  })

  it('zero input channels or features: layers give their bias; a product over an empty inner dim is zeros', async () => {
    const noChannels = conv2d({ weight: zeros([2, 0, 3, 3]), bias: fromArray([5, -1], [2]) })(zeros([1, 0, 4, 4]))
    expect(await read(noChannels)).toEqual([...new Array(4).fill(5), ...new Array(4).fill(-1)])
    expect(await read(linear({ weight: zeros([3, 0]), bias: fromArray([1, 2, 3], [3]) })(zeros([2, 0])))).toEqual([1, 2, 3, 1, 2, 3])
    // The 3-D convolutions likewise; an average over an empty volume is NaN.
    const volume = conv3d({ weight: zeros([2, 0, 3, 3, 3]), bias: fromArray([5, -1], [2]) })(zeros([1, 0, 3, 4, 4]))
    expect(await read(volume)).toEqual([...new Array(4).fill(5), ...new Array(4).fill(-1)])
    expect(await read(convTranspose3d({ weight: zeros([0, 1, 2, 2, 2]), bias: fromArray([3], [1]) })(zeros([1, 0, 1, 1, 1])))).toEqual(new Array(8).fill(3))
    expect(await read(adaptiveAvgPool3d(1)(zeros([1, 2, 0, 4, 4])))).toEqual([NaN, NaN])
    expect(await read(matmul(zeros([2, 0]), zeros([0, 3])))).toEqual(new Array(6).fill(0))
  })

  it('max over nothing is an error, as in PyTorch', () => {
    expect(() => max()(zeros([0]))).toThrow(ShapeError)
    expect(() => max()(zeros([0]))).toThrow('max: cannot reduce over an empty dimension (shape [0])')
    expect(() => max({ axis: 1 })(zeros([3, 0]))).toThrow('max: cannot reduce over an empty dimension (shape [3, 0])')
    expect(max({ axis: 1 })(zeros([0, 3])).shape).toEqual([0])
    expect(() => globalMaxPool2d(zeros([1, 2, 0, 0]))).toThrow('globalMaxPool2d: cannot take the maximum of an empty 0×0 window')
  })

  it('under grad: an empty batch gives loss NaN (mean) or 0 (sum) and zero or empty gradients', async () => {
    const [loss, grads] = valueAndGrad((p: typeof conv) => sum()(pipe(emptyBatch, conv2d(p), relu)))(conv)
    expect(await read(loss)).toEqual([0])
    expect(await read(grads.weight)).toEqual(new Array(108).fill(0))
    expect(await read(grads.bias)).toEqual([0, 0, 0, 0])
    const noFeatures = { weight: zeros([3, 0]), bias: fromArray([1, 2, 3], [3]) }
    const [l2, g2] = valueAndGrad((p: typeof noFeatures) => sum()(linear(p)(zeros([2, 0]))))(noFeatures)
    expect(await read(l2)).toEqual([12])
    expect(await read(g2.bias)).toEqual([2, 2, 2])
    expect(await read(g2.weight)).toEqual([])
  })

  it('the other families on an empty batch, forward and backward through a sum: empty results, empty or zero gradients', async () => {
    const x = zeros([0, 2, 4, 4]) as Tensor<[number, 2, 4, 4]>
    const channels = { weight: fromArray([1, 2], [2]), bias: zeros([2]), runningMean: zeros([2]), runningVar: fromArray([1, 1], [2]) }
    const families: [string, (t: AnyTensor) => AnyTensor, number[]][] = [
      ['avgPool2d', (t) => avgPool2d({ kernelSize: 2 })(t as never), [0, 2, 2, 2]],
      ['adaptiveAvgPool2d', (t) => adaptiveAvgPool2d([2, 2])(t as never), [0, 2, 2, 2]],
      ['globalMaxPool2d', (t) => globalMaxPool2d(t as never), [0, 2]],
      ['upsample', (t) => upsample({ scaleFactor: 2 })(t as never), [0, 2, 8, 8]],
      ['batchNorm2d (running statistics)', (t) => batchNorm2d(channels, { training: false })(t as never), [0, 2, 4, 4]],
      ['convTranspose2d', (t) => convTranspose2d({ weight: zeros([2, 3, 3, 3]), bias: zeros([3]) })(t as never), [0, 3, 6, 6]],
      // The 3-D ops over [0, 2, 4, 4] seen as a volume [0, 2, 1, 4, 4].
      ['conv3d', (t) => conv3d({ weight: zeros([3, 2, 1, 3, 3]), bias: zeros([3]) }, { padding: [0, 1, 1] })(reshape([0, 2, 1, 4, 4])(t) as never), [0, 3, 1, 4, 4]],
      ['convTranspose3d', (t) => convTranspose3d({ weight: zeros([2, 3, 1, 2, 2]) }, { stride: 2 })(reshape([0, 2, 1, 4, 4])(t) as never), [0, 3, 1, 8, 8]],
      ['maxPool3d', (t) => maxPool3d({ kernelSize: [1, 2, 2] })(reshape([0, 2, 1, 4, 4])(t) as never), [0, 2, 1, 2, 2]],
      ['avgPool3d', (t) => avgPool3d({ kernelSize: [1, 2, 2] })(reshape([0, 2, 1, 4, 4])(t) as never), [0, 2, 1, 2, 2]],
      ['adaptiveAvgPool3d', (t) => adaptiveAvgPool3d([1, 2, 2])(reshape([0, 2, 1, 4, 4])(t) as never), [0, 2, 1, 2, 2]],
      ['dropout', (t) => dropout({ rate: 0.5, seed: 1, training: true })(t as never), [0, 2, 4, 4]],
      ['where', (t) => where(greater(t, 0), t, 1), [0, 2, 4, 4]],
      ['slice', (t) => slice({ start: [0, 0, 1], end: [0, 2, 3] })(t as never), [0, 2, 2, 4]],
      ['permute', (t) => permute([1, 0, 2, 3])(t as never), [2, 0, 4, 4]],
      ['logSoftmax', (t) => logSoftmax({ axis: 1 })(t as never), [0, 2, 4, 4]],
    ]
    for (const [name, f, shape] of families) {
      const y = f(x)
      expect(y.shape, name).toEqual(shape)
      expect(await read(y), name).toEqual([])
      const [loss, g] = valueAndGrad((t: Tensor<[number, 2, 4, 4]>) => sum()(f(t)))(x)
      expect(await read(loss), name).toEqual([0])
      expect(await read(g), name).toEqual([])
    }
    // Padding an empty tensor gives only the pad value; argmax along a non-empty dim of an empty batch is empty.
    expect(await read(pad([[1, 2]], 7)(zeros([0])))).toEqual([7, 7, 7])
    expect((await argmax({ axis: 1 })(zeros([0, 3])).data()).length).toBe(0)
    expect(await read(crossEntropy(zeros([0, 3]) as Tensor<[number, 3]>, fromArray([], [0], 'int32') as Tensor<[number], 'int32'>))).toEqual([NaN])
  })

  it('under jit: a training step on an empty batch compiles and runs', async () => {
    const fc = { weight: fromArray(values(3 * 36, 2), [3, 36]), bias: zeros([3]) }
    const step = jit((p: typeof fc, x: Tensor<[number, 4, 3, 3]>, y: Tensor<[number], 'int32'>) =>
      valueAndGrad((q: typeof fc) => crossEntropy(pipe(x, flatten, linear(q)), y))(p),
    )
    const features = pipe(emptyBatch, conv2d(conv), relu, maxPool2d({ kernelSize: 2 })) as Tensor<[number, 4, 3, 3]>
    const [loss, grads] = await step(fc, features, fromArray([], [0], 'int32') as Tensor<[number], 'int32'>)
    expect(await read(loss)).toEqual([NaN])
    expect((await read(grads.weight)).length).toBe(108)
  })
})
