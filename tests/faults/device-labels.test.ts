/**
 * Class labels that only exist on the device (a jitted step's argument, labels computed by ops) cannot
 * be checked on the host. A label outside 0..classes-1 used to give loss 0 and a zero gradient; now the
 * kernel records it and the next read throws a LabelError naming the op, the label and the class count.
 */
import { describe, expect, it } from 'vitest'
import { add, fromArray, jit, LabelError, oneHot, tensor, valueAndGrad, type AnyTensor, type Tensor } from '../../src/index.ts'
import { crossEntropy, nllLoss } from '../../src/nn/index.ts'
import { oneHot as coreOneHot } from '../../src/core/ops.ts'
import { rejection } from '../helpers/reference.ts'

const read = async (t: AnyTensor) => Array.from((await t.data()) as Float32Array)
const logits = () => fromArray(Array.from({ length: 20 }, (_, i) => Math.sin(i)), [2, 10]) as Tensor<[2, 10]>
const labels = (values: number[]) => fromArray(values, [2], 'int32') as Tensor<[2], 'int32'>

describe('out-of-range labels found on the device', () => {
  it('inside jit: the next read throws a LabelError naming crossEntropy, the label and the class count', async () => {
    const step = jit((x: Tensor<[2, 10]>, y: Tensor<[2], 'int32'>) => valueAndGrad((l: Tensor<[2, 10]>) => crossEntropy(l, y))(x))
    const [loss, grad] = await step(logits(), labels([1000000, -5]))
    const error = await rejection(loss.data())
    expect(error).toBeInstanceOf(LabelError)
    expect(error.name).toBe('LabelError')
    expect(error.message).toMatch(/^crossEntropy: label (1000000|-5) at index (0|1) is outside 0\.\.9 \(10 classes\)/)
    const { op, label, classes } = error as LabelError
    expect([op, classes]).toEqual(['crossEntropy', 10])
    expect([1000000, -5]).toContain(label)
    // Reported once: later reads, and later steps with good labels, work.
    expect((await read(grad)).length).toBe(20)
    const [good] = await step(logits(), labels([3, 9]))
    expect((await read(good))[0]).toBeGreaterThan(0)
  })

  it('labels computed by ops, eager and under grad: nllLoss and oneHot name themselves', async () => {
    const shifted = add(labels([2, 3]), 8) as Tensor<[2], 'int32'> // [10, 11]: computed on the device
    const error = await rejection(nllLoss(logits(), shifted).data())
    expect(error).toBeInstanceOf(LabelError)
    expect(error.message).toMatch(/^nllLoss: label 1[01] at index [01] is outside 0\.\.9 \(10 classes\)/)
    const [, g] = valueAndGrad((l: Tensor<[2, 10]>) => crossEntropy(l, shifted))(logits())
    expect((await rejection(g.data())).message).toMatch(/^crossEntropy: label 1[01]/)
    expect((await rejection(oneHot(add(labels([0, 0]), -1) as Tensor<[2], 'int32'>, 4).data())).message).toMatch(/^oneHot: label -1 at index [01] is outside 0\.\.3 \(4 classes\)/)
    // Good labels computed on the device give the right loss.
    expect(await read(oneHot(add(labels([0, 1]), 1) as Tensor<[2], 'int32'>, 3))).toEqual([0, 1, 0, 0, 0, 1])
  })

  it("device labels equal to a loss's ignoreIndex give zero rows and no fault; other bad labels still fault", async () => {
    const onDevice = (values: number[]) => add(fromArray(values, [values.length], 'int32'), 0) as AnyTensor
    // -100 (PyTorch's default) and a real class (2) as the ignored label.
    expect(await read(coreOneHot(onDevice([-100, 1, -100]), 3, 'crossEntropy', -100))).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0])
    expect(await read(coreOneHot(onDevice([2, 1]), 3, 'nllLoss', 2))).toEqual([0, 0, 0, 0, 1, 0])
    const error = await rejection(coreOneHot(onDevice([-100, 7]), 3, 'crossEntropy', -100).data())
    expect(error.message).toMatch(/^crossEntropy: label 7 at index 1 is outside 0\.\.2 \(3 classes\)/)
    // Inside jit, ignored device labels leave the loss the mean over the others.
    const step = jit((x: Tensor<[2, 10]>, y: Tensor<[2], 'int32'>) => crossEntropy(x, y))
    const both = await read(await step(logits(), labels([3, 9])))
    const only = await read(await step(logits(), labels([-100, 9])))
    const second = await read(crossEntropy(fromArray(Array.from({ length: 10 }, (_, i) => Math.sin(10 + i)), [1, 10]) as Tensor<[1, 10]>, tensor([9], 'int32') as Tensor<[1], 'int32'>))
    expect(only[0]).toBeCloseTo(second[0], 5)
    expect(both[0]).not.toBeCloseTo(only[0], 3)
  })

  it('host labels are still refused before anything runs', () => {
    expect(() => crossEntropy(logits(), tensor([0, 10], 'int32') as Tensor<[2], 'int32'>)).toThrow('crossEntropy: label 10 at index 1 is outside 0..9')
  })
})
