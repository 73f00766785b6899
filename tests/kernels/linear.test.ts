import type { KernelTarget } from '../../src/compiler/kernel.ts'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { fromArray, linear, matmul, type Tensor } from '../../src/index.ts'
import { makeNode } from '../../src/graph.ts'
import { constant } from '../../src/core/leaves.ts'
import { matmulPrimitive } from '../../src/core/ops.ts'
import { linearPrimitive } from '../../src/ops/linear.ts'
import { DEFAULT_TARGET, SOFTWARE_COMPACT_GEMM_MAX_WORK, SOFTWARE_LARGE_TILES, lower, kernelSteps } from '../../src/compiler/kernel.ts'
import { renderStep, type RenderedKernel } from '../../src/compiler/render.ts'
import { operandLayout } from '../../src/compiler/passes.ts'
import { sizeOf } from '../../src/compiler/wgsl.ts'
import { expectAllClose } from '../helpers/close.ts'
import { randomValues as random } from '../helpers/random.ts'

type AnyTensor = Tensor<readonly number[]>
const anyMatmul = matmul as unknown as (a: AnyTensor, b: AnyTensor) => AnyTensor
const anyLinear = linear as unknown as (w: AnyTensor | { weight: AnyTensor; bias?: AnyTensor }) => (x: AnyTensor) => AnyTensor

/** torch.matmul in float64: 1-D operands promoted then squeezed, batch dims broadcast. */
const matmulRef = (a: Float32Array, aShape: number[], b: Float32Array, bShape: number[]) => {
  const a2 = aShape.length === 1 ? [1, aShape[0]] : aShape
  const b2 = bShape.length === 1 ? [bShape[0], 1] : bShape
  const [M, K, N] = [a2[a2.length - 2], a2[a2.length - 1], b2[b2.length - 1]]
  const ab = a2.slice(0, -2)
  const bb = b2.slice(0, -2)
  const rank = Math.max(ab.length, bb.length)
  const pa = [...Array(rank - ab.length).fill(1), ...ab]
  const pb = [...Array(rank - bb.length).fill(1), ...bb]
  const batch = pa.map((d, i) => Math.max(d, pb[i]))
  const count = sizeOf(batch)
  const out = new Float64Array(count * M * N)
  for (let t = 0; t < count; t++) {
    // Batch coordinates of t, mapped into each operand (size-1 dims broadcast).
    let rest = t
    let ai = 0
    let bi = 0
    for (let d = 0; d < rank; d++) {
      const inner = sizeOf(batch.slice(d + 1))
      const c = Math.floor(rest / inner)
      rest %= inner
      ai = ai * pa[d] + (pa[d] === 1 ? 0 : c)
      bi = bi * pb[d] + (pb[d] === 1 ? 0 : c)
    }
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = 0
        for (let k = 0; k < K; k++) s += a[ai * M * K + m * K + k] * b[bi * K * N + k * N + n]
        out[t * M * N + m * N + n] = s
      }
  }
  const shape = [...batch, ...(aShape.length === 1 ? [] : [M]), ...(bShape.length === 1 ? [] : [N])]
  return { out, shape }
}

/** |got − want| ≤ tol·(Σ|a||b| for that output) is what float32 summation can promise; use a scale of √K·max. */
const expectNear = (got: ArrayLike<number>, want: ArrayLike<number>, K: number) => expectAllClose(got, want, `K = ${K}`, 1e-6 * Math.max(1, K))

describe('matmul', () => {
  it('matches a float64 reference on random shapes (1-D operands, broadcast batch dims, unaligned sizes)', async () => {
    const dim = fc.integer({ min: 1, max: 24 })
    const batchDim = fc.integer({ min: 1, max: 3 })
    const shapes = fc
      .record({
        M: dim,
        K: dim,
        N: dim,
        aRank: fc.integer({ min: 1, max: 4 }),
        bRank: fc.integer({ min: 1, max: 4 }),
        batch: fc.array(batchDim, { minLength: 2, maxLength: 2 }),
        aOnes: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
        bOnes: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
        seed: fc.integer({ min: 1, max: 2 ** 30 }),
        big: fc.boolean(),
      })
      .map((r) => {
        // Sometimes a size past one 16-row tile, to cross tile and vec4 edges.
        const M = r.big ? r.M + 50 : r.M
        const batchOf = (rank: number, ones: boolean[]) => r.batch.slice(0, Math.max(0, rank - 2)).map((d, i) => (ones[i] ? 1 : d))
        const aShape = r.aRank === 1 ? [r.K] : [...batchOf(r.aRank, r.aOnes), M, r.K]
        const bShape = r.bRank === 1 ? [r.K] : [...batchOf(r.bRank, r.bOnes), r.K, r.N]
        return { aShape, bShape, seed: r.seed, K: r.K }
      })
    await fc.assert(
      fc.asyncProperty(shapes, async ({ aShape, bShape, seed, K }) => {
        const a = random(sizeOf(aShape), seed)
        const b = random(sizeOf(bShape), seed + 1)
        const want = matmulRef(a, aShape, b, bShape)
        const out = anyMatmul(fromArray(a, aShape), fromArray(b, bShape))
        expect(out.shape).toEqual(want.shape)
        expectNear(await out.data(), want.out, K)
      }),
      { numRuns: 30, seed: 20240611 },
    )
  })

  it('handles K = 0 (zeros) and empty outputs', async () => {
    const z = anyMatmul(fromArray([], [3, 0]), fromArray([], [0, 5]))
    expect(Array.from(await z.data())).toEqual(new Array(15).fill(0))
    const e = anyMatmul(fromArray([], [0, 4]), fromArray(random(20, 3), [4, 5]))
    expect(e.shape).toEqual([0, 5])
  })

  it('computes a 256×192×130 product (several tiles, unaligned K) and a linear layer with bias', async () => {
    const [M, K, N] = [256, 130, 192]
    const a = random(M * K, 11)
    const b = random(K * N, 12)
    const want = matmulRef(a, [M, K], b, [K, N])
    expectNear(await anyMatmul(fromArray(a, [M, K]), fromArray(b, [K, N])).data(), want.out, K)
    // linear with W = bᵀ and a bias.
    const w = new Float32Array(N * K)
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) w[n * K + k] = b[k * N + n]
    const bias = random(N, 13)
    const y = anyLinear({ weight: fromArray(w, [N, K]), bias: fromArray(bias, [N]) })(fromArray(a, [2, M / 2, K]))
    expect(y.shape).toEqual([2, M / 2, N])
    expectNear(await y.data(), want.out.map((v, i) => v + bias[i % N]), K)
  })

  it('computes a 520×257×516 product, large enough for the adapter\'s large tile, with row, column and K remainders', async () => {
    // 69M multiply-adds: over llvmpipe's largeTiles.minWork, so its 12×16 tile runs (520 % 12, 129 vec4 columns % 4 and 257 % 4 all leave remainders).
    const [M, K, N] = [520, 257, 516]
    const a = random(M * K, 21)
    const b = random(K * N, 22)
    expectNear(await anyMatmul(fromArray(a, [M, K]), fromArray(b, [K, N])).data(), matmulRef(a, [M, K], b, [K, N]).out, K)
  })

  it('computes a 1030×1027×1028 product, large enough for llvmpipe\'s huge tile, with row, column and K remainders', async () => {
    // 1.09G multiply-adds: over largeTiles.hugeMatmul.minWork (2³⁰), so llvmpipe runs its 32×32 tile
    // (1030 % 32 rows, 257 vec4 columns % 8 and 1027 % 4 leave remainders).
    const [M, K, N] = [1030, 1027, 1028]
    const a = random(M * K, 25)
    const b = random(K * N, 26)
    expectNear(await anyMatmul(fromArray(a, [M, K]), fromArray(b, [K, N])).data(), matmulRef(a, [M, K], b, [K, N]).out, K)
  }, 60_000)

  it('computes a 101×130×103 product (1.35M multiply-adds: texture operands, on llvmpipe the compact tile) with row, column and K remainders', async () => {
    const [M, K, N] = [101, 130, 103]
    const a = random(M * K, 23)
    const b = random(K * N, 24)
    expectNear(await anyMatmul(fromArray(a, [M, K]), fromArray(b, [K, N])).data(), matmulRef(a, [M, K], b, [K, N]).out, K)
  })
})

describe('linear over few rows (an inference batch)', () => {
  const lowered = (inputs: number[][], shape: number[]) => {
    const operands = inputs.map((s) => makeNode(constant, [], {}, s, 'float32', new Float32Array(sizeOf(s))))
    return kernelSteps(lower(makeNode(linearPrimitive, operands, {}, shape, 'float32'), DEFAULT_TARGET))
  }

  it('multiplies W as stored, in one dispatch (no transpose), only for small products', () => {
    // LeNet-5's first linear layer at batch 1 and 64.
    for (const m of [1, 64]) {
      const steps = lowered([[m, 400], [120, 400], [120]], [m, 120])
      expect(steps).toHaveLength(1)
      expect(steps[0].label).toMatch(/row dots/)
    }
    // More rows, a large product, or K not a multiple of 4 keep the tiled kernel.
    expect(lowered([[65, 400], [120, 400]], [65, 120]).at(-1)!.label).not.toMatch(/row dots/)
    expect(lowered([[64, 1024], [1024, 1024]], [64, 1024]).at(-1)!.label).not.toMatch(/row dots/)
    expect(lowered([[1, 401], [120, 401]], [1, 120]).at(-1)!.label).not.toMatch(/row dots/)
  })

  it.each([
    [1, 400, 120, true],
    [3, 84, 10, true],
    [6, 8, 7, false],
    [64, 120, 84, true],
    [5, 4, 1, true],
  ] as const)('matches a float64 reference: %i rows, K = %i, N = %i (bias %s)', async (M, K, N, withBias) => {
    const x = random(M * K, 21)
    const w = random(N * K, 22)
    const bias = random(N, 23)
    const want = Array.from({ length: M * N }, (_, i) => {
      const [m, n] = [Math.floor(i / N), i % N]
      let s = withBias ? bias[n] : 0
      for (let k = 0; k < K; k++) s += x[m * K + k] * w[n * K + k]
      return s
    })
    const weights = withBias ? { weight: fromArray(w, [N, K]), bias: fromArray(bias, [N]) } : fromArray(w, [N, K])
    const y = anyLinear(weights)(fromArray(x, [M, K]))
    expect(y.shape).toEqual([M, N])
    expectNear(await y.data(), want, K)
  })
})

describe('matmul kernel shape', () => {
  const invocationsOf = (step: RenderedKernel) => {
    const m = /@workgroup_size\((\d+)(?:,\s*(\d+))?(?:,\s*(\d+))?\)/.exec(step.wgsl)!
    const size = Number(m[1]) * Number(m[2] ?? 1) * Number(m[3] ?? 1)
    return size * step.workgroups[0] * step.workgroups[1] * step.workgroups[2]
  }
  const lowerNode = (op: 'matmul' | 'linear', inputs: number[][], shape: number[], target: KernelTarget) => {
    const operands = inputs.map((s) => makeNode(constant, [], {}, s, 'float32', new Float32Array(sizeOf(s))))
    const node = makeNode(op === 'matmul' ? matmulPrimitive : linearPrimitive, operands, {}, shape, 'float32')
    return kernelSteps(operandLayout(lower(node, target), target).lowering).map((step) => renderStep(step, node, target))
  }
  const buffers: KernelTarget = { ...DEFAULT_TARGET, textureOperands: false, maxTextureDimension2D: 16384 }
  const textures: KernelTarget = { ...DEFAULT_TARGET, textureOperands: true, maxTextureDimension2D: 16384 }

  it.each([
    ['matmul', [[256, 256], [256, 256]], [256, 256]],
    ['matmul', [[4, 64, 96], [96, 128]], [4, 64, 128]],
    ['linear', [[128, 64], [32, 64], [32]], [128, 32]],
  ] as const)('%s %j computes a register tile per invocation, not one output', (op, inputs, shape) => {
    for (const target of [buffers, textures]) {
    const steps = lowerNode(op, inputs.map((s) => [...s]), [...shape], target)
    const product = steps.find((s) => /shapewise matmul (buffer|texture) tile/.test(s.wgsl))!
    const outputs = sizeOf(shape)
    const invocations = invocationsOf(product)
    // Each invocation owns ≥ 16 outputs here (the grid may overhang the edges a little).
    expect(outputs / invocations).toBeGreaterThanOrEqual(16)
    // Straight-line vec4 accumulators, no indexed private array.
    expect(product.wgsl).toMatch(/var c1_1 = vec4f\(0\.0\);/)
    expect(product.wgsl).not.toMatch(/\n\s*var\s+\w+\s*:\s*array</)
    }
  })

  it('takes the target\'s large tile for large products only', () => {
    const software: KernelTarget = { ...textures, largeTiles: SOFTWARE_LARGE_TILES }
    const tile = (target: KernelTarget, n: number) => /tile (\d+x\d+)/.exec(lowerNode('matmul', [[n, n], [n, n]], [n, n], target).map((s) => s.wgsl).join('\n'))![1]
    // 1024³ is 2³⁰ multiply-adds: llvmpipe's huge tile; 512³ its large one.
    expect(tile(software, 1024)).toBe('32x32')
    expect(tile(software, 512)).toBe('12x16')
    expect(tile(textures, 1024)).toBe('16x8')
    // 256³ is 16.8M multiply-adds, under the large tiles' threshold.
    expect(tile(software, 256)).toBe('16x8')
  })

  it('takes the compact 4×4 tile under the target\'s compactGemmMaxWork (a shader llvmpipe compiles fast), the usual ones above it', () => {
    const compact: KernelTarget = { ...textures, largeTiles: SOFTWARE_LARGE_TILES, compactGemmMaxWork: SOFTWARE_COMPACT_GEMM_MAX_WORK }
    const tile = (target: KernelTarget, m: number, k: number, n: number) =>
      /tile (\d+x\d+)/.exec(lowerNode('matmul', [[m, k], [k, n]], [m, n], target).map((s) => s.wgsl).join('\n'))![1]
    // LeNet-5's input gradients: 64×84×10 and 64×120×84 multiply-adds.
    expect(tile(compact, 64, 10, 84)).toBe('4x4')
    expect(tile(compact, 64, 84, 120)).toBe('4x4')
    expect(tile(textures, 64, 84, 120)).toBe('16x8')
    // Fewer than 4 rows take exactly those rows; 256³ (16.8M) is over the threshold.
    expect(tile(compact, 3, 64, 64)).toBe('3x4')
    expect(tile(compact, 256, 256, 256)).toBe('16x8')
  })

  it('reads the operands through textures when the target asks for them and the product is big enough, through buffers otherwise', () => {
    const read = (target: KernelTarget, n: number) => lowerNode('matmul', [[n, n], [n, n]], [n, n], target).map((s) => s.wgsl).join('\n')
    expect(read(textures, 128)).toMatch(/texture_storage_2d<rgba32float, read>/)
    expect(read(buffers, 128)).not.toMatch(/texture_storage_2d/)
    // 64³ is under a million multiply-adds: the texture copies would cost more than they save.
    expect(read(textures, 64)).not.toMatch(/texture_storage_2d/)
  })
})
