/**
 * WGSL of the window-op gradients: `poolGrad` (max/avg pool 1d/2d/3d),
 * `adaptiveAvgPoolGrad` (2d/3d) and `upsampleGrad`. Each has inputs [x, dy] and
 * x's shape, and runs one invocation per input element that gathers from
 * the output positions whose window (or interpolation stencil) holds it, so
 * nothing is scattered and no atomics are needed; a 1-D or 2-D max pool whose
 * windows do not overlap runs one invocation per window instead, writing the
 * window's elements. The gathers loop over each spatial axis of their rank.
 */
import type { NodeOf } from '../graph.ts'
import type { KernelIO, KernelStep, Lowering } from '../compiler/kernel.ts'
import { finiteF32 } from '../compiler/render.ts'
import { perElement, sizeOf } from '../compiler/wgsl.ts'
import { axisValue } from '../shape/errors.ts'
import { poolParams } from '../shape/pool.ts'
import { axisNames, nest, spatialCoords, spatialIndex } from './pool.wgsl.ts'

const f32 = finiteF32

/** The spatial sizes of a [N, C, …] shape as (H, W), H = 1 for one spatial axis. */
const plane = (shape: readonly number[]): [number, number] => (shape.length === 3 ? [1, shape[2]] : [shape[2], shape[3]])

type Window = ReturnType<typeof poolParams>

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/** Per-axis window parameters of a 1-D or 2-D pool node as (y, x); the y axis of a 1-D pool is trivial. */
const windowAxes = (node: NodeOf<'poolGrad'>, rank: number): [Window, Window] => {
  const options = node.params
  const one = { kernel: 1, stride: 1, padding: 0, dilation: 1 }
  return rank === 1 ? [one, poolParams(options, 0)] : [poolParams(options, 0), poolParams(options, 1)]
}

/**
 * Prelude of a gather kernel: the element's coordinates `i<axis>` (i32) along each spatial axis of
 * x, its (n, c) plane `nc`, the base `ybase` of that plane in dy, and the accumulator `g`.
 */
const coordinates = (x: readonly number[], y: readonly number[]) => {
  const sizes = x.slice(2)
  return `${spatialCoords('i', sizes)}
  let nc = i / ${sizeOf(sizes)}u;
  let ybase = nc * ${sizeOf(y.slice(2))}u;
  var g = 0.0;`
}

/** Window taps up to which the non-overlapping max-pool gradient is written out as straight-line code. */
const MAX_UNROLLED_TAPS = 25

/**
 * Max-pool gradient when the windows tile the input without overlapping (stride = kernel, no
 * dilation: LeNet's 2×2 pools): each input element lies in at most one window, so one invocation
 * per window cell finds the window's argmax once and writes all of the cell's elements — dy at
 * the argmax, 0 elsewhere — with no scatter, no atomics and no search over candidate windows.
 * The cells cover the padded input; input rows and columns in no window (floor mode) get 0.
 */
const nonOverlappingMaxGrad = (node: NodeOf<'poolGrad'>, py: Window, px: Window): KernelStep => {
  const [x, dy] = node.inputs
  const [H, W] = plane(x.shape)
  const [OH, OW] = plane(dy.shape)
  const cellsY = Math.ceil((H + py.padding) / py.kernel)
  const cellsX = Math.ceil((W + px.padding) / px.kernel)
  const planes = x.shape[0] * x.shape[1]
  const taps = range(py.kernel).flatMap((wy) => range(px.kernel).map((wx) => [wy, wx] as const))
  // Whether tap (wy, wx) of some cell can fall outside the input: then it is tested per cell.
  const rowsInside = py.padding === 0 && H % py.kernel === 0
  const colsInside = px.padding === 0 && W % px.kernel === 0
  const inside = (wy: number, wx: number) =>
    [...(rowsInside ? [] : [`y${wy} >= 0 && y${wy} < ${H}`]), ...(colsInside ? [] : [`x${wx} >= 0 && x${wx} < ${W}`])].join(' && ') || 'true'
  return {
    label: `poolGrad: non-overlapping ${py.kernel}x${px.kernel} windows, one invocation per window`,
    bindings: [{ input: 0 }, { input: 1 }, { output: true }],
    dispatch: { threads: planes * cellsY * cellsX },
    epilogue: true,
    body: (io) => `  let cx = i % ${cellsX}u;
  let cy = (i / ${cellsX}u) % ${cellsY}u;
  let nc = i / ${cellsY * cellsX}u;
  let xbase = nc * ${H * W}u;
${range(py.kernel).map((wy) => `  let y${wy} = i32(cy) * ${py.kernel} + ${wy - py.padding};`).join('\n')}
${range(px.kernel).map((wx) => `  let x${wx} = i32(cx) * ${px.kernel} + ${wx - px.padding};`).join('\n')}
  // The window's argmax in PyTorch's scan order (rows, then columns; padding skipped): the first
  // maximum wins, a NaN always takes over.
  var best = 0.0;
  var arg = -1;
${taps
  .map(([wy, wx]) => {
    const flat = `y${wy} * ${W} + x${wx}`
    const test = inside(wy, wx)
    const clamped = test === 'true' ? flat : `clamp(${flat}, 0, ${H * W - 1})`
    return `  {
    let v = ${io.load(0, `xbase + u32(${clamped})`)};
    if (${test === 'true' ? '' : `(${test}) && `}(arg < 0 || v > best || v != v)) { best = v; arg = ${flat}; }
  }`
  })
  .join('\n')}
  let covered = cy < ${OH}u && cx < ${OW}u;
  let g = select(0.0, ${io.load(1, `nc * ${OH * OW}u + min(cy, ${OH - 1}u) * ${OW}u + min(cx, ${OW - 1}u)`)}, covered);
${taps
  .map(([wy, wx]) => {
    const flat = `y${wy} * ${W} + x${wx}`
    const test = inside(wy, wx)
    const store = io.store(`xbase + u32(${flat})`, `select(0.0, g, ${flat} == arg)`)
    return test === 'true' ? `  ${store}` : `  if (${test}) { ${store} }`
  })
  .join('\n')}`,
  }
}

export const lowerPoolGrad = (node: NodeOf<'poolGrad'>): Lowering => {
  const [x, dy] = node.inputs
  const forward: string = node.params.forward
  const isMax = forward.startsWith('maxPool')
  if (!isMax && !forward.startsWith('avgPool')) throw new Error(`poolGrad: unknown forward op ${forward}`)
  const rank = x.shape.length - 2
  // 1-D and 2-D max pools whose windows tile the input take one invocation per window; the rest
  // (3-D pools included) gather over the windows that hold each element.
  if (isMax && rank <= 2) {
    const [py, px] = windowAxes(node, rank)
    const tiles = (w: Window) => w.stride === w.kernel && w.dilation === 1
    if (tiles(py) && tiles(px) && py.kernel * px.kernel <= MAX_UNROLLED_TAPS && sizeOf(dy.shape) > 0)
      return { steps: [nonOverlappingMaxGrad(node, py, px)] }
  }
  const sizes = x.shape.slice(2)
  const out = dy.shape.slice(2)
  const names = axisNames(sizes.length)
  // avg pool has no dilation (PyTorch's neither).
  const windows = sizes.map((_, j) => {
    const p = poolParams(node.params, j)
    return { ...p, dilation: isMax ? p.dilation : 1 }
  })
  const countIncludePad = node.params.countIncludePad !== false
  const dyAt = (io: KernelIO) => io.load(1, `ybase + u32(${spatialIndex(out, names.map((a) => `o${a}`))})`)

  // Output positions o with o·s − p + k·d = i, for each tap k of each axis; s<axis> is where o's window starts.
  const candidates = windows.map((p, j) => {
    const a = names[j]
    return `for (var k${a} = 0; k${a} < ${p.kernel}; k${a}++) {
      let t${a} = i${a} + ${p.padding} - k${a} * ${p.dilation};
      if (t${a} < 0 || t${a} % ${p.stride} != 0) { continue; }
      let o${a} = t${a} / ${p.stride};
      if (o${a} >= ${out[j]}) { continue; }
      let s${a} = o${a} * ${p.stride} - ${p.padding};`
  })

  // Max: recompute the window's argmax in PyTorch's scan order (outer axes first; padding
  // skipped): the first maximum wins, a NaN always takes over.
  const scan = windows.map((p, j) => {
    const a = names[j]
    return `for (var w${a} = 0; w${a} < ${p.kernel}; w${a}++) {
          let q${a} = s${a} + w${a} * ${p.dilation};
          if (q${a} < 0 || q${a} >= ${sizes[j]}) { continue; }`
  })
  const maxBody = (io: KernelIO) => `      var best = 0.0;
      var found = false;
      var mine = false;
${nest(scan, `          let v = ${io.load(0, `nc * ${sizeOf(sizes)}u + u32(${spatialIndex(sizes, names.map((a) => `q${a}`))})`)};
          if (!found || v > best || v != v) {
            best = v;
            found = true;
            mine = ${names.map((a) => `q${a} == i${a}`).join(' && ')};
          }`)}
      if (mine) { g += ${dyAt(io)}; }`

  // Avg: PyTorch's divisor: the window clipped to input + padding, or to the input alone.
  const ends = windows.map((p, j) => `      let e${names[j]} = min(s${names[j]} + ${p.kernel}, ${sizes[j] + p.padding});`)
  const count = names
    .map((a, j) => (countIncludePad ? `(e${a} - s${a})` : `(min(e${a}, ${sizes[j]}) - max(s${a}, 0))`))
    .join(' * ')
  const avgBody = (io: KernelIO) => `${ends.join('\n')}
      g += ${dyAt(io)} / f32(${count});`

  const body = (io: KernelIO) => `${coordinates(x.shape, dy.shape)}
${nest(candidates, isMax ? maxBody(io) : avgBody(io))}
  ${io.store('i', 'g')}`
  return { steps: [perElement(node, body)] }
}

export const lowerAdaptiveAvgPoolGrad = (node: NodeOf<'adaptiveAvgPoolGrad'>): Lowering => {
  const [x, dy] = node.inputs
  const sizes = x.shape.slice(2)
  const out = dy.shape.slice(2)
  const names = axisNames(sizes.length)
  // Window o covers [floor(o·in/out), ceil((o+1)·in/out)); those holding i are
  // o ∈ [floor(i·out/in), ceil((i+1)·out/in)).
  const bins = names.map((a, j) => {
    const [n, m] = [sizes[j], out[j]]
    return `for (var o${a} = (i${a} * ${m}) / ${n}; o${a} < min((i${a} + 1) * ${m} + ${n - 1}, ${m * n}) / ${n}; o${a}++) {
      let s${a} = (o${a} * ${n}) / ${m};
      let e${a} = ((o${a} + 1) * ${n} + ${m - 1}) / ${m};
      if (i${a} < s${a} || i${a} >= e${a}) { continue; }`
  })
  const body = (io: KernelIO) => `${coordinates(x.shape, dy.shape)}
${nest(bins, `      g += ${io.load(1, `ybase + u32(${spatialIndex(out, names.map((a) => `o${a}`))})`)} / f32(${names.map((a) => `(e${a} - s${a})`).join(' * ')});`)}
  ${io.store('i', 'g')}`
  return { steps: [perElement(node, body)] }
}

/**
 * One axis of bilinear interpolation as PyTorch computes it (float32):
 * src = scale·dst (alignCorners) or max(scale·(dst + ½) − ½, 0), i0 = floor(src)
 * clamped to in − 1, i1 = i0 + 1 unless i0 is the last, λ1 = src − i0.
 * Returns WGSL adding to `w${name}` the weight that input `i${name}` gets from
 * output `o${name}`, plus a conservative range of outputs that can reach it.
 */
const bilinearAxis = (name: 'y' | 'x', input: number, output: number, alignCorners: boolean, scaleFactor: number | undefined) => {
  const scale = alignCorners
    ? output > 1 ? Math.fround((input - 1) / (output - 1)) : 0
    : Math.fround(scaleFactor !== undefined && scaleFactor > 0 ? 1 / scaleFactor : input / output)
  const src = alignCorners ? `${f32(scale)} * f32(o${name})` : `max(${f32(scale)} * (f32(o${name}) + 0.5) - 0.5, 0.0)`
  // dst ≈ (src + ½)/scale − ½: outputs whose source lies within one input step of i.
  const inverse = scale > 0 ? 1 / scale : Infinity
  const lo = Number.isFinite(inverse)
    ? `max(i32(floor((f32(i${name}) - 1.0 ${alignCorners ? '' : '+ 0.5'}) * ${f32(inverse)} ${alignCorners ? '' : '- 0.5'})) - 1, 0)`
    : '0'
  const hi = Number.isFinite(inverse)
    ? `min(i32(ceil((f32(i${name}) + 1.0 ${alignCorners ? '' : '+ 0.5'}) * ${f32(inverse)} ${alignCorners ? '' : '- 0.5'})) + 2, ${output})`
    : `${output}`
  const weight = `let s${name} = ${src};
      let i0${name} = min(i32(floor(s${name})), ${input - 1});
      let i1${name} = select(i0${name}, i0${name} + 1, i0${name} < ${input - 1});
      let l1${name} = clamp(s${name} - f32(i0${name}), 0.0, 1.0);
      var w${name} = 0.0;
      if (i0${name} == i${name}) { w${name} += 1.0 - l1${name}; }
      if (i1${name} == i${name}) { w${name} += l1${name}; }`
  return { lo, hi, weight }
}

export const lowerUpsampleGrad = (node: NodeOf<'upsampleGrad'>): Lowering => {
  const [x, dy] = node.inputs
  const [H, W] = plane(x.shape)
  const [OH, OW] = plane(dy.shape)
  const mode = node.params.mode ?? 'nearest'
  const coords = coordinates(x.shape, dy.shape)
  if (mode === 'nearest') {
    // Output o reads input floor(o·in/out): those reading i are o ∈ [ceil(i·out/in), ceil((i+1)·out/in)).
    const body = (io: KernelIO) => `${coords}
  for (var oy = (iy * ${OH} + ${H - 1}) / ${H}; oy < min(((iy + 1) * ${OH} + ${H - 1}) / ${H}, ${OH}); oy++) {
    for (var ox = (ix * ${OW} + ${W - 1}) / ${W}; ox < min(((ix + 1) * ${OW} + ${W - 1}) / ${W}, ${OW}); ox++) {
      g += ${io.load(1, `ybase + u32(oy * ${OW} + ox)`)};
    }
  }
  ${io.store('i', 'g')}`
    return { steps: [perElement(node, body)] }
  }
  if (mode !== 'bilinear') throw new Error(`upsampleGrad: unknown mode ${mode}`)
  const alignCorners = node.params.alignCorners === true
  // With a size, PyTorch's scale is in/out; with a scale factor (and no alignCorners), 1/scaleFactor.
  const factor = (axis: number) =>
    node.params.size === undefined && node.params.scaleFactor !== undefined ? axisValue(node.params.scaleFactor, axis, 1) : undefined
  const ay = bilinearAxis('y', H, OH, alignCorners, factor(0))
  const ax = bilinearAxis('x', W, OW, alignCorners, factor(1))
  const body = (io: KernelIO) => `${coords}
  for (var oy = ${ay.lo}; oy < ${ay.hi}; oy++) {
      ${ay.weight}
      if (wy == 0.0) { continue; }
    for (var ox = ${ax.lo}; ox < ${ax.hi}; ox++) {
      ${ax.weight}
      g += ${io.load(1, `ybase + u32(oy * ${OW} + ox)`)} * wy * wx;
    }
  }
  ${io.store('i', 'g')}`
  return { steps: [perElement(node, body)] }
}
