/**
 * Each compiler pass alone: a graph is prepared by the passes before it
 * (PASSES order), the pass runs, and only the field it owns is checked.
 */
import { describe, expect, it } from 'vitest'
import { makeNode, type Node } from '../../src/graph.ts'
import { add, broadcastTo, conv2d, fromArray, linear, matmul, mul, pad, permute, relu, reshape, slice, sub, sqrt, sum, where, greater, type Tensor } from '../../src/index.ts'
import { DEFAULT_TARGET, type ExprIO, type KernelTarget } from '../../src/compiler/kernel.ts'
import { kernelGraph, type KernelGraph } from '../../src/compiler/kernel-graph.ts'
import { realize } from '../../src/realize.ts'
import { assignBuffers, chooseOperandLayout, foldLiterals, fuseEpilogues, fuseViews, inlineElementwise, lower, planInPlace, type Pass } from '../../src/compiler/passes.ts'
import { PASSES, runPasses, toSchedule } from '../../src/compiler/schedule.ts'
import { fillPrimitive } from '../../src/core/ops.ts'

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 2)
const vector = (n: number, seed: number) => fromArray(values(n, seed), [n]) as Tensor<number[]>
const node = (t: Tensor<number[]>) => t.node

interface Setup {
  readonly realized?: ReadonlySet<Node>
  readonly donated?: ReadonlySet<Node>
  readonly target?: KernelTarget
}
/** The graph of `targets` after the passes listed before `pass` in PASSES. */
const before = (pass: Pass, targets: readonly Node[], { realized = new Set(), donated = new Set(), target = DEFAULT_TARGET }: Setup = {}): KernelGraph => {
  const sentinel = {} as GPUBuffer
  let g = kernelGraph(targets, { realized: (n) => (realized.has(n) ? sentinel : undefined), keepConstant: () => true, target, donated })
  for (const [, p] of PASSES) {
    if (p === pass) return g
    g = p(g)
  }
  throw new Error('pass not in PASSES')
}

describe('the pass list', () => {
  it('names every pass once, in the order schedule() runs them', () => {
    expect(PASSES.map(([name]) => name)).toEqual(['fold literals', 'inline elementwise', 'lower', 'choose operand layout', 'fuse views', 'fuse epilogues', 'plan in-place', 'assign buffers'])
  })
})

describe('fold literals', () => {
  it('folds a scalar read by elementwise ops, not one that is requested or read by another op', () => {
    const x = vector(4, 1)
    const y = mul(x, 0.5) as Tensor<number[]>
    const two = fromArray([2], [1]) as Tensor<number[]>
    const r = reshape([1, 1])(two) as Tensor<number[]>
    const g = foldLiterals(before(foldLiterals, [y.node, r.node, two.node]))
    const scalar = y.node.inputs[1]
    expect(g.literals.has(scalar)).toBe(true)
    // Requested (a target) and read by reshape: it needs a buffer.
    expect(g.literals.has(two.node)).toBe(false)
    expect(g.literals.has(x.node)).toBe(false)
  })
})

describe('inline elementwise', () => {
  it('inlines single-use side operands of the same shape, and leaves operand 0 of a kernel to epilogue chains', () => {
    const [p, m, v] = [vector(8, 1), vector(8, 2), vector(8, 3)]
    const scaled = mul(m, 2) as Tensor<number[]>
    const root = sqrt(v) as Tensor<number[]>
    const update = sub(p, mul(scaled, root)) as Tensor<number[]>
    const g = inlineElementwise(before(inlineElementwise, [update.node]))
    const product = update.node.inputs[1]
    expect([...g.inlined]).toEqual(expect.arrayContaining([product, scaled.node, root.node]))
    // relu's operand 0 runs as its own kernel with relu fused after it, not inlined.
    const chained = relu(add(p, m)) as Tensor<number[]>
    const h = inlineElementwise(before(inlineElementwise, [chained.node]))
    expect(h.inlined.size).toBe(0)
  })

  it('keeps an operand with a second user, and stays within the storage buffers a kernel may bind', () => {
    const a = vector(8, 4)
    const shared = mul(a, 3) as Tensor<number[]>
    const twice = add(add(a, shared), shared) as Tensor<number[]>
    expect(inlineElementwise(before(inlineElementwise, [twice.node])).inlined.has(shared.node)).toBe(false)
    // 5 leaves + the output would need 6 bindings: with 4 allowed, the operands stay kernels.
    const leaves = [1, 2, 3, 4, 5].map((s) => vector(8, s))
    const sum = sub(leaves[0], add(mul(leaves[1], leaves[2]), mul(leaves[3], leaves[4]))) as Tensor<number[]>
    const target = { ...DEFAULT_TARGET, maxStorageBuffersPerShaderStage: 4 }
    const g = inlineElementwise(before(inlineElementwise, [sum.node], { target }))
    expect(g.inlined.has(sum.node.inputs[1])).toBe(false)
    expect(inlineElementwise(before(inlineElementwise, [sum.node])).inlined.has(sum.node.inputs[1])).toBe(true)
  })
})

describe('lower', () => {
  it('binds realized nodes, uploads constants, aliases views, gives empty nodes a placeholder and kernels to the rest', () => {
    const x = vector(6, 1)
    const leaf = vector(6, 2)
    const view = reshape([2, 3])(add(x, leaf)) as Tensor<number[]>
    const empty = makeNode(fillPrimitive, [], { value: 1, shape: [0, 3], dtype: 'float32' }, [0, 3], 'float32')
    const g = lower(before(lower, [view.node, empty], { realized: new Set([leaf.node]) }))
    expect(g.lowered.get(leaf.node)).toHaveProperty('realized')
    expect(g.lowered.get(x.node)).toMatchObject({ keep: true })
    expect(g.lowered.get(view.node)).toEqual({ alias: 0 })
    expect(g.lowered.get(empty)).toEqual({ placeholder: true })
    const sum = g.lowered.get(view.node.inputs[0])!
    expect('kernel' in sum && sum.operands).toEqual([x.node, leaf.node])
  })

  it("binds an expression kernel's inlined leaves, operand 0 first", () => {
    const [p, m] = [vector(8, 1), vector(8, 2)]
    const update = sub(p, mul(m, 2)) as Tensor<number[]>
    const g = lower(before(lower, [update.node]))
    const l = g.lowered.get(update.node)!
    expect('kernel' in l && l.operands).toEqual([p.node, m.node])
    expect(g.lowered.has(update.node.inputs[1])).toBe(false)
  })
})

describe('choose operand layout', () => {
  const textures: KernelTarget = { ...DEFAULT_TARGET, textureOperands: true }
  const square = (n: number, seed: number) => fromArray(values(n * n, seed), [n, n]) as Tensor<number[]>
  const stepsOf = (g: KernelGraph, n: Node) => {
    const l = g.lowered.get(n)!
    return 'kernel' in l ? l.kernel.steps.map((s) => ('copyToTexture' in s ? `copy ${JSON.stringify(s.copyToTexture.source)}` : s.bindings.some((b) => 'texture' in b) ? 'gemm on textures' : 'step')) : []
  }

  it('reads both operands of a big product through textures where the target prefers them, copied first', () => {
    const product = matmul(square(128, 1), square(128, 2)) as Tensor<number[]>
    const g = chooseOperandLayout(before(chooseOperandLayout, [product.node], { target: textures }))
    expect(g.operandLayouts.get(product.node)).toEqual(['texture', 'texture'])
    expect(stepsOf(g, product.node)).toEqual(['copy {"input":0}', 'copy {"input":1}', 'gemm on textures'])
    const l = g.lowered.get(product.node)!
    expect('kernel' in l && l.kernel.textures).toEqual([[32, 128], [32, 128]])
    // Before the pass the lowering is the buffer form, with the texture form only offered.
    const offered = before(chooseOperandLayout, [product.node], { target: textures }).lowered.get(product.node)!
    expect('kernel' in offered && offered.kernel.steps.some((s) => 'copyToTexture' in s)).toBe(false)
  })

  it('decides per operand: one over the texture size limit keeps the routine on buffers; so does a target that prefers buffers', () => {
    const product = matmul(fromArray(values(256 * 64, 1), [256, 64]) as Tensor<number[]>, square(64, 2)) as Tensor<number[]>
    // A is 256 rows: over a 200-row limit; B (64 rows) would fit.
    const tight = { ...textures, maxTextureDimension2D: 200 }
    const g = chooseOperandLayout(before(chooseOperandLayout, [product.node], { target: tight }))
    expect(g.operandLayouts.get(product.node)).toEqual(['buffer', 'buffer'])
    expect(stepsOf(g, product.node)).not.toContain('gemm on textures')
    const h = chooseOperandLayout(before(chooseOperandLayout, [product.node]))
    expect(h.operandLayouts.get(product.node)).toEqual(['buffer', 'buffer'])
    expect(stepsOf(h, product.node).some((s) => s.startsWith('copy'))).toBe(false)
  })

  it('copies a transposed weight after the step that transposes it, and leaves products too small to pay for copies alone', () => {
    const x = fromArray(values(128 * 128, 1), [128, 128]) as Tensor<[128, 128]>
    const w = fromArray(values(128 * 128, 2), [128, 128]) as Tensor<[128, 128]>
    const y = linear(w)(x) as Tensor<number[]>
    const g = chooseOperandLayout(before(chooseOperandLayout, [y.node], { target: textures }))
    expect(stepsOf(g, y.node)).toEqual(['copy {"input":0}', 'step', 'copy {"scratch":0}', 'gemm on textures'])
    const small = matmul(square(64, 1), square(64, 2)) as Tensor<number[]>
    expect(chooseOperandLayout(before(chooseOperandLayout, [small.node], { target: textures })).operandLayouts.has(small.node)).toBe(false)
  })

  it("reads a big convolution's repacked input and weight through textures, after the repack", () => {
    const x = fromArray(new Float32Array(2 * 32 * 32 * 32), [2, 32, 32, 32]) as Tensor<[2, 32, 32, 32]>
    const w = fromArray(new Float32Array(32 * 32 * 9), [32, 32, 3, 3]) as Tensor<[32, 32, 3, 3]>
    const y = conv2d(w, { padding: 1 })(x)
    const g = chooseOperandLayout(before(chooseOperandLayout, [y.node], { target: textures }))
    expect(g.operandLayouts.get(y.node)).toEqual(['texture', 'texture'])
    expect(stepsOf(g, y.node)).toEqual(['step', 'copy {"scratch":0}', 'copy {"scratch":1}', 'gemm on textures'])
  })
})

describe('fuse views', () => {
  const matrix = (rows: number, cols: number, seed: number) => fromArray(values(rows * cols, seed), [rows, cols]) as Tensor<number[]>
  const literalsOnly: ExprIO = { literal: (value) => String(value), helper: () => {} }
  /** Dispatches of the plan for `targets`, with every pass or without fuse views. */
  const dispatchCount = (targets: readonly Node[], passes = PASSES) =>
    toSchedule(runPasses(kernelGraph(targets, { realized: () => undefined, keepConstant: () => true, target: DEFAULT_TARGET, donated: new Set() }), passes)).dispatches
  const withoutFuseViews = PASSES.filter(([name]) => name !== 'fuse views')

  it('reads a permute feeding an add through an index map: one kernel fewer, the same numbers', async () => {
    const [a, b] = [matrix(3, 5, 1), matrix(5, 3, 2)]
    const transposed = permute([1, 0])(a) as Tensor<number[]>
    const y = add(transposed, b) as Tensor<number[]>
    const g = fuseViews(before(fuseViews, [y.node]))
    expect(g.views.get(transposed.node)?.source).toBe(a.node)
    expect(g.views.get(transposed.node)?.read('i', (j) => `x[${j}]`, literalsOnly)).toBe('x[(i / 3u) + (i % 3u) * 5u]')
    expect(dispatchCount([y.node])).toBe(1)
    expect(dispatchCount([y.node], withoutFuseViews)).toBe(2)
    // Requested too, the permute must exist in memory: the add then reads it unfused.
    const [fused] = await realize([y.node])
    const [unfused] = await realize([y.node, transposed.node])
    expect(Array.from(fused as Float32Array)).toEqual(Array.from(unfused as Float32Array))
  })

  it('composes slice, permute, reshape and broadcastTo into one map read by a reduction', async () => {
    const x = matrix(4, 6, 3)
    const view = broadcastTo(reshape([1, 3, 2])(permute([1, 0])(slice({ start: [1, 0], end: [4, 6], step: [1, 3] })(x) as Tensor<number[]>)) as Tensor<number[]>, [2, 3, 2])
    const total = sum({ axis: [0, 2] })(view) as Tensor<number[]>
    const g = fuseViews(before(fuseViews, [total.node]))
    expect(g.views.get(view.node)?.source).toBe(x.node)
    expect(dispatchCount([total.node])).toBe(1)
    expect(dispatchCount([total.node], withoutFuseViews)).toBe(4)
    const [fused] = await realize([total.node])
    const [unfused] = await realize([total.node, view.node])
    expect(Array.from(fused as Float32Array)).toEqual(Array.from(unfused as Float32Array))
  })

  it('reads a pad through a guarded, clamped index: the fill outside, the input inside', async () => {
    const x = matrix(3, 4, 6)
    const padded = pad([[1, 2], [0, 1]], -2)(x) as Tensor<number[]>
    const y = mul(permute([1, 0])(padded) as Tensor<number[]>, 3) as Tensor<number[]>
    const g = fuseViews(before(fuseViews, [y.node]))
    expect(g.views.get(padded.node)?.source).toBe(x.node)
    expect(g.views.get(padded.node)?.read('i', (j) => `x[${j}]`, literalsOnly)).toMatch(/^select\(-2, x\[.*clamp.*\], .*>= 0i && .*< 3i && .*< 4i\)$/)
    expect(dispatchCount([y.node])).toBe(1)
    expect(dispatchCount([y.node], withoutFuseViews)).toBe(3)
    const [fused] = await realize([y.node])
    const [unfused] = await realize([y.node, padded.node])
    expect(Array.from(fused as Float32Array)).toEqual(Array.from(unfused as Float32Array))
  })

  it('leaves a view that is requested, or read by a GEMM routine (its own typed loads), as a kernel', () => {
    const [a, b] = [matrix(8, 8, 4), matrix(8, 8, 5)]
    const transposed = permute([1, 0])(a) as Tensor<number[]>
    const product = matmul(transposed, b) as Tensor<number[]>
    expect(fuseViews(before(fuseViews, [product.node])).views.size).toBe(0)
    const both = add(transposed, b) as Tensor<number[]>
    expect(fuseViews(before(fuseViews, [both.node, transposed.node])).views.size).toBe(0)
  })

  it("binds the source where the view was bound: a reader's storage buffers do not grow past the target's limit", () => {
    // Five operands and the output: 6 bindings, with every view fused or none.
    const target = { ...DEFAULT_TARGET, maxStorageBuffersPerShaderStage: 6 }
    const leaves = [1, 2, 3, 4, 5].map((seed) => permute([1, 0])(matrix(4, 4, seed)) as Tensor<number[]>)
    const total = sub(leaves[0], add(mul(leaves[1], leaves[2]), mul(leaves[3], leaves[4]))) as Tensor<number[]>
    const g = assignBuffers(runPasses(kernelGraph([total.node], { realized: () => undefined, keepConstant: () => true, target, donated: new Set() })))
    expect(g.views.size).toBe(5)
    const kernels = g.assignment!.steps.filter((s) => s.kind === 'kernel')
    expect(kernels).toHaveLength(1)
    expect(kernels[0].kind === 'kernel' && kernels[0].step.bindings.length).toBeLessThanOrEqual(target.maxStorageBuffersPerShaderStage)
  })
})

describe('fuse epilogues', () => {
  const x = fromArray(values(2 * 3 * 8 * 8, 1), [2, 3, 8, 8]) as Tensor<[2, 3, 8, 8]>
  const w = fromArray(values(4 * 3 * 9, 2), [4, 3, 3, 3]) as Tensor<[4, 3, 3, 3]>

  it('runs conv2d + relu + mul as one kernel, the chain recorded on the producer', () => {
    const conv = conv2d(w, { padding: 1 })(x)
    const out = mul(relu(conv), 2) as Tensor<number[]>
    const g = fuseEpilogues(before(fuseEpilogues, [out.node]))
    expect(g.chains.get(conv.node)?.map((n) => n.op)).toEqual(['relu', 'mul'])
  })

  it('stops before a requested node and before exceeding the bindings a kernel may have', () => {
    const conv = conv2d(w, { padding: 1 })(x)
    const activated = relu(conv) as Tensor<number[]>
    const out = add(activated, 1) as Tensor<number[]>
    const g = fuseEpilogues(before(fuseEpilogues, [out.node, activated.node]))
    expect(g.chains.get(conv.node)?.map((n) => n.op)).toEqual(['relu'])
    // conv's GEMM binds 3 buffers (X', W', out); a limit of 3 leaves no room for the add's operand.
    const other = fromArray(values(2 * 4 * 8 * 8, 3), [2, 4, 8, 8]) as Tensor<number[]>
    const tight = add(relu(conv2d(w, { padding: 1 })(x)), other) as Tensor<number[]>
    const target = { ...DEFAULT_TARGET, maxStorageBuffersPerShaderStage: 3 }
    const h = fuseEpilogues(before(fuseEpilogues, [tight.node], { target }))
    expect([...h.chains.values()].map((c) => c.map((n) => n.op))).toEqual([['relu']])
  })
})

describe('plan in-place', () => {
  it('overwrites a donated input read only at the element written, and only when nothing reads it later', () => {
    const [p, q] = [vector(8, 1), vector(8, 2)]
    const next = add(p, q) as Tensor<number[]>
    const realized = new Set([p.node, q.node])
    const g = planInPlace(before(planInPlace, [next.node], { realized, donated: new Set([p.node]) }))
    expect(g.overwrites.get(next.node)).toBe(p.node)
    // Not donated: no overwrite.
    expect(planInPlace(before(planInPlace, [next.node], { realized })).overwrites.size).toBe(0)
    // Read again afterwards (by the second add): no overwrite by the first.
    const later = add(next, p) as Tensor<number[]>
    const h = planInPlace(before(planInPlace, [later.node], { realized, donated: new Set([p.node]) }))
    expect(h.overwrites.has(next.node)).toBe(false)
  })

  it('refuses a kernel whose recorded loads read input 0 elsewhere than the element it writes', () => {
    const m = fromArray(values(12, 1), [3, 4]) as Tensor<number[]>
    const transposed = permute([1, 0])(m) as Tensor<number[]>
    const g = planInPlace(before(planInPlace, [transposed.node], { realized: new Set([m.node]), donated: new Set([m.node]) }))
    expect(g.overwrites.size).toBe(0)
  })
})

describe('assign buffers', () => {
  it('gives a later node a free texture of its size: a node\'s textures live only while its own steps run', () => {
    const textures: KernelTarget = { ...DEFAULT_TARGET, textureOperands: true }
    const square = (n: number, seed: number) => fromArray(values(n * n, seed), [n, n]) as Tensor<number[]>
    // Three products read through two textures each: the second and third 128² ones reuse the first's two, the 160² one gets its own.
    const first = matmul(square(128, 1), square(128, 2)) as Tensor<number[]>
    const second = matmul(first, square(128, 3)) as Tensor<number[]>
    const third = matmul(square(160, 4), square(160, 5)) as Tensor<number[]>
    const g = assignBuffers(before(assignBuffers, [second.node, third.node], { target: textures }))
    const { textures: declared, steps } = g.assignment!
    expect(declared.map((t) => [t.width, t.height])).toEqual([[32, 128], [32, 128], [40, 160], [40, 160]])
    const copies = steps.filter((s) => s.kind === 'copyBufferToTexture').map((s) => ('dst' in s ? s.dst : -1))
    expect(copies).toHaveLength(6)
    // Within one node the two operands are distinct textures; across nodes of one size the ids repeat.
    expect(new Set(copies)).toEqual(new Set([0, 1, 2, 3]))
    for (let k = 0; k < copies.length; k += 2) expect(copies[k]).not.toBe(copies[k + 1])
  })

  it('reuses the buffer of a value once its last reader has run, and writes an in-place result into its victim', () => {
    const x = vector(64, 1)
    const mask = greater(x, 0) as Tensor<number[], 'bool'>
    const a = where(mask, x, mul(x, 2)) as Tensor<number[]>
    const b = where(mask, a, x) as Tensor<number[]>
    const g = assignBuffers(before(assignBuffers, [b.node]))
    const { bufferOf, buffers, steps } = g.assignment!
    // x, the mask, mul and where #1 each get a buffer; mul's is free once where #1 has run, and where #2 takes it.
    expect(bufferOf.get(b.node)).toBe(bufferOf.get(a.node.inputs[2]))
    expect(buffers).toHaveLength(4)
    expect(steps.filter((s) => s.kind === 'kernel')).toHaveLength(4)

    const [p, q] = [vector(8, 1), vector(8, 2)]
    const next = add(p, q) as Tensor<number[]>
    const h = assignBuffers(before(assignBuffers, [next.node], { realized: new Set([p.node, q.node]), donated: new Set([p.node]) }))
    expect(h.assignment!.bufferOf.get(next.node)).toBe(h.assignment!.bufferOf.get(p.node))
    expect(h.assignment!.inPlace.get(next.node)).toBe(p.node)
  })
})
