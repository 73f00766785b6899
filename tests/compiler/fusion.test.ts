/**
 * Epilogue fusion: elementwise chains after a producer run inside the
 * producer's kernel (conv + bias + relu is one dispatch) and give the same
 * values as unfused execution.
 */
import { describe, expect, it } from 'vitest'
import { schedule } from '../../src/compiler/schedule.ts'
import { DEFAULT_TARGET } from '../../src/compiler/kernel.ts'
import { realize } from '../../src/realize.ts'
import { conv2d, relu, add, sub, mul, div, sqrt, matmul, linear, fromArray, sigmoid, elu, silu, hardswish, maxPool2d, batchNorm2d, vjp, type Tensor } from '../../src/index.ts'
import type { DispatchStep } from '../../src/runtime/plan.ts'

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 2)
const dispatches = (t: Tensor<number[]>) =>
  schedule([t.node], () => undefined).plan.steps.filter((s): s is DispatchStep => s.kind === 'dispatch')

describe('epilogue fusion', () => {
  const x = fromArray(values(2 * 3 * 8 * 8, 1), [2, 3, 8, 8])
  const w = fromArray(values(4 * 3 * 3 * 3, 2), [4, 3, 3, 3])
  const b = fromArray(values(4, 3), [4])

  it('conv2d + bias + relu is one kernel', () => {
    const y = relu(conv2d({ weight: w, bias: b }, { padding: 1 })(x)) as Tensor<number[]>
    const labels = dispatches(y).map((s) => s.label)
    expect(labels.filter((l) => l?.includes('relu'))).toEqual(['conv2d+relu'])
  })

  it('a training batch norm, the residual add and the relu after it are its normalising kernel, with the values of the unfused ops', async () => {
    const gamma = fromArray([1, -0.5, 2], [3])
    const beta = fromArray([0.25, 0, -1], [3])
    const stats = { weight: gamma, bias: beta, runningMean: fromArray([0, 0, 0], [3]), runningVar: fromArray([1, 1, 1], [3]) }
    const shortcut = fromArray(values(2 * 3 * 8 * 8, 4), [2, 3, 8, 8])
    const normalised = batchNorm2d(stats, { training: true })(x)
    const y = relu(add(normalised, shortcut)) as Tensor<number[]>
    expect(dispatches(y).map((s) => s.label)).toEqual(['batchNorm2d', 'batchNorm2d+add+relu'])
    expect(dispatches(relu(normalised) as Tensor<number[]>).map((s) => s.label)).toEqual(['batchNorm2d', 'batchNorm2d+relu'])
    const [fused, [xs, ss]] = [(await realize([y.node]))[0] as Float32Array, (await realize([x.node, shortcut.node])) as Float32Array[]]
    for (let c = 0; c < 3; c++) {
      const at = (n: number, k: number) => (n * 3 + c) * 64 + k
      const channel = [0, 1].flatMap((n) => Array.from({ length: 64 }, (_, k) => xs[at(n, k)]))
      const mean = channel.reduce((a, v) => a + v, 0) / 128
      const variance = channel.reduce((a, v) => a + (v - mean) ** 2, 0) / 128
      for (const n of [0, 1])
        for (let k = 0; k < 64; k++) {
          const want = Math.max(0, ((xs[at(n, k)] - mean) / Math.sqrt(variance + 1e-5)) * [1, -0.5, 2][c] + [0.25, 0, -1][c] + ss[at(n, k)])
          expect(Math.abs(fused[at(n, k)] - want)).toBeLessThan(1e-5)
        }
    }
  })

  it('fuses a chain with broadcast operands and matches the unfused values', async () => {
    const scale = fromArray([0.5, -1, 2, 1.5], [1, 4, 1, 1])
    const conv = conv2d({ weight: w, bias: b }, { padding: 1 })(x)
    const fusedOut = sigmoid(mul(relu(conv), scale)) as Tensor<number[]>
    expect(dispatches(fusedOut).some((s) => s.label === 'conv2d+relu+mul+sigmoid')).toBe(true)
    // The same ops with the conv output also requested: it must exist in memory, so nothing fuses past it.
    const [fusedValues, convValues] = await realize([fusedOut.node, conv.node])
    const expected = Array.from(convValues as Float32Array, (v, i) => {
      const channel = Math.floor(i / 64) % 4
      return 1 / (1 + Math.exp(-Math.max(v, 0) * [0.5, -1, 2, 1.5][channel]))
    })
    expected.forEach((e, i) => expect(Math.abs((fusedValues as Float32Array)[i] - e)).toBeLessThan(1e-5))
  })

  it('fuses elu, silu and hardswish into the conv that produces their input, with the unfused values', async () => {
    const conv = conv2d({ weight: w, bias: b }, { padding: 1 })(x)
    const activations = [
      ['elu', elu({ alpha: 0.5 }), (v: number) => (v > 0 ? v : 0.5 * (Math.exp(v) - 1))],
      ['silu', silu, (v: number) => v / (1 + Math.exp(-v))],
      ['hardswish', hardswish, (v: number) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6],
    ] as const
    for (const [name, activation, reference] of activations) {
      const y = activation(conv) as Tensor<number[]>
      expect(dispatches(y).map((s) => s.label)).toContain(`conv2d+${name}`)
      const [fusedValues, convValues] = await realize([y.node, conv.node])
      Array.from(convValues as Float32Array, reference).forEach((e, i) => expect(Math.abs((fusedValues as Float32Array)[i] - e), name).toBeLessThan(1e-5))
    }
  })

  it('does not fuse a producer whose output has another user', () => {
    const conv = conv2d(w, { padding: 1 })(x)
    const both = add(relu(conv), conv) as Tensor<number[]>
    const labels = dispatches(both).map((s) => s.label)
    expect(labels).toContain('conv2d')
    expect(labels).not.toContain('conv2d+relu')
  })

  it('fuses into matmul and linear, and elementwise chains into one kernel', () => {
    const a = fromArray(values(16 * 8, 4), [16, 8])
    const m = fromArray(values(8 * 12, 5), [8, 12])
    expect(dispatches(relu(matmul(a, m)) as Tensor<number[]>).map((s) => s.label)).toContain('matmul+relu')
    const l = relu(linear({ weight: fromArray(values(12 * 8, 6), [12, 8]), bias: fromArray(values(12, 7), [12]) })(a)) as Tensor<number[]>
    expect(dispatches(l).map((s) => s.label)).toContain('linear+relu')
    expect(dispatches(sigmoid(relu(add(a, 1))) as Tensor<number[]>).map((s) => s.label)).toContain('add+relu+sigmoid')
  })

  it('stops a chain before the kernel would bind more storage buffers than the adapter allows', async () => {
    let y = relu(fromArray(values(32, 8), [32])) as Tensor<number[]>
    const operands = Array.from({ length: 20 }, (_, k) => fromArray(values(32, 20 + k), [32]))
    for (const c of operands) y = add(y, c) as Tensor<number[]>
    const limit = 8
    const steps = schedule([y.node], () => undefined, () => true, { ...DEFAULT_TARGET, maxStorageBuffersPerShaderStage: limit })
      .plan.steps.filter((s): s is DispatchStep => s.kind === 'dispatch')
    for (const step of steps) expect(step.bindings.length).toBeLessThanOrEqual(limit)
    expect(steps.length).toBeLessThan(21)
    const [got] = await realize([y.node])
    const expected = values(32, 8).map((v, i) => Math.max(v, 0) + operands.reduce((sum, _, k) => sum + values(32, 20 + k)[i], 0))
    expected.forEach((e, i) => expect(Math.abs((got as Float32Array)[i] - e)).toBeLessThan(1e-4))
  })

  it('computes single-use elementwise operands inline: an Adam-style update is one kernel with the right values', async () => {
    const n = 24
    const [pv, mv, vv] = [values(n, 40), values(n, 41), values(n, 42).map(Math.abs)]
    const [p, m, v] = [fromArray(pv, [n]), fromArray(mv, [n]), fromArray(vv, [n])]
    const update = sub(p, mul(div(mul(m, 2), add(sqrt(mul(v, 3)), 1e-3)), 0.1)) as Tensor<number[]>
    const steps = dispatches(update)
    expect(steps).toHaveLength(1)
    const [got] = await realize([update.node])
    pv.forEach((pi, i) => {
      const want = pi - ((mv[i] * 2) / (Math.sqrt(vv[i] * 3) + 1e-3)) * 0.1
      expect(Math.abs((got as Float32Array)[i] - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)))
    })
  })

  it('keeps an operand with a second user, or of another shape, as a kernel of its own', () => {
    const a = fromArray(values(8, 50), [8])
    const shared = mul(a, 3) as Tensor<number[]>
    const twice = add(add(a, shared), shared) as Tensor<number[]>
    expect(dispatches(twice).map((s) => s.label)).toContain('mul')
    const row = fromArray(values(4, 51), [1, 4])
    const grid = fromArray(values(12, 52), [3, 4])
    const broadcast = add(grid, mul(row, 2)) as Tensor<number[]>
    expect(dispatches(broadcast).map((s) => s.label)).toContain('mul')
  })
})

describe('relu backward', () => {
  it("runs inside the kernel that computes its cotangent (max-pool backward): no kernel of its own, the unfused values", async () => {
    const x = fromArray(values(2 * 3 * 8 * 8, 61), [2, 3, 8, 8])
    const w = fromArray(values(4 * 3 * 3 * 3, 62), [4, 3, 3, 3])
    const dyValues = values(2 * 4 * 4 * 4, 63)
    const [y, pullback] = vjp((t: Tensor<[2, 3, 8, 8]>) => maxPool2d({ kernelSize: 2 })(relu(conv2d(w, { padding: 1 })(t))) as Tensor<number[]>, x)
    const [dx] = pullback(fromArray(dyValues, [2, 4, 4, 4]))
    const labels = dispatches(dx as Tensor<number[]>).map((s) => s.label)
    expect(labels).toContain('poolGrad+reluGrad')
    expect(labels.filter((l) => l === 'greater' || l === 'where' || l === 'reluGrad')).toEqual([])
    // The weight gradient from the cotangent reaching the conv's output, computed here: dy at each
    // window's maximum (the first in scan order) where that maximum is positive.
    const [conv] = await realize([conv2d(w, { padding: 1 })(x).node])
    const gradConv = new Float32Array(2 * 4 * 8 * 8)
    for (let plane = 0; plane < 8; plane++)
      for (let oy = 0; oy < 4; oy++)
        for (let ox = 0; ox < 4; ox++) {
          let at = -1
          for (let wy = 0; wy < 2; wy++)
            for (let wx = 0; wx < 2; wx++) {
              const i = plane * 64 + (oy * 2 + wy) * 8 + ox * 2 + wx
              if (at < 0 || Math.max(conv[i], 0) > Math.max(conv[at], 0)) at = i
            }
          if (conv[at] > 0) gradConv[at] = dyValues[plane * 16 + oy * 4 + ox]
        }
    const [wGrad] = vjp((k: Tensor<[4, 3, 3, 3]>) => conv2d(k, { padding: 1 })(x) as Tensor<number[]>, w)[1](fromArray(gradConv, [2, 4, 8, 8]))
    const [fromGraph] = vjp((k: Tensor<[4, 3, 3, 3]>) => maxPool2d({ kernelSize: 2 })(relu(conv2d(k, { padding: 1 })(x))) as Tensor<number[]>, w)[1](
      fromArray(dyValues, [2, 4, 4, 4]),
    )
    const [expected, actual] = await realize([wGrad.node, fromGraph.node])
    Array.from(expected as Float32Array).forEach((e, i) => expect(Math.abs((actual as Float32Array)[i] - e)).toBeLessThan(1e-4))
    expect(y.shape).toEqual([2, 4, 4, 4])
  })

  it('passes the cotangent where the output is NaN and stops it at 0 and below, as torch.relu does', async () => {
    // torch.relu(x).backward(5) at x = [NaN, -1, 0, 2] gives [5, 0, 0, 5].
    const [, pullback] = vjp((t: Tensor<[4]>) => relu(t), fromArray([Number.NaN, -1, 0, 2], [4]))
    const [dx] = pullback(fromArray([5, 5, 5, 5], [4]))
    expect(Array.from(await dx.data())).toEqual([5, 0, 0, 5])
  })
})
