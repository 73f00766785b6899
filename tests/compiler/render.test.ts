/**
 * The renderer: the prelude holds only the helpers a kernel asked for, binding
 * numbers and the 1-D skeleton are its own, the epilogue wraps stores, the
 * in-place form reads operand 0 through the output, and loads and stores are
 * recorded. Device limits reach emitters only through the KernelTarget.
 */
import { describe, expect, it } from 'vitest'
import { makeNode, type Node } from '../../src/graph.ts'
import { add, conv2d, fromArray, gelu, matmul, maximum, relu, type Tensor } from '../../src/index.ts'
import { DEFAULT_TARGET, lower, kernelSteps, type KernelStep } from '../../src/compiler/kernel.ts'
import { renderKernel, renderStep } from '../../src/compiler/render.ts'
import { execute, type Plan } from '../../src/runtime/index.ts'
import { constant } from '../../src/core/leaves.ts'
import { concatPrimitive } from '../../src/core/ops.ts'
import { dropoutPrimitive } from '../../src/ops/elementwise.ts'

const vector = (n: number) => fromArray(new Float32Array(n), [n]) as Tensor<number[]>
const onlyStep = (n: Node): KernelStep => {
  const [step] = kernelSteps(lower(n))
  return step
}
const wgslOf = (n: Node) => renderStep(onlyStep(n), n).wgsl

describe('the prelude', () => {
  it('holds only the helpers the kernel used', () => {
    const plain = wgslOf(add(vector(4), vector(4)).node)
    expect(plain).not.toMatch(/nonFiniteBits|erf_approx|tanh_stable|pcg/)
    const withErf = wgslOf(gelu(vector(4)).node)
    expect(withErf.match(/fn erf_approx/g)).toHaveLength(1)
    expect(withErf).not.toMatch(/nonFiniteBits/)
    const withInfinity = wgslOf(maximum(vector(4), fromArray([-Infinity], [1]) as Tensor<number[]>).node)
    expect(withInfinity).toMatch(/var<private> nonFiniteBits/)
    expect(withInfinity).toMatch(/bitcast<f32>\(nonFiniteBits\.z\)/)
    const random = wgslOf(makeNode(dropoutPrimitive, [vector(4).node], { rate: 0.5, seed: 3, training: true }, [4], 'float32'))
    expect(random).toMatch(/fn pcg/)
  })
})

describe('bindings, skeleton, epilogue and in-place', () => {
  const sum = add(vector(8), vector(8)).node

  it('numbers bindings in order and records the loads and stores the body made', () => {
    const r = renderStep(onlyStep(sum), sum)
    expect(r.wgsl).toMatch(/@binding\(0\) var<storage, read> in0: array<f32>;/)
    expect(r.wgsl).toMatch(/@binding\(1\) var<storage, read> in1: array<f32>;/)
    expect(r.wgsl).toMatch(/@binding\(2\) var<storage, read_write> out: array<f32>;/)
    expect(r.loads).toEqual([{ operand: 0, index: 'i' }, { operand: 1, index: 'i' }])
    expect(r.stores).toEqual(['i'])
    expect(r.wgsl).not.toMatch(/fn epilogue/)
  })

  it('wraps the stored value in the epilogue, whose operands are bound after the kernel\'s own', () => {
    const r = renderKernel(onlyStep(sum), {
      target: DEFAULT_TARGET,
      operands: sum.inputs,
      output: 'float32',
      epilogue: { operands: 1, apply: (io, first) => [`x = x * ${io.load(first, 'i')};`] },
    })
    expect(r.wgsl).toMatch(/out\[i\] = epilogue\(i, a \+ b\);/)
    expect(r.wgsl).toMatch(/@binding\(3\) var<storage, read> fused0: array<f32>;/)
    expect(r.wgsl).toMatch(/x = x \* fused0\[i\];/)
    expect(r.bindings).toEqual([{ input: 0 }, { input: 1 }, { output: true }, { input: 2 }])
  })

  it('in place, drops operand 0 and reads it through the output, renumbering the rest', () => {
    const r = renderKernel(onlyStep(sum), { target: DEFAULT_TARGET, operands: sum.inputs, output: 'float32', inPlace: true })
    expect(r.wgsl).not.toMatch(/in0/)
    expect(r.wgsl).toMatch(/let a = out\[i\];/)
    expect(r.wgsl).toMatch(/@binding\(0\) var<storage, read> in1/)
    expect(r.wgsl).toMatch(/@binding\(1\) var<storage, read_write> out/)
    expect(r.bindings).toEqual([{ input: 1 }, { output: true }])
  })

  it("spills a 1-D grid into y past the target's workgroups per dimension", () => {
    const big = relu(vector(64 * 10)).node
    const r = renderStep(onlyStep(big), big, { ...DEFAULT_TARGET, maxComputeWorkgroupsPerDimension: 4 })
    expect(r.workgroups).toEqual([4, 3, 1])
    expect(r.wgsl).toMatch(/let i = gid\.x \+ gid\.y \* 256u;/)
    expect(r.wgsl).toMatch(/if \(i >= arrayLength\(&out\)\) \{ return; \}/)
  })

  it('writes a per-element kernel without its size, so one pipeline serves every size; other kernels keep theirs', () => {
    const small = relu(vector(10)).node
    const large = relu(vector(64 * 1000)).node
    const text = (n: typeof small) => renderStep(onlyStep(n), n).wgsl
    expect(text(small)).toBe(text(large))
    expect(renderStep(onlyStep(small), small).workgroups).toEqual([1, 1, 1])
    expect(renderStep(onlyStep(large), large).workgroups).toEqual([1000, 1, 1])
    const sized = { ...onlyStep(small), dispatch: { threads: 10 } }
    expect(renderStep(sized, small).wgsl).toMatch(/if \(i >= 10u\) \{ return; \}/)
  })
})

describe('several elements an invocation (elementsPerInvocation, llvmpipe)', () => {
  const four = { ...DEFAULT_TARGET, elementsPerInvocation: 4 }
  it('wraps the body in element(i), strides by the grid, and keeps the text free of the size', () => {
    const small = relu(vector(10)).node
    const large = relu(vector(64 * 1000 + 3)).node
    const r = renderStep(onlyStep(large), large, four)
    expect(r.workgroups).toEqual([Math.ceil((64 * 1000 + 3) / 256), 1, 1])
    expect(r.wgsl).toMatch(/fn element\(i: u32\) \{/)
    expect(r.wgsl).toMatch(/let stride = \(\(n \+ 255u\) \/ 256u\) \* 64u;/)
    expect(r.wgsl).toMatch(/for \(var k = 0u; k < 4u; k\+\+\)/)
    expect(renderStep(onlyStep(small), small, four).wgsl).toBe(r.wgsl)
    expect(renderStep(onlyStep(small), small, four).workgroups).toEqual([1, 1, 1])
    // Kernels with their own grid, and sized 1-D ones, keep one element an invocation.
    const sized = { ...onlyStep(small), dispatch: { threads: 10 } }
    expect(renderStep(sized, small, four).wgsl).not.toMatch(/fn element/)
  })

  it('computes every element once on the device: sizes around the grid\'s multiples, and a grid spilled into y', async () => {
    for (const [n, perDimension] of [[2, 65535], [255, 65535], [256, 65535], [257, 65535], [64 * 4 * 10 + 3, 4], [64 * 4 * 12, 4]] as const) {
      const node = add(vector(n), vector(n)).node
      const target = { ...four, maxComputeWorkgroupsPerDimension: perDimension }
      const r = renderStep(onlyStep(node), node, target)
      if (perDimension === 4) expect(r.workgroups[1]).toBeGreaterThan(1)
      const a = Float32Array.from({ length: n }, (_, i) => i)
      const b = Float32Array.from({ length: n }, (_, i) => 0.5 * i + 1)
      // The output starts as NaN, so an element no invocation reached shows.
      const plan: Plan = {
        buffers: [{ bytes: 4 * n }, { bytes: 4 * n }, { bytes: 4 * n }],
        steps: [
          { kind: 'writeBuffer', dst: 0, data: a },
          { kind: 'writeBuffer', dst: 1, data: b },
          { kind: 'writeBuffer', dst: 2, data: new Float32Array(n).fill(NaN) },
          { kind: 'dispatch', wgsl: r.wgsl, bindings: r.bindings.map((k) => ('input' in k ? { buffer: k.input, access: 'read' } : { buffer: 2, access: 'read_write' })), workgroups: r.workgroups },
        ],
      }
      const [got] = await execute(plan, [2])
      expect(Array.from(got)).toEqual(Array.from(a, (v, i) => v + b[i]))
    }
  })
})

describe('device limits come from the kernel target', () => {
  it('conv2d splits a repacked input over the binding size limit along the batch, and refuses one sample over it', () => {
    const x = fromArray(new Float32Array(2 * 8 * 16 * 16), [2, 8, 16, 16]) as Tensor<[2, 8, 16, 16]>
    const w = fromArray(new Float32Array(8 * 8 * 9), [8, 8, 3, 3]) as Tensor<[8, 8, 3, 3]>
    const y = conv2d(w, { padding: 1 })(x).node
    // One sample's X' is 18 × 18 positions × 2 vec4s of channels = 10,368 bytes.
    expect(() => lower(y, { ...DEFAULT_TARGET, maxStorageBufferBindingSize: 1024 })).toThrow(/one sample's repacked input needs 10368 bytes, over the 1024-byte storage binding limit/)
    const gemms = (limit: number) => kernelSteps(lower(y, { ...DEFAULT_TARGET, maxStorageBufferBindingSize: limit })).filter((s) => s.label?.includes('implicit GEMM')).length
    expect(gemms(10368)).toBe(2)
    expect(gemms(DEFAULT_TARGET.maxStorageBufferBindingSize)).toBe(1)
  })

  it('matmul refuses a grid over the workgroups per dimension', () => {
    const a = fromArray(new Float32Array(256 * 8), [256, 8]) as Tensor<[256, 8]>
    const b = fromArray(new Float32Array(8 * 8), [8, 8]) as Tensor<[8, 8]>
    const y = matmul(a, b).node
    expect(() => lower(y, { ...DEFAULT_TARGET, maxComputeWorkgroupsPerDimension: 1 })).toThrow(/over the limit of 1 per dimension/)
  })

  it('concat binds as many inputs per step as the target allows', () => {
    const parts = Array.from({ length: 6 }, (_, k) => makeNode(constant, [], {}, [2], 'float32', new Float32Array([k, k])))
    const node = makeNode(concatPrimitive, parts, { axis: 0 }, [12], 'float32')
    expect(kernelSteps(lower(node, { ...DEFAULT_TARGET, maxStorageBuffersPerShaderStage: 3 }))).toHaveLength(3)
    expect(kernelSteps(lower(node))).toHaveLength(1)
  })
})
