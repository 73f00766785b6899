/**
 * WGSL of pooling, adaptive/global pooling and batch norm (upsample is lowered
 * by interpolate.wgsl.ts). These
 * are memory-bound and read each input a few times at most, so one
 * invocation per output element is the right shape (unlike conv); window
 * bounds are baked-in constants so the loops unroll.
 */
import type { NodeOf } from '../graph.ts'
import type { KernelIO, KernelStep, Lowering } from '../compiler/kernel.ts'
import { finiteF32 } from '../compiler/render.ts'
import { perElement, sizeOf } from '../compiler/wgsl.ts'
import { poolParams } from '../shape/pool.ts'
import type { AdaptivePoolOp, PoolOp } from '../core/params.ts'

const f32 = (v: number) => finiteF32(Math.fround(v))

/** Names of the spatial axes of a window op, outermost first: (x), (y, x) or (z, y, x). */
export const axisNames = (rank: number) => ['z', 'y', 'x'].slice(3 - rank)

/** WGSL of the row-major offset of (coords…) within spatial `sizes` (i32). */
export const spatialIndex = (sizes: readonly number[], coords: readonly string[]) =>
  coords.reduce((at, c, j) => (j === 0 ? c : `${j > 1 ? `(${at})` : at} * ${sizes[j]} + ${c}`), '')

/** `openings` as nested blocks around `inner`: each opening's first line ends in `{`, the closing braces are added. */
export const nest = (openings: readonly string[], inner: string) =>
  [...openings.map((o, j) => `${'  '.repeat(j + 1)}${o}`), inner, ...openings.map((_, j) => `${'  '.repeat(openings.length - j)}}`)].join('\n')

/** WGSL lines `let <prefix><axis> = …` (i32): the coordinates of element i along each of spatial `sizes`. */
export const spatialCoords = (prefix: string, sizes: readonly number[]) => {
  const names = axisNames(sizes.length)
  return names.map((a, j) => {
    const stride = sizeOf(sizes.slice(j + 1))
    return `  let ${prefix}${a} = i32(${stride === 1 ? 'i' : `(i / ${stride}u)`} % ${sizes[j]}u);`
  }).join('\n')
}

/** Prelude of a per-output kernel: output element i's coordinates `o<axis>` and its (n, c) `plane`. */
const outputCoords = (node: { readonly shape: readonly number[] }) =>
  `${spatialCoords('o', node.shape.slice(2))}\n  let plane = i / ${sizeOf(node.shape.slice(2))}u;`

/** The index in x of input position (i<axis>…) of the element's plane. */
const inputAt = (sizes: readonly number[]) => `plane * ${sizeOf(sizes)}u + u32(${spatialIndex(sizes, axisNames(sizes.length).map((a) => `i${a}`))})`

/** Per-axis window parameters of a pool node, outermost axis first. */
const windows = (node: NodeOf<PoolOp>) => node.shape.slice(2).map((_, j) => poolParams(node.params, j))

// Max pooling: padded positions are skipped, so they never win; NaN wins, as in PyTorch.
const maxPool = (node: NodeOf<PoolOp>) => {
  const sizes = node.inputs[0].shape.slice(2)
  const names = axisNames(sizes.length)
  const taps = windows(node).map((p, j) => {
    const a = names[j]
    return `for (var k${a} = 0; k${a} < ${p.kernel}; k${a}++) {
    let i${a} = o${a} * ${p.stride} - ${p.padding} + k${a} * ${p.dilation};
    if (i${a} < 0 || i${a} >= ${sizes[j]}) { continue; }`
  })
  return perElement(node, (io) => `${outputCoords(node)}
  var m = ${io.literal(-Infinity, 'float32')};
${nest(taps, `      let v = ${io.load(0, inputAt(sizes))};
      if (v > m || v != v) { m = v; }`)}
  ${io.store('i', 'm')}`)
}

// Average pooling, PyTorch's divisor: the window clipped to the padded input
// (countIncludePad, which matters with ceilMode) or the real elements in it.
// Per axis the window is [s, e) within the padded input and [lo, hi) within the input.
const avgPool = (node: NodeOf<PoolOp>) => {
  const sizes = node.inputs[0].shape.slice(2)
  const names = axisNames(sizes.length)
  const includePad = node.params.countIncludePad !== false
  const bounds = windows(node).map((p, j) => {
    const a = names[j]
    return `  let s${a} = o${a} * ${p.stride} - ${p.padding};
  let e${a} = min(s${a} + ${p.kernel}, ${sizes[j] + p.padding});
  let lo${a} = max(s${a}, 0);
  let hi${a} = min(e${a}, ${sizes[j]});`
  })
  const count = names.map((a) => (includePad ? `(e${a} - s${a})` : `(hi${a} - lo${a})`)).join(' * ')
  const loops = names.map((a) => `for (var i${a} = lo${a}; i${a} < hi${a}; i${a}++) {`)
  return perElement(node, (io) => `${outputCoords(node)}
${bounds.join('\n')}
  var s = 0.0;
${nest(loops, `    s += ${io.load(0, inputAt(sizes))};`)}
  ${io.store('i', `s / f32(${count})`)}`)
}

export const lowerMaxPool = (node: NodeOf<PoolOp>): Lowering => ({ steps: [maxPool(node)] })
export const lowerAvgPool = (node: NodeOf<PoolOp>): Lowering => ({ steps: [avgPool(node)] })

// PyTorch's bins: start = floor(i·in/out), end = ceil((i+1)·in/out); they overlap when in % out ≠ 0.
export const lowerAdaptiveAvgPool = (node: NodeOf<AdaptivePoolOp>): Lowering => {
  const sizes = node.inputs[0].shape.slice(2)
  const out = node.shape.slice(2)
  const names = axisNames(sizes.length)
  const bins = names.map((a, j) => `  let lo${a} = (o${a} * ${sizes[j]}) / ${out[j]};
  let hi${a} = ((o${a} + 1) * ${sizes[j]} + ${out[j] - 1}) / ${out[j]};`)
  const loops = names.map((a) => `for (var i${a} = lo${a}; i${a} < hi${a}; i${a}++) {`)
  return {
    steps: [
      perElement(node, (io) => `${outputCoords(node)}
${bins.join('\n')}
  var s = 0.0;
${nest(loops, `    s += ${io.load(0, inputAt(sizes))};`)}
  ${io.store('i', `s / f32(${names.map((a) => `(hi${a} - lo${a})`).join(' * ')})`)}`),
    ],
  }
}

// [N, C, H, W] → [N, C]: one invocation per plane.
const globalPool = (node: NodeOf<'globalAvgPool2d' | 'globalMaxPool2d'>, init: number, combine: string, finish: string) => {
  const [, , h, w] = node.inputs[0].shape
  return perElement(node, (io) => `  var r = ${io.literal(init, 'float32')};
  for (var k = 0u; k < ${h * w}u; k++) {
    let v = ${io.load(0, `i * ${h * w}u + k`)};
    ${combine}
  }
  ${io.store('i', finish)}`)
}
export const lowerGlobalAvgPool2d = (node: NodeOf<'globalAvgPool2d'>): Lowering => {
  const [, , h, w] = node.inputs[0].shape
  return { steps: [globalPool(node, 0, 'r += v;', `r / ${f32(h * w)}`)] }
}
export const lowerGlobalMaxPool2d = (node: NodeOf<'globalMaxPool2d'>): Lowering => ({
  steps: [globalPool(node, -Infinity, 'if (v > r || v != v) { r = v; }', 'r')],
})

// The tree reduction below is written out for 64 lanes.
const STATS_WORKGROUP = 64
const treeSum = (into: string) =>
  [32, 16, 8, 4, 2, 1].map((k) => `  if (lid.x < ${k}u) { ${into}[lid.x] += ${into}[lid.x + ${k}u]; }\n  workgroupBarrier();`).join('\n')
/**
 * Workgroup sums over channel `ch` of an [N, C, H, W] tensor, one per [array, expression] pair:
 * each lane adds the expressions over its elements (`idx`, the element's index, and whatever
 * `reads` loads from it), then a tree over the workgroup array leaves the total in array[0].
 * Each pass has its own arrays: llvmpipe runs the lanes of a workgroup in SIMD batches one after
 * another between barriers, and a read of the first total was seen moved past the barrier, where
 * an earlier batch had already overwritten a shared array with the second pass's partials.
 */
const channelSums = ([n, c, h, w]: readonly number[], sums: readonly (readonly [string, string])[], reads: (index: string) => string) => {
  const hw = h * w
  return `  {
${sums.map(([into], k) => `    var acc${k} = 0.0;`).join('\n')}
    for (var e = lid.x; e < ${n * hw}u; e += ${STATS_WORKGROUP}u) {
      let idx = ((e / ${hw}u) * ${c}u + ch) * ${hw}u + e % ${hw}u;
${reads('idx')}
${sums.map(([, expr], k) => `      acc${k} += ${expr};`).join('\n')}
    }
${sums.map(([into], k) => `    ${into}[lid.x] = acc${k};`).join('\n')}
  }
  workgroupBarrier();
${sums.map(([into]) => treeSum(into)).join('\n')}`
}
/**
 * WGSL of channel `ch`'s batch statistics over x (operand 0), in two passes through the workgroup
 * arrays `sums` and `squares`: `mean`, and `rstd` = 1/sqrt(biased variance + eps). One definition
 * for the forward and the backward, whose formula assumes exactly the forward's statistics.
 */
const channelStatistics = (io: KernelIO, shape: readonly number[], eps: number) => {
  const [n, , h, w] = shape
  const count = f32(n * h * w)
  return `${channelSums(shape, [['sums', 'v']], (at) => `      let v = ${io.load(0, at)};`)}
  let mean = sums[0] / ${count};
${channelSums(shape, [['squares', '(v - mean) * (v - mean)']], (at) => `      let v = ${io.load(0, at)};`)}
  let rstd = 1.0 / sqrt(squares[0] / ${count} + ${f32(eps)});`
}

/**
 * batchNorm2d, inputs [x, weight, bias, runningMean, runningVar].
 * Inference normalises with the running statistics. Training first reduces
 * each channel to (mean, 1/sqrt(biased var + eps)) in a scratch buffer (one
 * workgroup per channel, two passes over the data for an accurate variance),
 * then normalises with them. The running statistics' update is not part of
 * this node's output.
 */
export const lowerBatchNorm2d = (node: NodeOf<'batchNorm2d'>): Lowering => {
  const [, c, h, w] = node.shape
  const eps = f32(node.params.eps)
  const channel = `(i / ${h * w}u) % ${c}u`
  const affine = (io: KernelIO, mean: string, invstd: string) =>
    `  let ch = ${channel};\n  ${io.store('i', `(${io.load(0, 'i')} - ${mean}) * ${invstd} * ${io.load(1, 'ch')} + ${io.load(2, 'ch')}`)}`
  if (node.params.training !== true)
    return { steps: [perElement(node, (io) => affine(io, io.load(3, 'ch'), `(1.0 / sqrt(${io.load(4, 'ch')} + ${eps}))`), { epilogue: true })] }

  const stats = { scratch: 0, view: { name: 'stats', type: 'f32' } } as const
  const statistics: KernelStep = {
    label: `batchNorm2d statistics x${JSON.stringify(node.shape)}`,
    bindings: [{ input: 0 }, stats],
    dispatch: { workgroupSize: [STATS_WORKGROUP, 1], workgroups: [c, 1, 1], ids: ['lid', 'wid'] },
    module: () => `var<workgroup> sums: array<f32, ${STATS_WORKGROUP}>;\nvar<workgroup> squares: array<f32, ${STATS_WORKGROUP}>;`,
    body: (io) => `  let ch = wid.x;
${channelStatistics(io, node.shape, node.params.eps)}
  if (lid.x == 0u) {
    stats[2u * ch] = mean;
    stats[2u * ch + 1u] = rstd;
  }`,
  }
  // The normalisation stores each element once: a following relu, or a residual add and its relu, fuse into it.
  const normalise = perElement(node, (io) => affine(io, 'stats[2u * ch]', 'stats[2u * ch + 1u]'), { extra: [stats], epilogue: true })
  return { scratchBytes: [8 * c], steps: [statistics, normalise] }
}

/**
 * batchNormGradStats, inputs [x, dy] of a training-mode batchNorm2d: per channel, in rows of a
 * [4, C] output, the batch mean, 1/sqrt(biased var + eps), Σdy and Σdy·x̂ (x̂ = (x − mean)·rstd),
 * which are what the input gradient needs and, the last two, the bias and weight gradients.
 * One workgroup per channel: two passes over x for the statistics (as the forward computes
 * them), one over x and dy for both sums.
 */
export const lowerBatchNormGradStats = (node: NodeOf<'batchNormGradStats'>): Lowering => {
  const shape = node.inputs[0].shape
  const c = shape[1]
  return {
    steps: [{
      label: `batchNorm2d backward sums x${JSON.stringify(shape)}`,
      bindings: [{ input: 0 }, { input: 1 }, { output: true }],
      dispatch: { workgroupSize: [STATS_WORKGROUP, 1], workgroups: [c, 1, 1], ids: ['lid', 'wid'] },
      module: () => ['sums', 'squares', 'dys', 'dyxs'].map((a) => `var<workgroup> ${a}: array<f32, ${STATS_WORKGROUP}>;`).join('\n'),
      body: (io) => `  let ch = wid.x;
${channelStatistics(io, shape, node.params.eps)}
${channelSums(shape, [['dys', 'd'], ['dyxs', 'd * (v - mean)']], (at) => `      let v = ${io.load(0, at)};\n      let d = ${io.load(1, at)};`)}
  if (lid.x == 0u) {
    ${io.store('ch', 'mean')}
    ${io.store(`${c}u + ch`, 'rstd')}
    ${io.store(`${2 * c}u + ch`, 'dys[0]')}
    ${io.store(`${3 * c}u + ch`, 'dyxs[0] * rstd')}
  }`,
    }],
  }
}

/**
 * batchNormInputGrad, inputs [x, weight, dy, sums] (sums: batchNormGradStats of x and dy): the
 * input gradient of a training-mode batchNorm2d in one elementwise pass,
 * dx = weight·rstd·(dy − Σdy/m − x̂·Σdy·x̂/m) over the m = N·H·W elements of a channel.
 */
export const lowerBatchNormInputGrad = (node: NodeOf<'batchNormInputGrad'>): Lowering => {
  const [n, c, h, w] = node.shape
  const count = f32(n * h * w)
  return {
    steps: [perElement(node, (io) => `  let ch = (i / ${h * w}u) % ${c}u;
  let rstd = ${io.load(3, `${c}u + ch`)};
  let xhat = (${io.load(0, 'i')} - ${io.load(3, 'ch')}) * rstd;
  let mean_dy = ${io.load(3, `${2 * c}u + ch`)} / ${count};
  let mean_dy_xhat = ${io.load(3, `${3 * c}u + ch`)} / ${count};
  ${io.store('i', `${io.load(1, 'ch')} * rstd * (${io.load(2, 'i')} - mean_dy - xhat * mean_dy_xhat)`)}`)],
  }
}
