/**
 * Dtype rules at run time: every op names the dtypes it accepts and refuses
 * anything else with a DTypeError naming the op and the dtypes, when the
 * graph node is built (before any kernel exists); `cast` is the explicit
 * conversion. The type-level twins are in type-tests/dtypes.test-d.ts, with
 * the same texts.
 */
import { describe, expect, it } from 'vitest'
import {
  add, cast, concat, conv2d, DTypeError, equal, fromArray, grad, linear, matmul, mean, mul, pipelineCompilations, relu, sum,
  tensor, valueAndGrad, where, zeros, type AnyTensor, type Tensor,
} from '../../src/index.ts'
import { dtypeMessageOf } from '../helpers/shapes.ts'

// The typed API refuses these calls at compile time (type-tests/dtypes.test-d.ts); here the
// dtypes are hidden from the checker, as they are for data that arrives at run time.
type Untyped = (...args: unknown[]) => AnyTensor
const untyped = (f: unknown) => f as Untyped
const ints = (shape: readonly number[]) => zeros(shape, 'int32') as unknown as AnyTensor

const refusal = (op: string, got: string, accepted = 'float32') => `${op}: expects ${accepted} input, got ${got}; convert it with cast('float32')`
const mixed = (op: string, a: string, b: string) => `${op}: operands are ${a} and ${b}; convert one with cast so both have the same dtype`

describe('ops refuse dtypes they do not accept, before any kernel is built', () => {
  it('int32 data into conv2d, linear and matmul (which used to compute garbage)', () => {
    const before = pipelineCompilations()
    expect(dtypeMessageOf(() => untyped(conv2d(zeros([4, 1, 3, 3])))(ints([1, 1, 5, 5])))).toBe(refusal('conv2d', 'int32'))
    expect(dtypeMessageOf(() => untyped(linear(zeros([2, 3])))(ints([4, 3])))).toBe(refusal('linear', 'int32'))
    expect(dtypeMessageOf(() => untyped(matmul)(ints([2, 3]), zeros([3, 2])))).toBe(refusal('matmul', 'int32'))
    expect(dtypeMessageOf(() => untyped(matmul)(zeros([2, 3]), ints([3, 2])))).toBe(refusal('matmul', 'int32'))
    // weights count too: the message names the role
    expect(dtypeMessageOf(() => untyped(conv2d(ints([4, 1, 3, 3]) as never))(zeros([1, 1, 5, 5])))).toBe(
      "conv2d: expects float32 weight, got int32; convert it with cast('float32')",
    )
    expect(pipelineCompilations()).toBe(before)
  })

  it('relu(int32), mean(int32) and bool into arithmetic', () => {
    expect(dtypeMessageOf(() => untyped(relu)(ints([3])))).toBe(refusal('relu', 'int32'))
    expect(dtypeMessageOf(() => untyped(mean())(ints([3])))).toBe(refusal('mean', 'int32'))
    const flags = equal(tensor([1, 2]), tensor([1, 3]))
    expect(dtypeMessageOf(() => untyped(add)(flags, flags))).toBe(refusal('add', 'bool', 'float32 or int32'))
    expect(dtypeMessageOf(() => untyped(sum())(flags))).toBe(refusal('sum', 'bool', 'float32 or int32'))
  })

  it('mixed dtypes in add (both forms) and concat', () => {
    expect(dtypeMessageOf(() => untyped(add)(zeros([2]), ints([2])))).toBe(mixed('add', 'float32', 'int32'))
    expect(dtypeMessageOf(() => untyped(add(ints([2]) as never))(zeros([2])))).toBe(mixed('add', 'float32', 'int32'))
    expect(dtypeMessageOf(() => untyped(concat)([zeros([2]), zeros([1]), ints([2])], 0))).toBe(mixed('concat', 'float32', 'int32'))
    // a plain number adapts: an integer keeps int32, a fraction with int32 is refused as float32
    expect(add(tensor([1, 2], 'int32'), 3).dtype).toBe('int32')
    expect(dtypeMessageOf(() => untyped(mul)(ints([2]), 0.5))).toBe(mixed('mul', 'int32', 'float32'))
  })

  it('valueAndGrad and grad with respect to an int32 tensor', () => {
    const f = (x: AnyTensor, labels: AnyTensor) => sum()(mul(x, x) as never) as AnyTensor
    const message = 'valueAndGrad: cannot differentiate with respect to argument 1 of dtype int32; only float32 tensors have gradients (cast it, or leave it out of argnums)'
    expect(dtypeMessageOf(() => valueAndGrad(f, { argnums: [0, 1] })(zeros([2]) as AnyTensor, ints([2])))).toBe(message)
    expect(dtypeMessageOf(() => grad((p: { w: AnyTensor }) => sum()(p.w as never) as AnyTensor)({ w: ints([2]) }))).toBe(
      'valueAndGrad: cannot differentiate with respect to argument 0 of dtype int32; only float32 tensors have gradients (cast it, or leave it out of argnums)',
    )
    // not differentiated: int32 labels are fine
    expect(() => valueAndGrad(f)(zeros([2]) as AnyTensor, ints([2]))).not.toThrow()
  })

  it('DTypeError is a TypeError with its own name', () => {
    expect(() => untyped(relu)(ints([1]))).toThrow(DTypeError)
    expect(() => untyped(relu)(ints([1]))).toThrow(TypeError)
  })
})

describe('cast', () => {
  it('builds a node of the new dtype and shape; a cast to the same dtype is the tensor itself', () => {
    const x = fromArray([1.5, -2.5], [2])
    const i: Tensor<[2], 'int32'> = cast('int32')(x)
    expect(i.node.op).toBe('cast')
    expect(i.node.inputs[0]).toBe(x.node)
    expect([i.dtype, ...i.shape]).toEqual(['int32', 2])
    expect(cast('float32')(x)).toBe(x)
    expect(cast.length).toBe(1)
    expect(() => cast('float64' as never)).toThrow("cast: dtype must be 'float32', 'int32' or 'bool', got float64")
  })

  it('is the remedy the messages name: int32 data through cast into conv2d gives the right answer', async () => {
    // The case: a 3×3 box filter over 1…9 as int32 data computed 1e-42; PyTorch gives 45 (sum of 1..9) × 16 = 720.
    const x = fromArray(Array.from({ length: 9 }, (_, i) => i + 1), [1, 1, 3, 3], 'int32')
    const y = conv2d(fromArray(new Array(9).fill(16), [1, 1, 3, 3]))(cast('float32')(x))
    expect(Array.from(await y.data())).toEqual([720])
  })

  it('values: float → int32 rounds toward zero, → bool is x != 0 (PyTorch’s .to)', async () => {
    expect(Array.from(await cast('int32')(fromArray([-2.7, -0.5, 0, 0.5, 1.99], [5])).data())).toEqual([-2, 0, 0, 0, 1])
    expect(Array.from(await cast('bool')(fromArray([-2.7, -0.5, 0, 0.5, 1.99, Number.NaN], [6])).data())).toEqual([1, 1, 0, 1, 1, 1])
    expect(Array.from(await cast('float32')(tensor([3, -4], 'int32')).data())).toEqual([3, -4])
  })

  it('gradient: none flows through a cast to int32 (PyTorch detaches integer tensors); a same-dtype cast passes it on', async () => {
    const x = fromArray([1.5, -2.5, 3], [3])
    const through = grad((t: Tensor<[3]>) => sum()(cast('float32')(cast('int32')(t))))(x)
    expect(Array.from(await through.data())).toEqual([0, 0, 0])
    const identity = grad((t: Tensor<[3]>) => sum()(mul(cast('float32')(t), t)))(x)
    expect(Array.from(await identity.data())).toEqual([3, -5, 6])
  })
})

describe('where', () => {
  it('a and b share a dtype (the result’s); a number takes the other operand’s dtype', () => {
    const c = equal(tensor([1, 2]), tensor([1, 3]))
    const ints: Tensor<[2], 'int32'> = where(c, tensor([5, 6], 'int32'), 0)
    expect(ints.dtype).toBe('int32')
    expect(where(c, 1, 0).dtype).toBe('float32')
    expect(dtypeMessageOf(() => untyped(where)(c, tensor([5, 6], 'int32'), zeros([2])))).toBe(mixed('where', 'int32', 'float32'))
    expect(dtypeMessageOf(() => untyped(where)(c, tensor([5, 6], 'int32'), 0.5))).toBe(mixed('where', 'int32', 'float32'))
  })
})
