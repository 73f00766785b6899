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
import { perElement } from '../compiler/wgsl.ts'
import { poolParams } from '../shape/pool.ts'
import type { PoolOp } from '../core/params.ts'

const f32 = (v: number) => finiteF32(Math.fround(v))

/** [N, C, H, W] or [N, C, L] as [N·C, H, W] (a 1-D op is a 2-D op over a unit height). */
const planes = (shape: readonly number[]) =>
  shape.length === 3 ? { h: 1, w: shape[2] } : { h: shape[2], w: shape[3] }

/** Output coordinates of element i: its (n, c) plane and its row and column. */
const outputCoords = (node: { readonly shape: readonly number[] }) => {
  const { h, w } = planes(node.shape)
  return `  let ox = i32(i % ${w}u);\n  let oy = i32((i / ${w}u) % ${h}u);\n  let plane = i / ${h * w}u;`
}

/** Per-axis window parameters [height, width]; the height of a 1-D pool is trivial. */
const windows = (node: NodeOf<PoolOp>) => {
  const options = node.params
  const unit = { kernel: 1, stride: 1, padding: 0, dilation: 1 }
  return options.rank === 1 ? [unit, poolParams(options, 0)] : [poolParams(options, 0), poolParams(options, 1)]
}

// Max pooling: padded positions are skipped, so they never win; NaN wins, as in PyTorch.
const maxPool = (node: NodeOf<PoolOp>) => {
  const { h, w } = planes(node.inputs[0].shape)
  const [ph, pw] = windows(node)
  return perElement(node, (io) => `${outputCoords(node)}
  var m = ${io.literal(-Infinity, 'float32')};
  for (var ky = 0; ky < ${ph.kernel}; ky++) {
    let iy = oy * ${ph.stride} - ${ph.padding} + ky * ${ph.dilation};
    if (iy < 0 || iy >= ${h}) { continue; }
    for (var kx = 0; kx < ${pw.kernel}; kx++) {
      let ix = ox * ${pw.stride} - ${pw.padding} + kx * ${pw.dilation};
      if (ix < 0 || ix >= ${w}) { continue; }
      let v = ${io.load(0, `plane * ${h * w}u + u32(iy * ${w} + ix)`)};
      if (v > m || v != v) { m = v; }
    }
  }
  ${io.store('i', 'm')}`)
}

// Average pooling, PyTorch's divisor: the window clipped to the padded input
// (countIncludePad, which matters with ceilMode) or the real elements in it.
const avgPool = (node: NodeOf<PoolOp>) => {
  const { h, w } = planes(node.inputs[0].shape)
  const [ph, pw] = windows(node)
  const includePad = node.params.countIncludePad !== false
  return perElement(node, (io) => `${outputCoords(node)}
  let y0 = oy * ${ph.stride} - ${ph.padding};
  let x0 = ox * ${pw.stride} - ${pw.padding};
  let y1 = min(y0 + ${ph.kernel}, ${h + ph.padding});
  let x1 = min(x0 + ${pw.kernel}, ${w + pw.padding});
  let padded = (y1 - y0) * (x1 - x0);
  let ys = max(y0, 0);
  let xs = max(x0, 0);
  let ye = min(y1, ${h});
  let xe = min(x1, ${w});
  var s = 0.0;
  for (var y = ys; y < ye; y++) {
    for (var x = xs; x < xe; x++) { s += ${io.load(0, `plane * ${h * w}u + u32(y * ${w} + x)`)}; }
  }
  ${io.store('i', `s / f32(${includePad ? 'padded' : '(ye - ys) * (xe - xs)'})`)}`)
}

export const lowerMaxPool = (node: NodeOf<PoolOp>): Lowering => ({ steps: [maxPool(node)] })
export const lowerAvgPool = (node: NodeOf<PoolOp>): Lowering => ({ steps: [avgPool(node)] })

// PyTorch's bins: start = floor(i·in/out), end = ceil((i+1)·in/out); they overlap when in % out ≠ 0.
export const lowerAdaptiveAvgPool2d = (node: NodeOf<'adaptiveAvgPool2d'>): Lowering => {
  const [, , h, w] = node.inputs[0].shape
  const [, , oh, ow] = node.shape
  return {
    steps: [
      perElement(node, (io) => `${outputCoords(node)}
  let ys = (oy * ${h}) / ${oh};
  let ye = ((oy + 1) * ${h} + ${oh - 1}) / ${oh};
  let xs = (ox * ${w}) / ${ow};
  let xe = ((ox + 1) * ${w} + ${ow - 1}) / ${ow};
  var s = 0.0;
  for (var y = ys; y < ye; y++) {
    for (var x = xs; x < xe; x++) { s += ${io.load(0, `plane * ${h * w}u + u32(y * ${w} + x)`)}; }
  }
  ${io.store('i', `s / f32((ye - ys) * (xe - xs))`)}`),
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

/**
 * batchNorm2d, inputs [x, weight, bias, runningMean, runningVar].
 * Inference normalises with the running statistics. Training first reduces
 * each channel to (mean, 1/sqrt(biased var + eps)) in a scratch buffer (one
 * workgroup per channel, two passes over the data for an accurate variance),
 * then normalises with them. The running statistics' update is not part of
 * this node's output.
 */
// The tree reduction below is written out for 64 lanes.
const STATS_WORKGROUP = 64
export const lowerBatchNorm2d = (node: NodeOf<'batchNorm2d'>): Lowering => {
  const [n, c, h, w] = node.shape
  const eps = f32(node.params.eps)
  const channel = `(i / ${h * w}u) % ${c}u`
  const affine = (io: KernelIO, mean: string, invstd: string) =>
    `  let ch = ${channel};\n  ${io.store('i', `(${io.load(0, 'i')} - ${mean}) * ${invstd} * ${io.load(1, 'ch')} + ${io.load(2, 'ch')}`)}`
  if (node.params.training !== true)
    return { steps: [perElement(node, (io) => affine(io, io.load(3, 'ch'), `(1.0 / sqrt(${io.load(4, 'ch')} + ${eps}))`))] }

  const count = n * h * w
  const tree = (into: string) =>
    [32, 16, 8, 4, 2, 1].map((k) => `  if (lid.x < ${k}u) { ${into}[lid.x] += ${into}[lid.x + ${k}u]; }\n  workgroupBarrier();`).join('\n')
  // Workgroup sum of `expr` over the channel's elements (v is the element) through
  // workgroup array `into`. Each pass has its own array: llvmpipe runs the lanes
  // of a workgroup in SIMD batches one after another between barriers, and a
  // read of the first total was seen moved past the barrier, where an earlier
  // batch had already overwritten a shared array with the second pass's partials.
  const reduce = (io: KernelIO, into: string, expr: string) => `  acc = 0.0;
  for (var e = lid.x; e < ${count}u; e += ${STATS_WORKGROUP}u) {
    let v = ${io.load(0, `((e / ${h * w}u) * ${c}u + ch) * ${h * w}u + e % ${h * w}u`)};
    acc += ${expr};
  }
  ${into}[lid.x] = acc;
  workgroupBarrier();
${tree(into)}`
  const stats = { scratch: 0, view: { name: 'stats', type: 'f32' } } as const
  const statistics: KernelStep = {
    label: `batchNorm2d statistics x${JSON.stringify(node.shape)}`,
    bindings: [{ input: 0 }, stats],
    dispatch: { workgroupSize: [STATS_WORKGROUP, 1], workgroups: [c, 1, 1], ids: ['lid', 'wid'] },
    module: () => `var<workgroup> sums: array<f32, ${STATS_WORKGROUP}>;\nvar<workgroup> squares: array<f32, ${STATS_WORKGROUP}>;`,
    body: (io) => `  let ch = wid.x;
  var acc: f32;
${reduce(io, 'sums', 'v')}
  let mean = sums[0] / ${f32(count)};
${reduce(io, 'squares', '(v - mean) * (v - mean)')}
  if (lid.x == 0u) {
    stats[2u * ch] = mean;
    stats[2u * ch + 1u] = 1.0 / sqrt(squares[0] / ${f32(count)} + ${eps});
  }`,
  }
  const normalise = perElement(node, (io) => affine(io, 'stats[2u * ch]', 'stats[2u * ch + 1u]'), { extra: [stats] })
  return { scratchBytes: [8 * c], steps: [statistics, normalise] }
}
