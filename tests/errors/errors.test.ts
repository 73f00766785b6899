/**
 * Bad input gets named errors, and the device stays usable after each:
 * run-time shape mismatches on unknown dims, host data of the wrong length,
 * tensors over the adapter's buffer limits, a kernel that does not compile.
 * NaN and ±Infinity are values, not errors: they pass through the ops the way
 * IEEE arithmetic (and PyTorch) says. Device loss is in device-loss.test.ts
 * (its own process).
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  add, assertShape, backendInfo, concat, conv2d, fromArray, jit, linear, matmul, max, maxPool2d, memory, mul, relu, ShapeError, sum, tensor,
  valueAndGrad, zeros, type AnyTensor, type Tensor,
} from '../../src/index.ts'
import { definePrimitive, noGradient } from '../../src/core/primitive.ts'
import { makeNode } from '../../src/graph.ts'
import { peekGpu, PlanError, WgslError } from '../../src/runtime/index.ts'
import { wrap } from '../../src/tensor.ts'
import { expectClose, matmul64, rejection, values } from '../helpers/reference.ts'

const read = async (t: AnyTensor) => Array.from((await t.data()) as Float32Array)

/** The device computes correctly: a small fused graph through fresh and cached kernels. */
const expectDeviceWorks = async () => {
  expect(await read(relu(add(tensor([-3, 1, 2]), 1)))).toEqual([0, 2, 3])
  expect(await read(sum()(mul(tensor([1, 2, 3, 4]), tensor([4, 3, 2, 1]))))).toEqual([20])
}


describe('run-time shape mismatches on unknown dims', () => {
  // Shapes the type system only knows as `number`: the checks move to run time.
  const rows = (t: Tensor<number[]>) => assertShape(t, [-1, 3])

  it('broadcasting ops name the op and both shapes', () => {
    const a = rows(zeros([2, 3]))
    const b = rows(zeros([4, 3]))
    expect(() => add(a, b)).toThrow(ShapeError)
    expect(() => add(a, b)).toThrow('add: shapes [2, 3] and [4, 3] cannot be broadcast')
    expect(() => mul(b, a)).toThrow('mul: shapes [4, 3] and [2, 3] cannot be broadcast')
  })

  it('matmul names both operands\' shapes and the inner dims', () => {
    const a = assertShape(zeros([2, 3]) as Tensor<number[]>, [2, -1])
    const b = assertShape(zeros([5, 4]) as Tensor<number[]>, [-1, 4])
    expect(() => matmul(a, b)).toThrow('matmul: inner dims differ: [2, 3] has 3 but [5, 4] has 5')
  })

  it('weighted layers name the op and both sizes that disagree', () => {
    const x = assertShape(zeros([2, 5]) as Tensor<number[]>, [-1, -1])
    expect(() => linear({ weight: zeros([4, 3]) })(x)).toThrow('linear: input has 5 features but weight expects 3')
    const image = assertShape(zeros([1, 2, 8, 8]) as Tensor<number[]>, [-1, -1, 8, 8])
    expect(() => conv2d(zeros([4, 3, 3, 3]))(image)).toThrow('conv2d: input has 2 channels but weight expects 3')
    expect(() => concat([rows(zeros([2, 3])), assertShape(zeros([2, 4]) as Tensor<number[]>, [2, -1])], 0)).toThrow(ShapeError)
  })

  it('a mismatch while tracing a jitted or differentiated function is the same error, and nothing is cached', async () => {
    const f = jit((a: Tensor<[number, 3]>, b: Tensor<[number, 3]>) => add(a, b))
    const a = rows(fromArray(values(6), [2, 3]))
    await expect(f(a, rows(zeros([4, 3])))).rejects.toThrow('add: shapes [2, 3] and [4, 3] cannot be broadcast')
    expectClose(await read(await f(a, rows(zeros([2, 3])))), values(6))
    const loss = (p: Tensor<[number, 3]>, x: Tensor<[number, 3]>) => sum()(mul(p, x))
    expect(() => valueAndGrad(loss)(a, rows(zeros([3, 3])))).toThrow('mul: shapes [2, 3] and [3, 3] cannot be broadcast')
    await expectDeviceWorks()
  })
})

describe('host data', () => {
  it('fromArray with the wrong number of values names both the length and the shape', () => {
    expect(() => fromArray([1, 2, 3, 4, 5], [2, 3])).toThrow(ShapeError)
    expect(() => fromArray([1, 2, 3, 4, 5], [2, 3])).toThrow('fromArray: 5 values cannot fill shape [2, 3] (6 elements)')
    expect(() => fromArray(new Float32Array(7), [2, 3])).toThrow('fromArray: 7 values cannot fill shape [2, 3] (6 elements)')
    expect(() => fromArray([1], [])).not.toThrow()
    expect(() => fromArray([], [0, 5])).not.toThrow()
    expect(() => fromArray([1, 2], [2.5])).toThrow('fromArray: invalid shape [2.5]')
  })
})

describe('NaN and Infinity are values', () => {
  const layouts = [
    ['texture operands', '1'],
    ['storage-buffer operands', '0'],
  ] as const
  const saved = process.env.SHAPEWISE_TEXTURE_OPERANDS
  afterEach(() => {
    if (saved === undefined) delete process.env.SHAPEWISE_TEXTURE_OPERANDS
    else process.env.SHAPEWISE_TEXTURE_OPERANDS = saved
  })

  it('relu and add follow IEEE arithmetic', async () => {
    expect(await read(relu(tensor([NaN, Infinity, -Infinity, -1, 0, 2])))).toEqual([NaN, Infinity, 0, 0, 0, 2])
    expect(await read(add(tensor([NaN, Infinity, Infinity, -Infinity, 1]), tensor([1, 1, -Infinity, -1, Infinity])))).toEqual([
      NaN, Infinity, NaN, -Infinity, Infinity,
    ])
    // Through a fused chain too: add + relu + mul in one kernel.
    expect(await read(mul(relu(add(tensor([NaN, -Infinity, Infinity]), 0)), 2))).toEqual([NaN, 0, Infinity])
  })

  for (const [layout, flag] of layouts)
    it(`matmul: a NaN or Inf spreads to its row only (${layout})`, async () => {
      process.env.SHAPEWISE_TEXTURE_OPERANDS = flag
      const [M, K, N] = [5, 7, 6]
      const a = values(M * K, 1)
      a[1 * K + 2] = NaN // row 1 → NaN
      a[3 * K + 0] = Infinity // row 3 → ±Inf, and NaN where b[0][j] is 0 (Inf·0)
      const b = values(K * N, 2).map(Math.abs)
      b[0 * N + 4] = 0
      const out = await read(matmul(fromArray(a, [M, K]), fromArray(b, [K, N])))
      const expected = matmul64(a, b, M, K, N)
      expect(expected.filter(Number.isNaN).length).toBe(N + 1)
      expectClose(out, expected, { name: 'matmul' })
    })

  for (const [layout, flag] of layouts)
    it(`conv2d: a NaN or -Inf reaches only the outputs whose window covers it (${layout})`, async () => {
      process.env.SHAPEWISE_TEXTURE_OPERANDS = flag
      const [C, H, W, Co] = [2, 6, 6, 3]
      const x = values(C * H * W, 3)
      x[0 * H * W + 2 * W + 3] = NaN
      x[1 * H * W + 0] = -Infinity
      const w = values(Co * C * 9, 4)
      const out = await read(conv2d({ weight: fromArray(w, [Co, C, 3, 3]) }, { padding: 1 })(fromArray(x, [1, C, H, W])))
      const expected: number[] = []
      for (let co = 0; co < Co; co++)
        for (let i = 0; i < H; i++)
          for (let j = 0; j < W; j++) {
            let s = 0
            for (let ci = 0; ci < C; ci++)
              for (let ki = 0; ki < 3; ki++)
                for (let kj = 0; kj < 3; kj++) {
                  const [ii, jj] = [i + ki - 1, j + kj - 1]
                  if (ii >= 0 && ii < H && jj >= 0 && jj < W) s += x[(ci * H + ii) * W + jj] * w[((co * C + ci) * 3 + ki) * 3 + kj]
                }
            expected.push(s)
          }
      // 9 windows cover the NaN, 4 (in the corner) the -Inf: finite values everywhere else.
      expect(expected.filter((v) => !Number.isFinite(v)).length).toBe(Co * (9 + 4))
      expectClose(out, expected, { name: 'conv2d' })
    })

  it('reductions and max pooling propagate NaN like PyTorch', async () => {
    const x = tensor([[1, NaN, 3], [Infinity, 2, -Infinity]])
    expect(await read(sum({ axis: 1 })(x))).toEqual([NaN, NaN])
    expect(await read(max({ axis: 1 })(x))).toEqual([NaN, Infinity])
    const image = fromArray([1, NaN, 3, 2, 0, 0, 0, 0, 0, 0, Infinity, 0, 0, 0, 0, -Infinity], [1, 1, 4, 4])
    expect(await read(maxPool2d({ kernelSize: 2 })(image))).toEqual([NaN, 3, 0, Infinity])
  })
})

describe('limits of the adapter', () => {
  it('a tensor over maxStorageBufferBindingSize runs elementwise in windows; a reduction over it is refused by name, and the device still works', async () => {
    const limits = (await backendInfo()).limits
    const limit = limits.maxStorageBufferBindingSize
    await expectDeviceWorks()
    const before = memory().inUseBytes
    // 64 elements past the limit: the fill and the chain run as two dispatches each (see src/compiler/split.ts).
    const huge = zeros([limit / 4 + 64])
    const y = relu(add(huge, 1))
    const values = await y.data()
    expect(values.length).toBe(limit / 4 + 64)
    expect([values[0], values[limit / 4 - 1], values[limit / 4], values.at(-1)]).toEqual([1, 1, 1, 1])
    // A reduction reads every element from one invocation's view of the buffer: refused before anything is allocated.
    const held = memory().inUseBytes
    const error = await rejection(sum()(y).data())
    expect(memory().inUseBytes).toBe(held)
    expect(error).toBeInstanceOf(PlanError)
    expect(error.message).toMatch(new RegExp(`^step \\d+ \\(dispatch sum\\): binding 0 of ${limit + 256} bytes exceeds maxStorageBufferBindingSize \\(${limit}\\); this kernel reads it whole and cannot be split across dispatches$`))
    await expectDeviceWorks()
    y.dispose()
    huge.dispose()
    expect(memory().inUseBytes).toBeLessThanOrEqual(before)
    // Just under the limit is one binding (and reads back only what is asked: one element).
    const fits = zeros([limit / 4])
    expect(await read(sum()(mul(fits, 0)))).toEqual([0])
    fits.dispose()
    // Hand the big buffers back to the driver.
    peekGpu()?.storage.trim()
  })

  it('a tensor over maxBufferSize is refused before anything is allocated', async () => {
    const limits = (await backendInfo()).limits
    const before = memory().inUseBytes
    const small = tensor([1])
    const error = await rejection(add(small, zeros([limits.maxBufferSize / 4 + 1])).data())
    expect(error).toBeInstanceOf(RangeError)
    expect(error.message).toContain(`maxBufferSize (${limits.maxBufferSize})`)
    // The buffer already taken for `small` (a live constant) went back too.
    expect(memory().inUseBytes).toBe(before)
    await expectDeviceWorks()
  })
})

describe('a kernel that does not compile', () => {
  // A definition of a primitive (eye, whose kernel nothing else here runs) whose WGSL is broken, used only in this test.
  const brokenEye = definePrimitive('eye', {
    shape: (_, { n }) => ({ shape: [n], dtype: 'float32' }),
    vjp: noGradient,
    lower: (node) => ({
    steps: [
      {
        // Rendered with the label on line 1, the output's binding on 2, the entry point on 3-4: the body is line 5.
        label: 'broken test kernel',
        bindings: [{ output: true }],
        dispatch: { workgroupSize: [64, 1], workgroups: [1, 1, 1] },
        body: (io) => `  if (gid.x < ${node.shape[0]}u) { ${io.store('gid.x', 'not_defined_anywhere')} }`,
      },
    ],
  }),
  })
  const broken = (n: number) => wrap<[number]>(makeNode(brokenEye, [], { n }, [n], 'float32'))

  it('surfaces as a WgslError with the line, and the device still works', async () => {
    await expectDeviceWorks()
    const before = memory().inUseBytes
    const error = await rejection(broken(8).data())
    expect(error).toBeInstanceOf(WgslError)
    expect(error.name).toBe('WgslError')
    expect(error.message).toContain('WGSL compilation failed')
    expect(error.message).toContain('line 5:')
    expect(error.message).toContain('not_defined_anywhere')
    expect((error as WgslError).messages.some((m) => m.type === 'error' && m.line === 5)).toBe(true)
    expect(memory().inUseBytes).toBe(before)
    await expectDeviceWorks()
    // Failures are not cached: the next read fails the same way, and other kernels are unaffected.
    await expect(add(broken(8), tensor(1)).data()).rejects.toThrow(WgslError)
    await expectDeviceWorks()
  })

  it('inside a jitted function too, and the jitted function is fine afterwards', async () => {
    const f = jit((x: Tensor<[4]>, bad: boolean) => (bad ? add(x, broken(4)) : mul(x, 2)))
    const before = memory().inUseBytes
    await expect(f(tensor([1, 2, 3, 4]), true)).rejects.toThrow(WgslError)
    expect(memory().inUseBytes).toBe(before)
    expect(await read(await f(tensor([1, 2, 3, 4]), false))).toEqual([2, 4, 6, 8])
    await expectDeviceWorks()
  })
})
