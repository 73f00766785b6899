/**
 * WGSL of `convWeightGrad`, the weight gradient of a (transposed) convolution:
 *
 *   out[a, b, k…] = Σ_{n, o…} outside[n, a, o…] · inside[n, g·B + b, o·stride − padLeft + k·dilation]
 *
 * (g = a / (A/groups); positions outside `inside` read as zero).
 *
 * Wide convolutions (ResNet-18's 64–512 channels) run as an implicit GEMM over
 * the forward conv's repacked channels-last operands (convWeightGradGemm, at
 * the end of this file). Narrow ones (LeNet's 1→6 and 6→16 on a target that
 * prefers textures; 1→6 and depthwise ones everywhere) and 3-D ones run the
 * partials forms below. There the weight is small and the
 * reduction long (LeNet: 150 weights × 36,864 positions), so the reduction is
 * split, in two steps through a scratch buffer:
 *
 * 1. partials: the rows (n, o_y) of the reduction are cut into S chunks. Each
 *    invocation owns one chunk and a register tile of TA output channels ×
 *    TK taps along the last kernel axis (named scalar accumulators in
 *    straight-line code: llvmpipe keeps indexed private arrays in memory).
 *    Per output position it loads TA `outside` values and TK `inside`
 *    values and does TA·TK multiply-adds. Invocations next to each other
 *    share their chunk, so a SIMD batch reads the same rows.
 * 2. out[w] = Σ_s partials[s][w]: one invocation per weight element (skipped
 *    when there is a single chunk; step 1 then writes the output directly).
 *
 * Where the target prefers texture operands (llvmpipe) and the last axis has
 * stride 1 and no dilation, step 1 reads both operands as rgba32float
 * textures (each row of `inside` and `outside` as ⌈W/4⌉ texels) instead:
 * per row it walks the outputs four at a time, one texel of `outside` per
 * channel and a few texels of `inside` covering every tap of the four, and
 * does TA·KW four-wide dot products. That is 4–6× fewer loads per
 * multiply-add than the scalar step, and on llvmpipe a texel load costs
 * about what a scalar storage-buffer load does.
 *
 * The rows of the reduction are (n, (o_z,) o_y) and an invocation's taps ((kz,) ky, kx…): a 3-D
 * convolution adds the depth axis to both (in the buffer form); a 1-D one runs as a 2-D one with
 * a unit leading spatial axis.
 */
import type { NodeOf } from '../graph.ts'
import { DEFAULT_TARGET, type KernelBinding, type KernelIO, type KernelStep, type KernelTarget, type Lowering } from '../compiler/kernel.ts'
import { sizeOf } from '../compiler/wgsl.ts'
import { correlationAxis, repackChannelsLast, unitAxis } from './conv.wgsl.ts'
import { convWeightGradWinograd, prefersWinogradWeightGrad } from './conv-winograd.wgsl.ts'

import type { ConvAxisParams as AxisParams } from '../core/params.ts'

/** Invocations step 1 aims for: enough to fill every core's SIMD lanes many times over. */
const TARGET_INVOCATIONS = 1024
/** The fewest output positions one invocation should reduce over (amortizes its setup and its partial). */
const MIN_POSITIONS = 64
/** Largest tap tile along the last kernel axis. */
const MAX_TAPS = 8

const unitParams: AxisParams = { stride: 1, padLeft: 0, dilation: 1 }

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/** The depth axis of a 3-D convolution's weight gradient (buffer form only): kernel depth, input and output depths, its axis. */
interface Depth {
  readonly KD: number
  readonly D: number
  readonly DO: number
  readonly az: AxisParams
}

/**
 * WGSL shared by both forms of step 1: which weights invocation `i` owns — a tile of TA channels from
 * a0 (input channel c of the group), kernel row ky (and plane kz), taps from kx0 — and which chunk of
 * rows it reduces; then the loop over the chunk's rows (n, (oz,) oy), skipping those whose input row
 * (or plane) is padding.
 */
const ownedTile = (o: { perSplit: number; colTiles: number; TK: number; KH: number; B: number; TA: number; AG: number }, depth?: Depth) => `  let t = i % ${o.perSplit}u;
  let chunk = i / ${o.perSplit}u;
  let ct = t % ${o.colTiles}u;
  let r1 = t / ${o.colTiles}u;
  let ky = r1 % ${o.KH}u;${depth ? `\n  let kz = (r1 / ${o.KH}u) % ${depth.KD}u;` : ''}
  let r2 = r1 / ${o.KH * (depth?.KD ?? 1)}u;
  let b = r2 % ${o.B}u;
  let a0 = (r2 / ${o.B}u) * ${o.TA}u;
  let c = (a0 / ${o.AG}u) * ${o.B}u + b;
  let kx0 = i32(ct * ${o.TK}u);`
const chunkRows = (o: { rowsPerChunk: number; rows: number; HO: number; H: number; ay: AxisParams }, depth?: Depth) => `  let rowEnd = min((chunk + 1u) * ${o.rowsPerChunk}u, ${o.rows}u);
  for (var r = chunk * ${o.rowsPerChunk}u; r < rowEnd; r++) {
    let n = r / ${o.HO * (depth?.DO ?? 1)}u;${depth ? `
    let oz = (r / ${o.HO}u) % ${depth.DO}u;
    let iz = i32(oz) * ${depth.az.stride} - ${depth.az.padLeft} + i32(kz) * ${depth.az.dilation};
    if (iz < 0 || iz >= ${depth.D}) { continue; }` : ''}
    let oy = r % ${o.HO}u;
    let iy = i32(oy) * ${o.ay.stride} - ${o.ay.padLeft} + i32(ky) * ${o.ay.dilation};
    if (iy < 0 || iy >= ${o.H}) { continue; }`
/** The statements storing accumulator acc{i}_{j} of the tile at its weight (partial `chunk` unless direct); `only(j)` guards ragged taps. */
const storeTile = (
  io: KernelIO, tile: readonly (readonly [number, number])[], o: { B: number; KH: number; KW: number; WSIZE: number; direct: boolean },
  only = (_: number) => '', depth?: Depth,
) => {
  const KD = depth?.KD ?? 1
  return `  let wbase = ${o.direct ? '' : `chunk * ${o.WSIZE}u + `}((a0 * ${o.B}u + b) * ${KD * o.KH}u + ${depth ? `kz * ${o.KH}u + ` : ''}ky) * ${o.KW}u + u32(kx0);
${tile
  .map(([i, j]) => {
    const index = `wbase + ${i * o.B * KD * o.KH * o.KW + j}u`
    const store = o.direct ? io.store(index, `acc${i}_${j}`) : `partials[${index}] = acc${i}_${j};`
    return only(j) ? `  if (${only(j)}) { ${store} }` : `  ${store}`
  })
  .join('\n')}`
}

export const convWeightGradLowering = (node: NodeOf<'convWeightGrad'>, target: KernelTarget = DEFAULT_TARGET): Lowering => {
  // A large 3×3 stride-1 one, where the target takes Winograd's form (llvmpipe): 4× fewer multiply-adds.
  if (prefersWinogradWeightGrad(node, target)) return convWeightGradWinograd(node, target)
  const [inside, outside] = node.inputs
  const axesAttr = node.params.axes
  const groups = node.params.groups
  const rank = node.shape.length - 2
  if (rank < 1 || rank > 3) throw new Error(`convWeightGrad: expects 1 to 3 spatial axes, got weight [${node.shape.join(', ')}]`)
  const [A, B] = node.shape
  // (z, y, x) with unit leading axes below rank 3; the depth loop and terms only when `deep`.
  const deep = rank === 3
  const units = Array.from({ length: 3 - rank }, () => 1)
  const [az, ay, ax] = [...units.map(() => unitParams), ...axesAttr]
  const spatial = (shape: readonly number[]) => [...units, ...shape.slice(2)]
  const [KD, KH, KW] = spatial(node.shape)
  const [D, H, W] = spatial(inside.shape)
  const [DO, HO, WO] = spatial(outside.shape)
  const depth: Depth | undefined = deep ? { KD, D, DO, az } : undefined
  const N = inside.shape[0], CIN = inside.shape[1]
  if (outside.shape[1] !== A || outside.shape[0] !== N || CIN !== B * groups)
    throw new Error(`convWeightGrad: inputs [${inside.shape.join(', ')}] and [${outside.shape.join(', ')}] do not fit weight [${node.shape.join(', ')}]`)
  const AG = A / groups
  const WSIZE = sizeOf(node.shape)

  // Register tile: TA channels of one group × TK taps of one kernel row.
  const TA = [4, 3, 2, 1].find((t) => AG % t === 0)!
  const colTiles = Math.ceil(KW / MAX_TAPS)
  const TK = Math.ceil(KW / colTiles)
  const perSplit = (A / TA) * B * KD * KH * colTiles

  // Split the rows (n, (o_z,) o_y) of the reduction into chunks.
  const rows = N * DO * HO
  const positions = rows * WO
  let splits = Math.max(1, Math.min(rows, Math.ceil(TARGET_INVOCATIONS / perSplit), Math.floor(positions / MIN_POSITIONS)))
  // The partials must fit one storage binding.
  splits = Math.min(splits, Math.max(1, Math.floor(target.maxStorageBufferBindingSize / (WSIZE * 4))))
  const rowsPerChunk = Math.max(1, Math.ceil(rows / splits))
  splits = Math.max(1, Math.ceil(rows / rowsPerChunk))
  const direct = splits === 1

  // Taps of a tile past the kernel's last column compute garbage and are not stored.
  const ragged = colTiles * TK !== KW
  // Columns need no bounds test when every real tap of every output lands inside the input.
  const colsInside = ax.padLeft === 0 && (WO - 1) * ax.stride + (KW - 1) * ax.dilation < W && !ragged
  const loadTap = (io: KernelIO, j: number) => {
    const ix = `x0 + ${j * ax.dilation}`
    return colsInside
      ? `let v${j} = ${io.load(0, `ibase + u32(${ix})`)};`
      : `let ix${j} = ${ix};\n        let v${j} = select(0.0, ${io.load(0, `ibase + u32(clamp(ix${j}, 0, ${W - 1}))`)}, ix${j} >= 0 && ix${j} < ${W});`
  }
  const tile = range(TA).flatMap((i) => range(TK).map((j) => [i, j] as const))
  const total = perSplit * splits
  const partialsBinding: KernelBinding = { scratch: 0, view: { name: 'partials', type: 'f32' } }
  const scratch = direct ? {} : { scratchBytes: [splits * WSIZE * 4] }
  const finish = direct ? [] : [sumOfPartials(splits, WSIZE, partialsBinding)]

  // Texture operands: `inside` as (⌈W/4⌉ texels) × (N·CIN·H rows), `outside` as (⌈WO/4⌉) × (N·A·HO).
  const insideTexture = [Math.ceil(W / 4), N * CIN * H] as const
  const outsideTexture = [Math.ceil(WO / 4), N * A * HO] as const
  const texturesFit = [...insideTexture, ...outsideTexture].every((d) => d <= target.maxTextureDimension2D)
  const textureForm = !deep && target.textureOperands && texturesFit && colTiles === 1 && ax.stride === 1 && ax.dilation === 1
  // X' and dY' of the GEMM form, in bytes (the larger must fit one storage binding).
  const repackedBytes = 16 * N * groups * Math.max(
    Math.ceil(B / 4) * ((HO - 1) * ay.stride + (KH - 1) * ay.dilation + 1) * ((WO - 1) * ax.stride + (KW - 1) * ax.dilation + 1),
    Math.ceil(AG / 4) * HO * WO,
  )
  if (prefersGemm({ deep, AG, B, textureForm, repackedBytes, target })) return convWeightGradGemm(node, target)
  if (textureForm) {
    const geometry = { A, B, CIN, AG, H, W, HO, WO, KH, KW, TA, perSplit, rows, rowsPerChunk, WSIZE, direct, ay, padX: ax.padLeft }
    return {
      ...scratch,
      textures: [insideTexture, outsideTexture],
      steps: [
        { copyToTexture: { source: { input: 0 }, texture: 0, rows: insideTexture[1], cols: W } },
        { copyToTexture: { source: { input: 1 }, texture: 1, rows: outsideTexture[1], cols: WO } },
        texturePartials(geometry, splits, total, direct ? { output: true } : partialsBinding),
        ...finish,
      ],
    }
  }

  const partials: KernelStep = {
    label: `convWeightGrad partials: ${splits} chunk(s) of ${rowsPerChunk} row(s), tile ${TA} channels x ${TK} taps`,
    bindings: [{ input: 0 }, { input: 1 }, direct ? { output: true } : partialsBinding],
    dispatch: { threads: total },
    body: (io) => `${ownedTile({ perSplit, colTiles, TK, KH, B, TA, AG }, depth)}
${tile.map(([i, j]) => `  var acc${i}_${j} = 0.0;`).join('\n')}
${chunkRows({ rowsPerChunk, rows, HO, H, ay }, depth)}
    let obase = ((n * ${A}u + a0) * ${DO * HO}u + ${deep ? `oz * ${HO}u + ` : ''}oy) * ${WO}u;
    let ibase = ((n * ${CIN}u + c) * ${D * H}u + ${deep ? `u32(iz) * ${H}u + ` : ''}u32(iy)) * ${W}u;
    for (var ox = 0u; ox < ${WO}u; ox++) {
${range(TA).map((i) => `      let o${i} = ${io.load(1, `obase + ${i * DO * HO * WO}u + ox`)};`).join('\n')}
      let x0 = i32(ox) * ${ax.stride} - ${ax.padLeft} + kx0 * ${ax.dilation};
${range(TK).map((j) => `      ${loadTap(io, j)}`).join('\n')}
${tile.map(([i, j]) => `      acc${i}_${j} = fma(o${i}, v${j}, acc${i}_${j});`).join('\n')}
    }
  }
${storeTile(io, tile, { B, KH, KW, WSIZE, direct }, (j) => (ragged && j > 0 ? `kx0 + ${j} < ${KW}` : ''), depth)}`,
  }
  return { ...scratch, steps: [partials, ...finish] }
}

/** What the texture form of step 1 needs to know of the reduction (see convWeightGradLowering). */
interface Geometry {
  readonly A: number
  readonly B: number
  readonly CIN: number
  readonly AG: number
  readonly H: number
  readonly W: number
  readonly HO: number
  readonly WO: number
  readonly KH: number
  readonly KW: number
  readonly TA: number
  readonly perSplit: number
  readonly rows: number
  readonly rowsPerChunk: number
  readonly WSIZE: number
  readonly direct: boolean
  readonly ay: AxisParams
  readonly padX: number
}

const LANES = ['x', 'y', 'z', 'w'] as const

/**
 * Step 1 over texture operands, for a last axis of stride 1 and no dilation. An invocation owns
 * TA channels × one kernel row (all KW taps) × one chunk of rows. Outputs ox = 4q … 4q + 3 read
 * inside columns 4q − padX … 4q + 2 − padX + KW: texels q + s0 … q + s0 + T − 1, whose flat lane
 * m is column 4(q + s0) + m, so tap kx of the four outputs is lanes c0 + kx … c0 + kx + 3 — fixed
 * per kx, chosen when the kernel is written. Texels left of column 0 or right of the row read as
 * zero (padding); so do the copy's lanes past W. Outputs past WO (the last quad's spare lanes) are
 * masked out of the window rather than trusted to meet a zero, so a non-finite input there is not
 * multiplied in.
 */
const texturePartials = (g: Geometry, splits: number, total: number, target: KernelBinding): KernelStep => {
  const { A, B, CIN, AG, H, W, HO, WO, KH, KW, TA, perSplit, rows, rowsPerChunk, WSIZE, direct, ay, padX } = g
  const quads = Math.ceil(WO / 4)
  const texelsPerRow = Math.ceil(W / 4)
  const s0 = Math.floor(-padX / 4)
  const c0 = -padX - 4 * s0
  const T = Math.floor((c0 + 2 + KW) / 4) + 1
  const lane = (m: number) => `t${m >> 2}.${LANES[m & 3]}`
  // Texel j is read at column q + s0 + j; it can fall left of the row for q = 0, right of it for the last q.
  const texel = (j: number) => {
    const left = s0 + j < 0
    const right = quads - 1 + s0 + j >= texelsPerRow
    const column = `i32(q) + ${s0 + j}`
    if (!left && !right) return `let t${j} = textureLoad(tin, vec2u(u32(${column}), irow));`
    const tests = [...(left ? [`${column} >= 0`] : []), ...(right ? [`${column} < ${texelsPerRow}`] : [])].join(' && ')
    return `let t${j} = select(vec4f(0.0), textureLoad(tin, vec2u(u32(clamp(${column}, 0, ${texelsPerRow - 1})), irow)), ${tests});`
  }
  const ragged = WO % 4 !== 0
  const window = (kx: number) => {
    const lanes = `vec4f(${range(4).map((l) => lane(c0 + kx + l)).join(', ')})`
    return ragged ? `select(vec4f(0.0), ${lanes}, live)` : lanes
  }
  const tile = range(TA).flatMap((i) => range(KW).map((k) => [i, k] as const))
  return {
    label: `convWeightGrad partials: ${splits} chunk(s) of ${rowsPerChunk} row(s), tile ${TA} channels x ${KW} taps, 4 outputs a step, texture operands`,
    bindings: [{ texture: 0, name: 'tin' }, { texture: 1, name: 'tout' }, target],
    dispatch: { threads: total },
    body: (io) => `${ownedTile({ perSplit, colTiles: 1, TK: KW, KH, B, TA, AG })}
${tile.map(([i, k]) => `  var acc${i}_${k} = 0.0;`).join('\n')}
${chunkRows({ rowsPerChunk, rows, HO, H, ay })}
    let orow = (n * ${A}u + a0) * ${HO}u + oy;
    let irow = (n * ${CIN}u + c) * ${H}u + u32(iy);
    for (var q = 0u; q < ${quads}u; q++) {
${range(TA).map((i) => `      let o${i} = textureLoad(tout, vec2u(q, orow + ${i * HO}u));`).join('\n')}
${range(T).map((j) => `      ${texel(j)}`).join('\n')}${ragged ? `\n      let live = vec4u(q * 4u) + vec4u(0u, 1u, 2u, 3u) < vec4u(${WO}u);` : ''}
${range(KW).map((k) => `      let w${k} = ${window(k)};`).join('\n')}
${tile.map(([i, k]) => `      acc${i}_${k} += dot(o${i}, w${k});`).join('\n')}
    }
  }
${storeTile(io, tile, { B, KH, KW, WSIZE, direct })}`,
  }
}

/** out[w] = Σ_s partials[s][w]: one invocation per weight element, two running sums. */
const sumOfPartials = (splits: number, WSIZE: number, partials: KernelBinding): KernelStep => ({
  label: `convWeightGrad: sum of ${splits} partials`,
  bindings: [partials, { output: true }],
  dispatch: { threads: WSIZE },
  body: (io) => `  var s0 = 0.0;
  var s1 = 0.0;
  var s = 0u;
  for (; s + 1u < ${splits}u; s += 2u) {
    s0 += partials[s * ${WSIZE}u + i];
    s1 += partials[(s + 1u) * ${WSIZE}u + i];
  }
  if (s < ${splits}u) { s0 += partials[s * ${WSIZE}u + i]; }
  ${io.store('i', 's0 + s1')}`,
})

/** Register tile of the GEMM form: vec4s of output channels (a) × vec4s of input channels (b) per invocation. */
export interface WeightGradTile {
  readonly a4: number
  readonly b4: number
}

/**
 * Invocations the GEMM form aims for before it splits the positions: ≥ 64 workgroups of 64, so 2–16
 * cores stay busy to the end. 1024 and 16384 both took more CPU time on ResNet-18's 64→64 and 128→128.
 */
const GEMM_TARGET_INVOCATIONS = 4096
/** The fewest positions a chunk of the GEMM form reduces over (amortizes its setup, its stores and its partial). */
const GEMM_MIN_POSITIONS = 256

/**
 * The largest tile of at most 4 × 4 vec4s (16 × 16 channels) that divides the group's channel vec4s.
 * On llvmpipe (bench/weight-grad.ts, ResNet-18's 64→64 at 32², 128→128 at 16², 512→512 at 4², batch
 * 32) 4 × 4 took 0.75–0.9 of 2 × 4's CPU time and 0.6–0.75 of 2 × 2's; 4 × 8, 8 × 4 and 3 × 4 were no
 * faster, nor was summing 2 or 4 positions into each accumulator update.
 */
export const defaultWeightGradTile = (a4: number, b4: number): WeightGradTile => ({
  a4: [4, 2, 1].find((t) => a4 % t === 0)!,
  b4: [4, 2, 1].find((t) => b4 % t === 0)!,
})

/**
 * Whether the GEMM form runs: 1-D and 2-D weight gradients whose repacked operands fit a storage
 * binding and whose groups have at least 8 input and output channels, or at least 2 where the
 * texture form of the partials step does not apply (the ResNet stem's 3→64 at batch 32, whose
 * operands are over the texture size). With fewer, vec4s of channels are mostly padding: on a
 * texture target LeNet-5's 1→6 and 6→16 keep the partials forms (on a buffer target 6→16 takes the
 * GEMM), and a depthwise conv (one channel per group) keeps them everywhere.
 */
const prefersGemm = (g: { deep: boolean; B: number; AG: number; textureForm: boolean; repackedBytes: number; target: KernelTarget }) =>
  !g.deep && g.repackedBytes <= g.target.maxStorageBufferBindingSize && Math.min(g.AG, g.B) >= (g.textureForm ? 8 : 2)

/**
 * The weight gradient as an implicit GEMM (M = output channels a of a group, N = input channels b,
 * K = positions (n, o…), one GEMM per tap and group), like the forward conv (conv.wgsl.ts):
 *
 * 1. one dispatch repacks `inside` into the forward's padded channels-last X'[n][g][h][w][b]
 *    (repackChannelsLast: the padding's zeros are in X', so every tap is an in-bounds load) and
 *    `outside` into dY'[n][g][oy][ox][a] (the same repack with a 1×1 window);
 * 2. each invocation owns one tap (ky, kx), tile.a4 vec4s of a and tile.b4 vec4s of b
 *    (defaultWeightGradTile), and walks its chunk of positions in one flat loop (one loop over
 *    rows and one over columns took as long or, at 4² and 8², longer): per position tile.a4 +
 *    tile.b4 vec4 loads and 16·a4·b4 multiply-adds into named vec4 accumulators
 *    (acc{i}_{l}_{j} holds a = 4i + l against b = 4j…4j + 3);
 * 3. when the taps × channel tiles alone would leave cores idle, the positions are cut into
 *    chunks of whole rows (n, oy) whose partial weights a sum step adds (as in the partials form above).
 *
 * X' and dY' are read as textures where the target prefers them and both fit its 2-D texture
 * size (rows N·g·Ph and N·g·HO), else as storage buffers.
 */
export const convWeightGradGemm = (node: NodeOf<'convWeightGrad'>, target: KernelTarget = DEFAULT_TARGET, tile?: WeightGradTile): Lowering => {
  const [inside, outside] = node.inputs
  const groups = node.params.groups
  const rank = node.shape.length - 2
  if (rank < 1 || rank > 2) throw new Error(`convWeightGrad: the GEMM form takes 1 or 2 spatial axes, got weight [${node.shape.join(', ')}]`)
  const [A, B] = node.shape
  const AG = A / groups
  const unit = Array.from({ length: 2 - rank }, () => 1)
  const spatial = (shape: readonly number[]) => [...unit, ...shape.slice(2)]
  const [KH, KW] = spatial(node.shape)
  const [H, W] = spatial(inside.shape)
  const [HO, WO] = spatial(outside.shape)
  const axes = [...unit.map(() => unitParams), ...node.params.axes]
  // X' over `inside` (the forward's windows), dY' over `outside` (1×1 windows, no padding). Along
  // an axis of one tap and stride s (ResNet's 1×1 stride-2 shortcuts), X' holds only the positions
  // read, x[j·s − p], and is read at stride 1: a repack s times smaller.
  const xAxis = (k: number) => {
    const { stride, dilation, padLeft } = axes[k]
    const [input, output, kernel] = [[H, W][k], [HO, WO][k], [KH, KW][k]]
    if (kernel > 1 || stride === 1) return correlationAxis(input, output, kernel, stride, dilation, padLeft)
    return {
      ...correlationAxis(input, output, 1, 1, 1, 0),
      gather: (j: string, src: string, ok: string) => `let ${src} = ${j} * ${stride} - ${padLeft};\n  let ${ok} = ${src} >= 0 && ${src} < ${input};`,
    }
  }
  const [xh, xw] = [xAxis(0), xAxis(1)]
  const [yh, yw] = [HO, WO].map((size) => correlationAxis(size, size, 1, 1, 1, 0))
  const N = inside.shape[0]
  const a4 = Math.ceil(AG / 4), b4 = Math.ceil(B / 4)
  const t = tile ?? defaultWeightGradTile(a4, b4)
  if (a4 % t.a4 !== 0 || b4 % t.b4 !== 0) throw new Error(`convWeightGrad: tile ${t.a4}x${t.b4} vec4s does not divide ${a4}x${b4} vec4s of channels`)
  const aTiles = Math.ceil(a4 / t.a4), bTiles = Math.ceil(b4 / t.b4)
  const taps = KH * KW
  const WSIZE = sizeOf(node.shape)
  const xVec4s = N * groups * xh.padded * xw.padded * b4
  const yVec4s = N * groups * HO * WO * a4

  // Chunks of rows (n, oy) when the tiles alone are too few invocations.
  const perChunk = bTiles * aTiles * taps * groups
  const rows = N * HO
  let splits = Math.max(1, Math.min(rows, Math.ceil(GEMM_TARGET_INVOCATIONS / perChunk), Math.floor((rows * WO) / GEMM_MIN_POSITIONS)))
  splits = Math.min(splits, Math.max(1, Math.floor(target.maxStorageBufferBindingSize / (WSIZE * 4))))
  const rowsPerChunk = Math.ceil(rows / splits)
  splits = Math.ceil(rows / rowsPerChunk)
  const direct = splits === 1

  const name = `convWeightGrad [${inside.shape.join(', ')}] x [${outside.shape.join(', ')}] -> [${node.shape.join(', ')}]`
  const repack: KernelStep = {
    label: `${name}: repack inside to padded channels-last X', outside to channels-last dY'`,
    bindings: [{ input: 0 }, { input: 1 }, { scratch: 0, view: { name: 'xp', type: 'vec4f' } }, { scratch: 1, view: { name: 'yp', type: 'vec4f' } }],
    dispatch: { threads: xVec4s + yVec4s },
    module: (io) => `${repackChannelsLast(io, { name: 'repack_inside', operand: 0, into: 'xp', axes: [unitAxis, xh, xw], groups, channels: B, firstSample: 0 })}
${repackChannelsLast(io, { name: 'repack_outside', operand: 1, into: 'yp', axes: [unitAxis, yh, yw], groups, channels: AG, firstSample: 0 })}`,
    body: () => `  if (i < ${xVec4s}u) { repack_inside(i); } else { repack_outside(i - ${xVec4s}u); }`,
  }
  // As textures: X' is (Pw·b4 texels) × (N·g·Ph rows), dY' (WO·a4) × (N·g·HO).
  const xTexture = [xw.padded * b4, N * groups * xh.padded] as const
  const yTexture = [WO * a4, N * groups * HO] as const
  const textures = target.textureOperands && [...xTexture, ...yTexture].every((d) => d <= target.maxTextureDimension2D)
  const partialsBinding: KernelBinding = { scratch: 2, view: { name: 'partials', type: 'f32' } }
  const load = (operand: 'xp' | 'yp', row: string, column: string) =>
    textures ? `textureLoad(${operand}, vec2u(${column}, ${row}))` : `${operand}[(${row}) * ${operand === 'xp' ? xTexture[0] : yTexture[0]}u + ${column}]`
  const I = range(t.a4), J = range(t.b4), L = range(4)
  const tileAccs = I.flatMap((i) => L.flatMap((l) => J.map((j) => [i, l, j] as const)))
  // Only the last vec4 of a group's channels can hold padding lanes, which are not stored.
  const aCheck = AG % 4 !== 0
  const bCheck = B % 4 !== 0
  const gemm: KernelStep = {
    label: `${name}: implicit GEMM M=${AG}x${groups} N=${B} K=${N}x${HO}x${WO} per tap (${KH}x${KW}), ${splits} chunk(s) of ${rowsPerChunk} row(s), tile ${4 * t.a4} x ${4 * t.b4} channels, ${textures ? 'texture' : 'buffer'} operands`,
    bindings: [
      ...(textures ? [{ texture: 0, name: 'xp' }, { texture: 1, name: 'yp' }] : [{ scratch: 0, view: { name: 'xp', type: 'vec4f' } }, { scratch: 1, view: { name: 'yp', type: 'vec4f' } }]) as KernelBinding[],
      direct ? { output: true } : partialsBinding,
    ],
    dispatch: { threads: perChunk * splits },
    body: (io) => `  let bt = i % ${bTiles}u;
  let at = (i / ${bTiles}u) % ${aTiles}u;
  let tap = (i / ${bTiles * aTiles}u) % ${taps}u;
  let g = (i / ${bTiles * aTiles * taps}u) % ${groups}u;
  let chunk = i / ${perChunk}u;
  let ky = tap / ${KW}u;
  let kx = tap % ${KW}u;
  // First vec4 of this tile's channels in X' and dY', and the tap's offset in X' (rows, texel columns).
  let b0 = bt * ${t.b4}u;
  let a0 = at * ${t.a4}u;
  let xtap = ky * ${xh.dilation}u;
  let xcol0 = kx * ${xw.dilation * b4}u + b0;
${tileAccs.map(([i, l, j]) => `  var acc${i}_${l}_${j} = vec4f(0.0);`).join('\n')}
  let pEnd = min((chunk + 1u) * ${rowsPerChunk * WO}u, ${rows * WO}u);
  for (var p = chunk * ${rowsPerChunk * WO}u; p < pEnd; p++) {
    let r = p / ${WO}u;
    let ox = p % ${WO}u;
    let n = r / ${HO}u;
    let oy = r % ${HO}u;
    let xrow = (n * ${groups}u + g) * ${xh.padded}u + oy * ${xh.stride}u + xtap;
    let yrow = (n * ${groups}u + g) * ${HO}u + oy;
    let xcol = xcol0 + ox * ${xw.stride * b4}u;
    let ycol = ox * ${a4}u + a0;
${I.map((i) => `    let y${i} = ${load('yp', 'yrow', `ycol + ${i}u`)};`).join('\n')}
${J.map((j) => `    let x${j} = ${load('xp', 'xrow', `xcol + ${j}u`)};`).join('\n')}
${tileAccs.map(([i, l, j]) => `    acc${i}_${l}_${j} += y${i}.${LANES[l]} * x${j};`).join('\n')}
  }
${tileAccs.flatMap(([i, l, j]) => L.map((m) => {
    const a = `a0 * 4u + ${4 * i + l}u`, b = `b0 * 4u + ${4 * j + m}u`
    const index = `${direct ? '' : `chunk * ${WSIZE}u + `}((g * ${AG}u + ${a}) * ${B}u + ${b}) * ${taps}u + tap`
    const value = `acc${i}_${l}_${j}.${LANES[m]}`
    const store = direct ? io.store(index, value) : `partials[${index}] = ${value};`
    const checks = [...(aCheck ? [`${a} < ${AG}u`] : []), ...(bCheck ? [`${b} < ${B}u`] : [])]
    return checks.length > 0 ? `  if (${checks.join(' && ')}) { ${store} }` : `  ${store}`
  })).join('\n')}`,
  }
  const scratchBytes = [xVec4s * 16, yVec4s * 16, ...(direct ? [] : [splits * WSIZE * 4])]
  const finish = direct ? [] : [sumOfPartials(splits, WSIZE, partialsBinding)]
  if (!textures) return { scratchBytes, steps: [repack, gemm, ...finish] }
  return {
    scratchBytes,
    textures: [xTexture, yTexture],
    steps: [
      repack,
      { copyToTexture: { source: { scratch: 0 }, texture: 0, rows: xTexture[1], cols: xTexture[0] * 4 } },
      { copyToTexture: { source: { scratch: 1 }, texture: 1, rows: yTexture[1], cols: yTexture[0] * 4 } },
      gemm,
      ...finish,
    ],
  }
}
