/**
 * WGSL of the dense ops: matmul (PyTorch rules: 1-D operands, broadcast batch
 * dims) and linear (x·Wᵀ + b over the leading dims).
 *
 * Both lower to one register-tiled kernel C[b] = A[b]·B[b] (A: M×K, B: K×N,
 * row-major): each invocation computes a TM×TN block of C with TM·TN/4 named
 * vec4 accumulators and straight-line code, stepping K by 4 — per step TM
 * vec4 loads of A and 4·TN/4 of B feed TM·TN·4 multiply-adds. On llvmpipe this
 * is ~15–20× faster than one output per invocation (bench/matmul-kernels.ts).
 *
 * The vec4 loads need K % 4 = 0 (rows of A) and N % 4 = 0 (rows of B). When
 * an operand does not fit, a pack step copies it into a zero-padded scratch
 * buffer first (O(MK + KN), negligible next to the O(MNK) product); linear's
 * weight [N, K] is transposed into a K×N scratch the same way. Rows of M and
 * vec4 columns of N past a tile's edge are clamped on load and skipped on store,
 * so any M and N work without padding C. The output is written straight into
 * the node's buffer (vec4 stores when N % 4 = 0, guarded scalar stores
 * otherwise), with linear's bias added in the same epilogue.
 *
 * Storage arrays are declared with their exact, baked-in length where it is
 * known: a fixed-size array lets the bounds clamps fold to constants, which
 * measured ~10% faster on llvmpipe than runtime-sized arrays.
 */
import type { NodeOf } from '../graph.ts'
import { DEFAULT_TARGET, type ArrayView, type KernelBinding, type KernelIO, type KernelStep, type KernelTarget, type Lowering, type TextureOffer } from '../compiler/kernel.ts'
import { broadcastIndex, sizeOf } from '../compiler/wgsl.ts'
import { broadcastShapes } from '../shape/layout.ts'

/** A batched product C[batch] (M×N) = A[aBatch] (M×K) · B[bBatch] (K×N), B optionally given transposed (N×K). */
export interface MatmulProblem {
  readonly M: number
  readonly N: number
  readonly K: number
  /** Batch dims of the output, and of each operand (shorter or with 1s where they broadcast). */
  readonly batch: readonly number[]
  readonly aBatch: readonly number[]
  readonly bBatch: readonly number[]
  /** B is stored as N×K (linear's weight), not K×N. */
  readonly bTransposed: boolean
  /** Input index of a bias [N] to add, if any. */
  readonly bias?: number
}

/** Tile of outputs per invocation and invocations per workgroup. */
export interface MatmulTiling {
  /** Rows of C per invocation. */
  readonly tileM: number
  /** Columns of C per invocation (a multiple of 4). */
  readonly tileN: number
  /** Workgroup [x along N, y along M]; x a multiple of 8 (llvmpipe's SIMD width). */
  readonly workgroup: readonly [number, number]
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m

/**
 * The tile for a problem. Large tiles amortise loads best (16×8 measured
 * 10–15 GFLOP/s at 1024³ on llvmpipe vs ~8 for 8×8 and ~4 for 4×4) but cost
 * more compile time and waste work on small matrices, so small ones get small
 * tiles; products of at least the target's `largeTiles.minWork` multiply-adds
 * take the adapter's measured large tile where the matrix is big enough for it
 * (its huge one from `largeTiles.hugeMatmul.minWork`), and products under its `compactGemmMaxWork` a 4×4 tile that compiles fast.
 */
export const chooseTiling = (p: Pick<MatmulProblem, 'M' | 'N' | 'K' | 'batch'>, target: KernelTarget = DEFAULT_TARGET): MatmulTiling => {
  const { M, N } = p
  const large = target.largeTiles.matmul
  const huge = target.largeTiles.hugeMatmul
  const work = sizeOf(p.batch) * M * N * p.K
  if (huge !== undefined && work >= huge.minWork && M >= 4 * huge.tileM && N >= 4 * huge.tileN) return { tileM: huge.tileM, tileN: huge.tileN, workgroup: huge.workgroup }
  if (work >= target.largeTiles.minWork && M >= 4 * large.tileM && N >= 4 * large.tileN) return large
  // Where compiling a shader costs more than a small product's run (llvmpipe), the compact tile.
  if (work < target.compactGemmMaxWork) return { tileM: Math.min(4, M), tileN: 4, workgroup: [8, 4] }
  return {
    // M < 4 (a matrix-vector product, linear on one sample) takes exactly M rows instead of clamped copies.
    tileM: M >= 64 ? 16 : M >= 8 ? 8 : M >= 4 ? 4 : Math.max(1, M),
    tileN: N >= 32 ? 8 : 4,
    workgroup: [8, 4],
  }
}

/** An operand (input or scratch) as the routine's named vec4 array of exact length (bounds checks fold). */
type Operand = { readonly input: number } | { readonly scratch: number }
const asArray = (b: Operand, view: ArrayView): KernelBinding => ('input' in b ? { input: b.input, view } : { scratch: b.scratch, view })

/** Where the tiled kernel reads A and B from: storage buffers (padded) or rgba32float textures. */
type Operands = { readonly kind: 'buffer'; readonly a: Operand; readonly b: Operand } | { readonly kind: 'texture' }

/** WGSL that copies an operand into a zero-padded [batch, rows, cols] scratch, optionally transposing its last two dims. */
const packStep = (
  source: number,
  scratch: number,
  batch: number,
  rows: number,
  cols: number,
  rowsPadded: number,
  colsPadded: number,
  transposed: boolean,
): KernelStep => {
  const total = batch * rowsPadded * colsPadded
  // Source element (r, c) of batch b: row-major [b, rows, cols], or [b, cols, rows] when transposed.
  const src = transposed ? `b * ${rows * cols}u + c * ${rows}u + r` : `b * ${rows * cols}u + r * ${cols}u + c`
  return {
    label: `shapewise matmul pack ${batch}x${rows}x${cols} -> ${rowsPadded}x${colsPadded}${transposed ? ' transposed' : ''}`,
    bindings: [{ input: source }, { scratch, view: { name: 'dst', type: 'f32', length: total } }],
    dispatch: { threads: total },
    body: (io) => `  let c = i % ${colsPadded}u;
  let r = (i / ${colsPadded}u) % ${rowsPadded}u;
  let b = i / ${rowsPadded * colsPadded}u;
  var v = 0.0;
  if (r < ${rows}u && c < ${cols}u) { v = ${io.load(source, src)}; }
  dst[i] = v;`,
  }
}

/** The register-tiled product kernel over padded operands (K % 4 = 0, N % 4 = 0 in storage). */
const tiledStep = (p: MatmulProblem, t: MatmulTiling, operands: Operands, target: KernelTarget): KernelStep => {
  const textured = operands.kind === 'texture'
  const bias = p.bias
  const { M, N } = p
  const TM = t.tileM
  const TN4 = t.tileN / 4
  const [wx, wy] = t.workgroup
  const Kp = roundUp(p.K, 4)
  const Np = roundUp(N, 4)
  const K4 = Kp / 4
  const N4 = Np / 4
  const batchCount = sizeOf(p.batch)
  const aCount = sizeOf(p.aBatch) * M * K4
  const bCount = sizeOf(p.bBatch) * Kp * N4
  const vecOut = N % 4 === 0
  const clampRows = M % TM !== 0
  const clampCols = N4 % TN4 !== 0

  const bindings: KernelBinding[] = [
    operands.kind === 'texture' ? { texture: 0, name: 'At' } : asArray(operands.a, { name: 'A', type: 'vec4f', length: aCount }),
    operands.kind === 'texture' ? { texture: 1, name: 'Bt' } : asArray(operands.b, { name: 'B', type: 'vec4f', length: bCount }),
    ...(bias !== undefined ? [{ input: bias, view: { name: 'bias', type: 'f32', length: N } } as const] : []),
    { output: true, view: vecOut ? { type: 'vec4f', length: batchCount * M * N4 } : { type: 'f32', length: batchCount * M * N } },
  ]
  const aBatchIndex = broadcastIndex(p.aBatch, p.batch, 'bat')
  const bBatchIndex = broadcastIndex(p.bBatch, p.batch, 'bat')

  const pre: string[] = []
  const row = (i: number) => (clampRows ? `min(m0 + ${i}u, ${M - 1}u)` : `(m0 + ${i}u)`)
  const col = (j: number) => (clampCols ? `min(n4 + ${j}u, ${N4 - 1}u)` : `n4 + ${j}u`)
  if (textured) {
    // A is (K/4)×(batch·M) texels, B (N/4)×(batch·K): a texel is 4 consecutive floats of a row.
    pre.push(`  let aRow = (${aBatchIndex}) * ${M}u;`)
    pre.push(`  let bRow = (${bBatchIndex}) * ${p.K}u;`)
    for (let i = 0; i < TM; i++) pre.push(`  let ar${i} = aRow + ${row(i)};`)
    for (let j = 0; j < TN4; j++) pre.push(`  let bc${j} = ${col(j)};`)
  } else {
    pre.push(`  let aBase = (${aBatchIndex}) * ${M * K4}u;`)
    pre.push(`  let bBase = (${bBatchIndex}) * ${Kp * N4}u;`)
    for (let i = 0; i < TM; i++) pre.push(`  let ar${i} = aBase + ${row(i)} * K4;`)
    for (let j = 0; j < TN4; j++) pre.push(`  let bc${j} = bBase + ${col(j)};`)
  }
  const acc: string[] = []
  for (let i = 0; i < TM; i++) for (let j = 0; j < TN4; j++) acc.push(`  var c${i}_${j} = vec4f(0.0);`)

  const body: string[] = []
  if (textured) {
    // Rows of B past K read a clamped real row; A's lanes there are zero, so they add nothing.
    for (let r = 0; r < 4; r++) body.push(`    let bk${r} = bRow + ${p.K % 4 === 0 ? `k4 * 4u + ${r}u` : `min(k4 * 4u + ${r}u, ${p.K - 1}u)`};`)
    for (let r = 0; r < 4; r++) for (let j = 0; j < TN4; j++) body.push(`    let b${r}_${j} = textureLoad(Bt, vec2u(bc${j}, bk${r}));`)
  } else {
    body.push(`    let br = k4 * ${4 * N4}u;`)
    for (let r = 0; r < 4; r++) for (let j = 0; j < TN4; j++) body.push(`    let b${r}_${j} = B[bc${j} + br${r === 0 ? '' : ` + ${r * N4}u`}];`)
  }
  for (let i = 0; i < TM; i++) {
    body.push(textured ? `    let a${i} = textureLoad(At, vec2u(k4, ar${i}));` : `    let a${i} = A[ar${i} + k4];`)
    // Plain mul/add, not fma(): fma() lowers to a library call where the CPU path lacks fused multiply-add.
    for (let j = 0; j < TN4; j++) body.push(`    c${i}_${j} += a${i}.x * b0_${j} + a${i}.y * b1_${j} + a${i}.z * b2_${j} + a${i}.w * b3_${j};`)
  }

  const stores = (io: KernelIO): string[] => {
    const lines: string[] = []
    if (bias !== undefined) {
      // Epilogue only: clamped lanes past N are computed but never stored.
      for (let j = 0; j < TN4; j++) {
        const col = clampCols ? `min(n4 + ${j}u, ${N4 - 1}u)` : `(n4 + ${j}u)`
        const lanes = [0, 1, 2, 3].map((l) => io.load(bias, N % 4 === 0 ? `${col} * 4u + ${l}u` : `min(${col} * 4u + ${l}u, ${N - 1}u)`))
        lines.push(`  let bias${j} = vec4f(${lanes.join(', ')});`)
      }
    }
    for (let i = 0; i < TM; i++) {
      const row: string[] = [`    let oRow = (bat * M + m0 + ${i}u) * ${vecOut ? 'N4' : 'N'};`]
      for (let j = 0; j < TN4; j++) {
        const value = bias !== undefined ? `c${i}_${j} + bias${j}` : `c${i}_${j}`
        if (vecOut) {
          const st = io.store4(`oRow + n4 + ${j}u`, value)
          row.push(clampCols ? `    if (n4 + ${j}u < N4) { ${st} }` : `    ${st}`)
        } else {
          row.push(`    if (n4 + ${j}u < N4) {`)
          row.push(`      let v = ${value};`)
          row.push(`      let o = oRow + (n4 + ${j}u) * 4u;`)
          row.push(`      ${io.store('o', 'v.x')}`)
          for (let l = 1; l < 4; l++) row.push(`      if (o + ${l}u < oRow + N) { ${io.store(`o + ${l}u`, `v.${'xyzw'[l]}`)} }`)
          row.push(`    }`)
        }
      }
      // Row 0 of a tile always exists (m0 < M was checked).
      lines.push(`  ${clampRows && i > 0 ? `if (m0 + ${i}u < M) ` : ''}{\n${row.join('\n')}\n  }`)
    }
    return lines
  }

  const groups: [number, number, number] = [Math.ceil(N4 / TN4 / wx), Math.ceil(M / TM / wy), batchCount]
  const maxGroups = target.maxComputeWorkgroupsPerDimension
  if (groups.some((g) => g > maxGroups)) {
    throw new RangeError(`matmul: ${batchCount}×${M}×${N} needs ${groups.join('×')} workgroups, over the limit of ${maxGroups} per dimension; split the batch`)
  }
  return {
    label: `shapewise matmul ${textured ? 'texture' : 'buffer'} tile ${TM}x${t.tileN} batch ${batchCount} ${M}x${N}x${p.K}${bias !== undefined ? ' +bias' : ''}`,
    bindings,
    dispatch: { workgroupSize: [wx, wy], workgroups: groups },
    epilogue: true,
    module: () => `const M = ${M}u;\nconst N = ${N}u;\nconst N4 = ${N4}u;\nconst K4 = ${K4}u;`,
    body: (io) => `  let n4 = gid.x * ${TN4}u;
  let m0 = gid.y * ${TM}u;
  let bat = gid.z;
  if (n4 >= N4 || m0 >= M) { return; }
${pre.join('\n')}
${acc.join('\n')}
  for (var k4 = 0u; k4 < K4; k4++) {
${body.join('\n')}
  }
${stores(io).join('\n')}`,
  }
}

// Below about a million multiply-adds the two texture copies cost more than they save
// (llvmpipe: 64×120×84 took 1.20 ms through textures, 0.76 ms through buffers; 128×256×128 1.24 vs 2.23).
const TEXTURE_MIN_WORK = 1 << 20

/**
 * The texture form of a product (A and B copied into rgba32float textures,
 * which also zero-pads K; B transposed first, for linear), offered to the
 * choose-operand-layout pass when the product is big enough to pay for the copies.
 */
const textureOffer = (p: MatmulProblem, tiling: MatmulTiling, target: KernelTarget): TextureOffer | undefined => {
  const { M, N, K } = p
  if (sizeOf(p.batch) * M * N * K < TEXTURE_MIN_WORK) return undefined
  const scratchBytes: number[] = []
  const prepare: KernelStep[] = []
  let bSource: Operand = { input: 1 }
  if (p.bTransposed) {
    const id = scratchBytes.push(sizeOf(p.bBatch) * K * N * 4) - 1
    prepare.push(packStep(1, id, sizeOf(p.bBatch), K, N, K, N, true))
    bSource = { scratch: id }
  }
  return {
    operands: [
      { source: { input: 0 }, rows: sizeOf(p.aBatch) * M, cols: K },
      { source: bSource, rows: sizeOf(p.bBatch) * K, cols: N },
    ],
    scratchBytes,
    prepare,
    step: tiledStep(p, tiling, { kind: 'texture' }, target),
  }
}

/**
 * Lowers a batched product: pack steps where an operand is unaligned, then
 * the kernel over storage buffers, with the texture form offered to the
 * choose-operand-layout pass (see textureOffer).
 */
/**
 * Up to these rows of x and multiply-adds a linear layer multiplies W's rows as they are stored
 * (rowDotStep): LeNet-5's layers at batch 64 (the largest 3.1M multiply-adds) and below. The row
 * dots run at a fraction of the tiled kernel's rate, which wins only while the transpose and
 * the dispatches it saves cost more than the product.
 */
const ROW_DOT_MAX_ROWS = 64
const ROW_DOT_MAX_WORK = 1 << 22

/**
 * A linear layer over few rows of x (an inference batch): each invocation takes up to 4 rows of x
 * × 4 rows of W [N, K] and accumulates their dot products along K in vec4 steps, both operands
 * read as stored. The tiled kernel wants W as K×N and transposes it into scratch first on every
 * call, a dispatch that at batch 1 costs more than the product (LeNet-5's 400→120 layer: 0.35 ms
 * of a 1 ms forward, bench/README.md).
 */
const rowDotStep = (p: MatmulProblem): KernelStep => {
  const { M, N, K, bias } = p
  const K4 = K / 4
  const TM = Math.min(4, M)
  const rowTiles = Math.ceil(M / TM)
  const colTiles = Math.ceil(N / 4)
  const wx = 8
  const I = Array.from({ length: TM }, (_, i) => i)
  const J = [0, 1, 2, 3]
  const lines = (xs: string[]) => xs.join('\n')
  return {
    label: `shapewise linear ${M}x${K} · (${N}x${K})ᵀ: row dots, ${TM} rows x 4 columns`,
    bindings: [
      { input: 0, view: { name: 'x4', type: 'vec4f', length: M * K4 } },
      { input: 1, view: { name: 'w4', type: 'vec4f', length: N * K4 } },
      ...(bias !== undefined ? [{ input: bias, view: { name: 'bias', type: 'f32', length: N } } as const] : []),
      { output: true },
    ],
    dispatch: { workgroupSize: [wx, 1], workgroups: [Math.ceil(colTiles / wx), rowTiles, 1] },
    epilogue: true,
    body: (io) => `  if (gid.x >= ${colTiles}u) { return; }
  let n0 = gid.x * 4u;
  let m0 = gid.y * ${TM}u;
${lines(I.map((i) => `  let xr${i} = min(m0 + ${i}u, ${M - 1}u) * ${K4}u;`))}
${lines(J.map((j) => `  let wr${j} = min(n0 + ${j}u, ${N - 1}u) * ${K4}u;`))}
${lines(I.flatMap((i) => J.map((j) => `  var acc${i}_${j} = 0.0;`)))}
  for (var k = 0u; k < ${K4}u; k++) {
${lines(J.map((j) => `    let w${j} = w4[wr${j} + k];`))}
${lines(I.flatMap((i) => [`    let x${i} = x4[xr${i} + k];`, ...J.map((j) => `    acc${i}_${j} += dot(x${i}, w${j});`)]))}
  }
${lines(I.flatMap((i) => J.map((j) => {
  const value = `acc${i}_${j}${bias !== undefined ? ` + bias[n0 + ${j}u]` : ''}`
  return `  if (m0 + ${i}u < ${M}u && n0 + ${j}u < ${N}u) { ${io.store(`(m0 + ${i}u) * ${N}u + n0 + ${j}u`, value)} }`
})))}`,
  }
}

export const lowerMatmul = (p: MatmulProblem, target: KernelTarget = DEFAULT_TARGET, tiling: MatmulTiling = chooseTiling(p, target)): Lowering => {
  const { M, N, K } = p
  const total = sizeOf(p.batch) * M * N
  if (total === 0) return { steps: [] }
  if (K === 0) {
    // An empty sum: zeros, plus the bias if any.
    const bias = p.bias
    const step: KernelStep = {
      label: `shapewise matmul K=0 ${total}x${N}`,
      bindings: [...(bias === undefined ? [] : [{ input: bias }]), { output: true }],
      dispatch: { threads: total },
      body: (io) => `  ${io.store('i', bias === undefined ? '0.0' : io.load(bias, `i % ${N}u`))}`,
    }
    return { steps: [step] }
  }
  if (p.bTransposed && K % 4 === 0 && M <= ROW_DOT_MAX_ROWS && M * N * K <= ROW_DOT_MAX_WORK && sizeOf(p.batch) === 1) return { steps: [rowDotStep(p)] }
  const Kp = roundUp(K, 4)
  const Np = roundUp(N, 4)
  const scratchBytes: number[] = []
  const steps: KernelStep[] = []
  let a: Operand = { input: 0 }
  let b: Operand = { input: 1 }
  if (Kp !== K) {
    const id = scratchBytes.push(sizeOf(p.aBatch) * M * Kp * 4) - 1
    steps.push(packStep(0, id, sizeOf(p.aBatch), M, K, M, Kp, false))
    a = { scratch: id }
  }
  if (Kp !== K || Np !== N || p.bTransposed) {
    const id = scratchBytes.push(sizeOf(p.bBatch) * Kp * Np * 4) - 1
    steps.push(packStep(1, id, sizeOf(p.bBatch), K, N, Kp, Np, p.bTransposed))
    b = { scratch: id }
  }
  steps.push(tiledStep(p, tiling, { kind: 'buffer', a, b }, target))
  const offer = textureOffer(p, tiling, target)
  return offer ? { scratchBytes, steps, textureOffer: offer } : { scratchBytes, steps }
}

/** The product a matmul node computes, with 1-D operands promoted as PyTorch does. */
export const matmulProblem = (node: NodeOf<'matmul'>): MatmulProblem => {
  const [a, b] = node.inputs
  const a2 = a.shape.length === 1 ? [1, a.shape[0]] : a.shape
  const b2 = b.shape.length === 1 ? [b.shape[0], 1] : b.shape
  const aBatch = a2.slice(0, -2)
  const bBatch = b2.slice(0, -2)
  return {
    M: a2[a2.length - 2],
    K: a2[a2.length - 1],
    N: b2[b2.length - 1],
    batch: broadcastShapes('matmul', aBatch, bBatch),
    aBatch,
    bBatch,
    bTransposed: false,
  }
}

/** linear: x [..., K] · W[N, K]ᵀ + bias[N], the leading dims of x flattened into M. */
export const linearProblem = (node: NodeOf<'linear'>): MatmulProblem => {
  const [x, w] = node.inputs
  const K = x.shape[x.shape.length - 1]
  return {
    M: sizeOf(x.shape.slice(0, -1)),
    K,
    N: w.shape[0],
    batch: [],
    aBatch: [],
    bBatch: [],
    bTransposed: true,
    bias: node.inputs.length > 2 ? 2 : undefined,
  }
}

export const lowerMatmulNode = (node: NodeOf<'matmul'>, target: KernelTarget): Lowering => lowerMatmul(matmulProblem(node), target)
export const lowerLinear = (node: NodeOf<'linear'>, target: KernelTarget): Lowering => lowerMatmul(linearProblem(node), target)
