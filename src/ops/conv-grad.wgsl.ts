/**
 * WGSL of `convWeightGrad`, the weight gradient of a (transposed) convolution:
 *
 *   out[a, b, k…] = Σ_{n, o…} outside[n, a, o…] · inside[n, g·B + b, o·stride − padLeft + k·dilation]
 *
 * (g = a / (A/groups); positions outside `inside` read as zero). The weight is
 * small and the reduction long (LeNet: 150 weights × 36,864 positions), so the
 * reduction is split, in two steps through a scratch buffer:
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

import type { ConvAxisParams as AxisParams } from '../core/params.ts'

/** Invocations step 1 aims for: enough to fill every core's SIMD lanes many times over. */
const TARGET_INVOCATIONS = 1024
/** The fewest output positions one invocation should reduce over (amortizes its setup and its partial). */
const MIN_POSITIONS = 64
/** Largest tap tile along the last kernel axis. */
const MAX_TAPS = 8

const unitAxis: AxisParams = { stride: 1, padLeft: 0, dilation: 1 }

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
  const [inside, outside] = node.inputs
  const axesAttr = node.params.axes
  const groups = node.params.groups
  const rank = node.shape.length - 2
  if (rank < 1 || rank > 3) throw new Error(`convWeightGrad: expects 1 to 3 spatial axes, got weight [${node.shape.join(', ')}]`)
  const [A, B] = node.shape
  // (z, y, x) with unit leading axes below rank 3; the depth loop and terms only when `deep`.
  const deep = rank === 3
  const units = Array.from({ length: 3 - rank }, () => 1)
  const [az, ay, ax] = [...units.map(() => unitAxis), ...axesAttr]
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
  const sum: KernelStep = {
    label: `convWeightGrad: sum of ${splits} partials`,
    bindings: [partialsBinding, { output: true }],
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
  }
  const scratch = direct ? {} : { scratchBytes: [splits * WSIZE * 4] }
  const finish = direct ? [] : [sum]

  // Texture operands: `inside` as (⌈W/4⌉ texels) × (N·CIN·H rows), `outside` as (⌈WO/4⌉) × (N·A·HO).
  const insideTexture = [Math.ceil(W / 4), N * CIN * H] as const
  const outsideTexture = [Math.ceil(WO / 4), N * A * HO] as const
  const texturesFit = [...insideTexture, ...outsideTexture].every((d) => d <= target.maxTextureDimension2D)
  if (!deep && target.textureOperands && texturesFit && colTiles === 1 && ax.stride === 1 && ax.dilation === 1) {
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

