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
 * The rows of the reduction are (n, (o_z,) o_y) and an invocation's taps ((kz,) ky, kx…): a 3-D
 * convolution adds the depth axis to both; a 1-D one runs as a 2-D one with a unit leading
 * spatial axis.
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
  const partials: KernelStep = {
    label: `convWeightGrad partials: ${splits} chunk(s) of ${rowsPerChunk} row(s), tile ${TA} channels x ${TK} taps`,
    bindings: [{ input: 0 }, { input: 1 }, direct ? { output: true } : partialsBinding],
    dispatch: { threads: total },
    body: (io) => `  let idx = i;
  let t = idx % ${perSplit}u;
  let chunk = idx / ${perSplit}u;
  let ct = t % ${colTiles}u;
  let r1 = t / ${colTiles}u;
  let ky = r1 % ${KH}u;${deep ? `\n  let kz = (r1 / ${KH}u) % ${KD}u;` : ''}
  let r2 = r1 / ${KD * KH}u;
  let b = r2 % ${B}u;
  let a0 = (r2 / ${B}u) * ${TA}u;
  let c = (a0 / ${AG}u) * ${B}u + b;
  let kx0 = i32(ct * ${TK}u);
${tile.map(([i, j]) => `  var acc${i}_${j} = 0.0;`).join('\n')}
  let rowEnd = min((chunk + 1u) * ${rowsPerChunk}u, ${rows}u);
  for (var r = chunk * ${rowsPerChunk}u; r < rowEnd; r++) {
    let n = r / ${DO * HO}u;${deep ? `
    let oz = (r / ${HO}u) % ${DO}u;
    let iz = i32(oz) * ${az.stride} - ${az.padLeft} + i32(kz) * ${az.dilation};
    if (iz < 0 || iz >= ${D}) { continue; }` : ''}
    let oy = r % ${HO}u;
    let iy = i32(oy) * ${ay.stride} - ${ay.padLeft} + i32(ky) * ${ay.dilation};
    if (iy < 0 || iy >= ${H}) { continue; }
    let obase = ((n * ${A}u + a0) * ${DO * HO}u + ${deep ? `oz * ${HO}u + ` : ''}oy) * ${WO}u;
    let ibase = ((n * ${CIN}u + c) * ${D * H}u + ${deep ? `u32(iz) * ${H}u + ` : ''}u32(iy)) * ${W}u;
    for (var ox = 0u; ox < ${WO}u; ox++) {
${range(TA).map((i) => `      let o${i} = ${io.load(1, `obase + ${i * DO * HO * WO}u + ox`)};`).join('\n')}
      let x0 = i32(ox) * ${ax.stride} - ${ax.padLeft} + kx0 * ${ax.dilation};
${range(TK).map((j) => `      ${loadTap(io, j)}`).join('\n')}
${tile.map(([i, j]) => `      acc${i}_${j} = fma(o${i}, v${j}, acc${i}_${j});`).join('\n')}
    }
  }
  let wbase = ${direct ? '' : `chunk * ${WSIZE}u + `}((a0 * ${B}u + b) * ${KD * KH}u + ${deep ? `kz * ${KH}u + ` : ''}ky) * ${KW}u + u32(kx0);
${tile
  .map(([i, j]) => {
    const index = `wbase + ${i * B * KD * KH * KW + j}u`
    const store = direct ? io.store(index, `acc${i}_${j}`) : `partials[${index}] = acc${i}_${j};`
    return ragged && j > 0 ? `  if (kx0 + ${j} < ${KW}) { ${store} }` : `  ${store}`
  })
  .join('\n')}`,
  }
  if (direct) return { steps: [partials] }

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
  return { scratchBytes: [splits * WSIZE * 4], steps: [partials, sum] }
}

