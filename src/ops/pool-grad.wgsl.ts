/**
 * WGSL of the window-op gradients: `poolGrad` (max/avg pool 1d/2d/3d),
 * and `adaptiveAvgPoolGrad` (2d/3d) (`upsampleGrad` is interpolate.wgsl.ts's). Each has inputs [x, dy] and
 * x's shape, and runs one invocation per input element that gathers from
 * the output positions whose window (or interpolation stencil) holds it, so
 * nothing is scattered and no atomics are needed. The window ops loop over
 * each spatial axis of their rank.
 */
import type { NodeOf } from '../graph.ts'
import type { KernelIO, Lowering } from '../compiler/kernel.ts'
import { finiteF32 } from '../compiler/render.ts'
import { perElement, sizeOf } from '../compiler/wgsl.ts'
import { axisValue } from '../shape/errors.ts'
import { poolParams } from '../shape/pool.ts'
import { axisNames, nest, spatialCoords, spatialIndex } from './pool.wgsl.ts'

/** The spatial sizes of a [N, C, …] shape as (H, W), H = 1 for one spatial axis. */
const plane = (shape: readonly number[]): [number, number] => (shape.length === 3 ? [1, shape[2]] : [shape[2], shape[3]])

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

export const lowerPoolGrad = (node: NodeOf<'poolGrad'>): Lowering => {
  const [x, dy] = node.inputs
  const forward: string = node.params.forward
  const isMax = forward.startsWith('maxPool')
  if (!isMax && !forward.startsWith('avgPool')) throw new Error(`poolGrad: unknown forward op ${forward}`)
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
