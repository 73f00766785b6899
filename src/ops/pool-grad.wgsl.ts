/**
 * WGSL of the window-op gradients: `poolGrad` (max/avg pool 1d/2d),
 * and `adaptiveAvgPool2dGrad` (`upsampleGrad` is interpolate.wgsl.ts's). Each has inputs [x, dy] and
 * x's shape, and runs one invocation per input element that gathers from
 * the output positions whose window (or interpolation stencil) holds it, so
 * nothing is scattered and no atomics are needed. 1-D pools run as 2-D ones
 * with a unit leading spatial axis.
 */
import type { NodeOf } from '../graph.ts'
import type { KernelIO, Lowering } from '../compiler/kernel.ts'
import { perElement } from '../compiler/wgsl.ts'
import { poolParams } from '../shape/pool.ts'

/** The spatial sizes of a [N, C, …] shape as (H, W), H = 1 for one spatial axis. */
const plane = (shape: readonly number[]): [number, number] => (shape.length === 3 ? [1, shape[2]] : [shape[2], shape[3]])

/** Per-axis window parameters of a pool node as (y, x); the y axis of a 1-D pool is trivial. */
const windowAxes = (node: NodeOf<'poolGrad'>, rank: number) => {
  const options = node.params
  const one = { kernel: 1, stride: 1, padding: 0, dilation: 1 }
  return rank === 1 ? [one, poolParams(options, 0)] : [poolParams(options, 0), poolParams(options, 1)]
}

/** Prelude of a gather kernel: the element's (nc, iy, ix) and the bases of its x and dy planes. */
const coordinates = (x: readonly number[], y: readonly number[]) => {
  const [H, W] = plane(x)
  const [OH, OW] = plane(y)
  return `  let ix = i32(i % ${W}u);
  let iy = i32((i / ${W}u) % ${H}u);
  let nc = i / ${H * W}u;
  let ybase = nc * ${OH * OW}u;
  var g = 0.0;`
}

export const lowerPoolGrad = (node: NodeOf<'poolGrad'>): Lowering => {
  const [x, dy] = node.inputs
  const forward: string = node.params.forward
  const isMax = forward === 'maxPool1d' || forward === 'maxPool2d'
  if (!isMax && forward !== 'avgPool1d' && forward !== 'avgPool2d') throw new Error(`poolGrad: unknown forward op ${forward}`)
  const rank = x.shape.length - 2
  const [py, px] = windowAxes(node, rank)
  // avg pool has no dilation (PyTorch's neither).
  const dy_ = isMax ? py.dilation : 1
  const dx_ = isMax ? px.dilation : 1
  const [H, W] = plane(x.shape)
  const [OH, OW] = plane(dy.shape)
  const countIncludePad = node.params.countIncludePad !== false

  // Output positions o with o·s − p + k·d = i, for each tap k of each axis.
  const candidates = (body: string) => `  for (var ky = 0; ky < ${py.kernel}; ky++) {
    let ty = iy + ${py.padding} - ky * ${dy_};
    if (ty < 0 || ty % ${py.stride} != 0) { continue; }
    let oy = ty / ${py.stride};
    if (oy >= ${OH}) { continue; }
    for (var kx = 0; kx < ${px.kernel}; kx++) {
      let tx = ix + ${px.padding} - kx * ${dx_};
      if (tx < 0 || tx % ${px.stride} != 0) { continue; }
      let ox = tx / ${px.stride};
      if (ox >= ${OW}) { continue; }
      let hs = oy * ${py.stride} - ${py.padding};
      let ws = ox * ${px.stride} - ${px.padding};
${body}
    }
  }`

  // Max: recompute the window's argmax in PyTorch's scan order (rows, then
  // columns; padding skipped): the first maximum wins, a NaN always takes over.
  const maxBody = (io: KernelIO) => `      var best = 0.0;
      var by = -1;
      var bx = -1;
      for (var wy = 0; wy < ${py.kernel}; wy++) {
        let y = hs + wy * ${dy_};
        if (y < 0 || y >= ${H}) { continue; }
        for (var wx = 0; wx < ${px.kernel}; wx++) {
          let xx = ws + wx * ${dx_};
          if (xx < 0 || xx >= ${W}) { continue; }
          let v = ${io.load(0, `nc * ${H * W}u + u32(y * ${W} + xx)`)};
          if (by < 0 || v > best || v != v) {
            best = v;
            by = y;
            bx = xx;
          }
        }
      }
      if (by == iy && bx == ix) { g += ${io.load(1, `ybase + u32(oy * ${OW} + ox)`)}; }`

  // Avg: PyTorch's divisor: the window clipped to input + padding, or to the input alone.
  const avgBody = (io: KernelIO) => `      let he = min(hs + ${py.kernel}, ${H + py.padding});
      let we = min(ws + ${px.kernel}, ${W + px.padding});
      ${
        countIncludePad
          ? 'let count = (he - hs) * (we - ws);'
          : `let count = (min(he, ${H}) - max(hs, 0)) * (min(we, ${W}) - max(ws, 0));`
      }
      g += ${io.load(1, `ybase + u32(oy * ${OW} + ox)`)} / f32(count);`

  const body = (io: KernelIO) => `${coordinates(x.shape, dy.shape)}
${candidates(isMax ? maxBody(io) : avgBody(io))}
  ${io.store('i', 'g')}`
  return { steps: [perElement(node, body)] }
}

export const lowerAdaptiveAvgPool2dGrad = (node: NodeOf<'adaptiveAvgPool2dGrad'>): Lowering => {
  const [x, dy] = node.inputs
  const [H, W] = plane(x.shape)
  const [OH, OW] = plane(dy.shape)
  // Window o covers [floor(o·in/out), ceil((o+1)·in/out)); those holding i are
  // o ∈ [floor(i·out/in), ceil((i+1)·out/in)).
  const body = (io: KernelIO) => `${coordinates(x.shape, dy.shape)}
  let oy1 = min((iy + 1) * ${OH} + ${H - 1}, ${OH * H}) / ${H};
  for (var oy = (iy * ${OH}) / ${H}; oy < oy1; oy++) {
    let hs = (oy * ${H}) / ${OH};
    let he = ((oy + 1) * ${H} + ${OH - 1}) / ${OH};
    if (iy < hs || iy >= he) { continue; }
    let ox1 = min((ix + 1) * ${OW} + ${W - 1}, ${OW * W}) / ${W};
    for (var ox = (ix * ${OW}) / ${W}; ox < ox1; ox++) {
      let ws = (ox * ${W}) / ${OW};
      let we = ((ox + 1) * ${W} + ${OW - 1}) / ${OW};
      if (ix < ws || ix >= we) { continue; }
      g += ${io.load(1, `ybase + u32(oy * ${OW} + ox)`)} / f32((he - hs) * (we - ws));
    }
  }
  ${io.store('i', 'g')}`
  return { steps: [perElement(node, body)] }
}
