/**
 * WGSL of conv1d/2d/3d and their transposes, all as one implicit GEMM:
 * output pixels (N·Ho·Wo, or N·Do·Ho·Wo) × output channels of a group (Co/g)
 * is the GEMM's M×N, and Ci/g·kh·kw (·kd) its K. 1-D and 2-D convolutions run
 * as 3-D ones with unit leading axes, whose loops and index terms are left out
 * of the WGSL. Each node runs two dispatches in one submit: a repack (1 and 2
 * below, one shader) and the GEMM (3). Where the target prefers texture
 * operands (llvmpipe, where textureLoad from a read-only storage texture is
 * much faster than a storage-buffer load), big problems copy X' and W' into
 * rgba32float textures between the two.
 *
 * 1. repack x into a padded, channels-last scratch image X'[n][g][(d)][h][w][ci]
 *    whose channel axis is padded to a multiple of 4 (read as vec4) and whose
 *    spatial border already holds the zeros of the padding. Inside the GEMM
 *    every tap is then a plain in-bounds vec4 load: no padding test, no
 *    per-tap index arithmetic beyond one constant offset.
 * 2. repack the weight into W'[g][(kz)][ky][kx][ci][co] with co padded to the
 *    channel tile, so a K step reads TC/4 vec4s and tile remainders along
 *    channels multiply zeros instead of needing bounds checks.
 * 3. the GEMM: each invocation owns a register tile of TP pixels × TC
 *    channels in named vec4 accumulators (straight-line code, no indexed
 *    private arrays, which llvmpipe keeps in memory), stepping K by 4 input
 *    channels. Pixel tile remainders clamp their reads and skip their stores.
 *
 * A transposed convolution is a GEMM over the input with the kernel flipped.
 * Along an axis with stride s > 1 (and dilation 1) it runs as s sub-pixel
 * convolutions: the outputs o ≡ φ (mod s) of phase φ only meet the taps
 * k ≡ (φ + p) (mod s), so phase φ is a dense stride-1 conv of x with
 * ceil(K/s) of the kernel's taps (missing ones zero in W', and the GEMM's
 * loop starts past them: a 3×3 stride-2 gradient multiplies 9 taps, not
 * 16, and a 1×1 one 1, not 4). The phases are one
 * more grid dimension of the same GEMM (each workgroup column one phase, so
 * a register tile shares its weights), and W' holds each phase's taps. This
 * does the minimal work; the earlier form, a stride-1 GEMM over a
 * zero-upsampled input, multiplied s² times as many zeros (issue 14's W4 ran
 * at a third of the library's conv rate). With dilation > 1 and stride > 1 an
 * axis keeps that zero-upsampled form: U[j] holds x[i] at
 * j = i·s + (K-1)·d - p, and the GEMM runs at stride 1 over U. So does the
 * depth axis of a 3-D transposed convolution: the phases are bands over
 * (h, w) only.
 *
 * Where the target takes it (llvmpipe, from ~67M multiply-adds), a 3×3 stride-1 conv2d or
 * convTranspose2d of one group and 16 or more channels runs as Winograd's F(m×m, 3×3) instead
 * (conv-winograd.wgsl.ts): 4× fewer multiply-adds for three steps.
 *
 * An X' over the storage binding limit is split along the batch: each chunk
 * of samples is repacked into the same scratch and multiplied by a GEMM of
 * its own that writes its samples of the output (the weight is repacked
 * once; such a split conv reads its operands from buffers). Only one
 * sample's X' over the limit is refused.
 */
import type { NodeIn } from '../graph.ts'
import { DEFAULT_TARGET, type KernelBinding, type KernelIO, type KernelStep, type KernelTarget, type Lowering, type TextureOffer } from '../compiler/kernel.ts'
import { axisValue } from '../shape/errors.ts'
import { convPadding, paddingOnAxis } from '../shape/conv.ts'
import { lowerConvWinograd, prefersWinograd } from './conv-winograd.wgsl.ts'

/** One spatial axis as the GEMM sees it: stride and dilation over the repacked input X'. */
export interface Axis {
  readonly input: number
  readonly output: number
  /** Taps of the GEMM along this axis (per phase for a sub-pixel axis). */
  readonly kernel: number
  /** GEMM stride over X' (1 for a transposed conv). */
  readonly stride: number
  readonly dilation: number
  /** Size of X' along this axis: exactly what the output's windows cover. */
  readonly padded: number
  /** WGSL (i32 `j` → `src`, `ok`) mapping a position of X' to its source index in x. */
  readonly gather: (j: string, src: string, ok: string) => string
  /** Output phases: s for a sub-pixel axis (output o = q·s + φ), else 1. */
  readonly phases: number
  /** Outputs per phase, ceil(output / phases); a phase's last ones may lie past the output and are not stored. */
  readonly perPhase: number
  /** WGSL (u32 phase φ) → u32 offset in X' where phase φ's windows start (0 for a single phase). */
  readonly phaseStart: (phase: string) => string
  /** WGSL (u32 phase φ) → u32 first GEMM tap of phase φ that meets the weight: the taps before it read only zeros and are skipped. */
  readonly firstTap: (phase: string) => string
  /** WGSL (u32 phase, u32 GEMM tap t) → i32 tap of the weight as stored; outside [0, weightKernel) reads zero. */
  readonly weightTap: (phase: string, tap: string) => string
  /** Taps of the stored weight along this axis. */
  readonly weightKernel: number
}

/** A trivial axis: conv1d runs as conv3d with D = H = 1, conv2d with D = 1. */
export const unitAxis: Axis = {
  input: 1, output: 1, kernel: 1, stride: 1, dilation: 1, padded: 1, gather: (j, src, ok) => `let ${src} = ${j};\n  let ${ok} = true;`,
  phases: 1, perPhase: 1, phaseStart: () => '0u', firstTap: () => '0u', weightTap: (_, t) => `i32(${t})`, weightKernel: 1,
}

const convAxisOf = (node: NodeIn<'conv1d' | 'conv2d' | 'conv3d'>, axis: number): Axis => {
  const [x, w] = node.inputs
  const input = x.shape[2 + axis]
  const kernel = w.shape[2 + axis]
  const stride = axisValue(node.params.stride, axis, 1)
  const dilation = axisValue(node.params.dilation, axis, 1)
  const padding = paddingOnAxis(node.params.padding, axis)
  const [left] = convPadding(input, kernel, stride, padding, dilation)
  return correlationAxis(input, node.shape[2 + axis], kernel, stride, dilation, left)
}

/** An axis of a plain (not transposed) correlation: output o reads input o·stride − left + k·dilation. */
export const correlationAxis = (input: number, output: number, kernel: number, stride: number, dilation: number, left: number): Axis => ({
  input, output, kernel, stride, dilation,
  padded: (output - 1) * stride + (kernel - 1) * dilation + 1,
  gather: (j, src, ok) => `let ${src} = ${j} - ${left};\n  let ${ok} = ${src} >= 0 && ${src} < ${input};`,
  phases: 1, perPhase: output, phaseStart: () => '0u', firstTap: () => '0u', weightTap: (_, t) => `i32(${t})`, weightKernel: kernel,
})

/** One axis of a transposed conv; `subPixel` false keeps the zero-upsampled form (a 3-D conv's depth axis). */
const convTransposeAxisOf = (node: NodeIn<'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'>, axis: number, subPixel = true): Axis => {
  const [x, w] = node.inputs
  const input = x.shape[2 + axis]
  const kernel = w.shape[2 + axis]
  const stride = axisValue(node.params.stride, axis, 1)
  const dilation = axisValue(node.params.dilation, axis, 1)
  const padding = axisValue(node.params.padding, axis, 0)
  const output = node.shape[2 + axis]
  if (subPixel && stride > 1 && dilation === 1) {
    // Sub-pixel: out[q·s + φ] = Σ_t x[q + c_φ - t]·w[r_φ + t·s] with r_φ = (φ + p) mod s and
    // c_φ = floor((φ + p) / s). Read as a stride-1 correlation over X' (x shifted by `left`) with
    // GEMM tap t' = T-1-t, phase φ's windows start at c_φ - c_0.
    const taps = Math.ceil(kernel / stride)
    const perPhase = Math.ceil(output / stride)
    const c0 = Math.floor(padding / stride)
    const spread = Math.floor((stride - 1 + padding) / stride) - c0 // c_φ - c_0 is 0 or 1
    const left = taps - 1 - c0
    return {
      input, output, kernel: taps, stride: 1, dilation: 1,
      padded: perPhase + taps - 1 + spread,
      gather: (j, src, ok) => `let ${src} = ${j} ${left < 0 ? '+' : '-'} ${Math.abs(left)};\n  let ${ok} = ${src} >= 0 && ${src} < ${input};`,
      phases: stride, perPhase,
      phaseStart: (phase) => `((${phase} + ${padding}u) / ${stride}u - ${c0}u)`,
      // Phase φ meets ceil((K − r_φ)/s) of the kernel's taps, the last ones of the GEMM's T (a 3-tap
      // kernel at stride 2: 2 and 1; a 1×1 at stride 2: 1 and none, whose outputs are zeros).
      firstTap: (phase) => `(${taps}u - (${kernel + stride - 1}u - (${phase} + ${padding}u) % ${stride}u) / ${stride}u)`,
      weightTap: (phase, t) => `i32((${phase} + ${padding}u) % ${stride}u + (${taps - 1}u - ${t}) * ${stride}u)`,
      weightKernel: kernel,
    }
  }
  // Zero-upsampled: U[j] = x[i] where i·s = j - (K-1)·d + p; positions between samples are zeros.
  const shift = (kernel - 1) * dilation - padding
  return {
    input, output, kernel, stride: 1, dilation,
    padded: output + (kernel - 1) * dilation,
    gather: (j, src, ok) =>
      `let t${src} = ${j} - ${shift};\n  let ${src} = t${src} / ${stride};\n  let ${ok} = t${src} >= 0 && t${src} % ${stride} == 0 && ${src} < ${input};`,
    phases: 1, perPhase: output, phaseStart: () => '0u', firstTap: () => '0u', weightTap: (_, t) => `i32(${kernel - 1}u - ${t})`, weightKernel: kernel,
  }
}

/** Register tile: TP pixels × TC channels per invocation; TC is a multiple of 4. */
export interface ConvTile {
  readonly pixels: number
  readonly channels: number
  /** Invocations per workgroup along pixel tiles (a multiple of 8, llvmpipe's SIMD width) and channel tiles. */
  readonly workgroup: readonly [number, number]
  /** Read X' and W' through rgba32float textures when the target prefers them (and they fit). */
  readonly textures?: boolean
}

/**
 * Big problems take the target's large tile (llvmpipe: 12 pixels × 32
 * channels from ~67M multiply-adds; see SOFTWARE_LARGE_TILES), else 8 pixels
 * × 16 channels, with fewer channels where a group has fewer, reading X' and
 * W' through textures where the target prefers them: for W3 on llvmpipe
 * (bench/conv2d.ts, round-robin medians) 8×16 with textures ran ~1.2× faster
 * than 8×8 with textures, and that ~2× faster than 8×8 from storage buffers;
 * 4×4 tiles were slowest.
 * Small problems (under ~1M multiply-adds, a fraction of a millisecond) take
 * 4×4 from storage buffers: less of the tile is padding, and the shorter
 * shader (without texture copies) compiles ~3× faster, which is what such a
 * conv costs the first time it runs. Below the target's `compactConvMaxWork` (llvmpipe: 16M)
 * mid-size convs take 4 pixels × up to 8 channels, for the same reason (see SOFTWARE_COMPACT_CONV_MAX_WORK).
 */
export const defaultConvTile = (pixels: number, channelsPerGroup: number, depth: number, target: KernelTarget = DEFAULT_TARGET): ConvTile => {
  const work = pixels * channelsPerGroup * depth
  if (work < 1 << 20) return { pixels: 4, channels: 4, workgroup: [8, 1] }
  const large = target.largeTiles.conv
  if (work >= target.largeTiles.minWork && channelsPerGroup >= large.channels) return { ...large, textures: true }
  const channels = channelsPerGroup >= 16 ? 16 : channelsPerGroup > 4 ? 8 : 4
  // Where a shader's first compile costs more than a mid-size conv's runs (llvmpipe), a shorter one.
  if (work < target.compactConvMaxWork) return { pixels: 4, channels: Math.min(channels, 8), workgroup: [8, 1], textures: true }
  return { pixels: 8, channels, workgroup: [8, 1], textures: true }
}

/** The tile for a node: GEMM sizes M (output pixels), N (channels per group), K (Ci/g·kd·kh·kw). */
const tileFor = (node: ConvNode, target: KernelTarget): ConvTile => {
  const [x, w] = node.inputs
  const groups = node.params.groups ?? 1
  const kernel = w.shape.slice(2).reduce((a, b) => a * b, 1)
  const pixels = node.shape[0] * node.shape.slice(2).reduce((a, b) => a * b, 1)
  return defaultConvTile(pixels, node.shape[1] / groups, (x.shape[1] / groups) * kernel, target)
}

const ceilTo = (a: number, b: number) => Math.ceil(a / b) * b

/** A node of one of the six convolution primitives. */
export type ConvNode = NodeIn<'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'>

/** The steps of a conv or transposed conv node: repack, (texture copies,) GEMM; a direct kernel for a narrow conv of one input channel per group; Winograd's for a large 3×3 stride-1 one where the target takes it. */
export const lowerConv = (node: ConvNode, target: KernelTarget = DEFAULT_TARGET, tile?: ConvTile): Lowering => {
  if (tile === undefined && isDirectConv(node)) return { steps: [directConvStep(node, target)] }
  if (tile === undefined && isConv2d(node) && prefersWinograd(node, target)) return lowerConvWinograd(node, target)
  return lowerConvGemm(node, target, tile ?? tileFor(node, target))
}

const isConv2d = (node: ConvNode): node is NodeIn<'conv2d' | 'convTranspose2d'> => node.op === 'conv2d' || node.op === 'convTranspose2d'

/** A conv node's batch, channels and groups; Ci/g and Co/g are the channels of one group. */
const channelCounts = (node: ConvNode) => {
  const groups = node.params.groups ?? 1
  const [batch, ci] = node.inputs[0].shape
  const co = node.shape[1]
  return { groups, batch, ci, co, cig: ci / groups, cog: co / groups }
}

/** Output pixels along a row (and channels) per invocation of the direct kernel. */
const DIRECT_PIXELS = 4
const DIRECT_CHANNELS = 8

/**
 * A conv (not a transposed one) with one input channel per group and at most 8 output channels
 * per group runs as a direct kernel: the GEMM steps K by vec4s of input channels, so with one
 * channel (LeNet-5's first layer) three quarters of its multiply-adds are padding, and the repack
 * and texture copies cost more than such a conv's own work (issue 14's W1: the first conv took
 * 5.1 ms of a 14 ms forward as a GEMM, 2.1 ms direct). With 3 input channels the GEMM wastes a
 * quarter and runs at several times the direct kernel's rate: a 7×7 conv 3→64 at 112², batch 8,
 * took 217–369 ms direct against 125–130 ms as a GEMM, so wider convs keep it.
 */
const isDirectConv = (node: ConvNode): node is NodeIn<'conv1d' | 'conv2d' | 'conv3d'> => {
  if (node.op.startsWith('convTranspose')) return false
  const { cig, cog } = channelCounts(node)
  return cig === 1 && cog <= DIRECT_CHANNELS
}

/**
 * The direct kernel: each invocation computes DIRECT_PIXELS neighbouring outputs of one row
 * × up to DIRECT_CHANNELS output channels of a group, in named scalar accumulators, reading x
 * and the weight where they are (taps in the padding read nothing).
 */
const directConvStep = (node: NodeIn<'conv1d' | 'conv2d' | 'conv3d'>, target: KernelTarget): KernelStep => {
  const rank = node.params.rank
  const [x, w, bias] = node.inputs
  const [ad, ah, aw] = [...Array.from({ length: 3 - rank }, () => unitAxis), ...Array.from({ length: rank }, (_, i) => convAxisOf(node, i))]
  const { groups, batch, ci, co, cig, cog } = channelCounts(node)
  const TP = DIRECT_PIXELS
  const TC = Math.min(cog, DIRECT_CHANNELS)
  const channelTiles = Math.ceil(cog / TC)
  const rowTiles = Math.ceil(aw.output / TP)
  const rows = batch * ad.output * ah.output
  const pixelTiles = rows * rowTiles
  const [wx, wy] = [8, 1] as const
  const gx = Math.ceil(pixelTiles / wx)
  const maxGroups = target.maxComputeWorkgroupsPerDimension
  const [gridX, gridZ] = gx <= maxGroups ? [gx, 1] : [maxGroups, Math.ceil(gx / maxGroups)]
  const kk = ad.kernel * ah.kernel * aw.kernel
  const plane = ad.input * ah.input * aw.input
  const hw = ad.output * ah.output * aw.output
  const P = Array.from({ length: TP }, (_, p) => p)
  const J = Array.from({ length: TC }, (_, j) => j)
  const channelCheck = cog % TC !== 0
  const pixelCheck = aw.output % TP !== 0
  const lines = (xs: string[]) => xs.join('\n')
  return {
    label: `${node.op} x${JSON.stringify(x.shape)} w${JSON.stringify(w.shape)} -> ${JSON.stringify(node.shape)}: direct, ${TP} pixels x ${TC} channels`,
    // Exact-length views: the robustness clamps of their loads fold to constants.
    bindings: [
      { input: 0, view: { name: 'image', type: 'f32', length: x.shape.reduce((a, b) => a * b, 1) } },
      { input: 1, view: { name: 'weight', type: 'f32', length: w.shape.reduce((a, b) => a * b, 1) } },
      ...(bias ? [{ input: 2 }] : []), { output: true },
    ],
    dispatch: { workgroupSize: [wx, wy], workgroups: [gridX, Math.ceil((groups * channelTiles) / wy), gridZ] },
    epilogue: true,
    body: (io) => `  let pt = gid.x + gid.z * ${gridX * wx}u;
  if (pt >= ${pixelTiles}u || gid.y >= ${groups * channelTiles}u) { return; }
  let g = gid.y / ${channelTiles}u;
  let co0 = (gid.y % ${channelTiles}u) * ${TC}u; // first channel of the tile, within group g
  let ow0 = (pt % ${rowTiles}u) * ${TP}u;
  let row = pt / ${rowTiles}u; // (n, od, oh)
  let oh = row % ${ah.output}u;
  let od = (row / ${ah.output}u) % ${ad.output}u;
  let n = row / ${ah.output * ad.output}u;
${lines(J.map((j) => `  let wrow${j} = (g * ${cog}u + ${channelCheck ? `min(co0 + ${j}u, ${cog - 1}u)` : `co0 + ${j}u`}) * ${cig * kk}u;`))}
${lines(P.flatMap((p) => J.map((j) => `  var acc${p}_${j} = 0.0;`)))}
  for (var c = 0u; c < ${cig}u; c++) {
    let channel = (n * ${ci}u + g * ${cig}u + c) * ${plane}u;
    for (var kz = 0u; kz < ${ad.kernel}u; kz++) {
      let jd = i32(od * ${ad.stride}u + kz * ${ad.dilation}u);
      ${ad.gather('jd', 'id', 'okd')}
      for (var ky = 0u; ky < ${ah.kernel}u; ky++) {
        let jh = i32(oh * ${ah.stride}u + ky * ${ah.dilation}u);
        ${ah.gather('jh', 'ih', 'okh')}
        if (!(okd && okh)) { continue; }
        let line = channel + u32(id * ${ah.input} + ih) * ${aw.input}u;
        for (var kx = 0u; kx < ${aw.kernel}u; kx++) {
          let tap = (c * ${kk}u + (kz * ${ah.kernel}u + ky) * ${aw.kernel}u + kx);
${lines(J.map((j) => `          let w${j} = weight[wrow${j} + tap];`))}
${lines(P.flatMap((p) => [
  `          let jw${p} = i32((ow0 + ${p}u) * ${aw.stride}u + kx * ${aw.dilation}u);`,
  `          ${aw.gather(`jw${p}`, `iw${p}`, `okw${p}`)}`,
  `          let x${p} = select(0.0, image[line + u32(select(0, iw${p}, okw${p}))], okw${p});`,
  ...J.map((j) => `          acc${p}_${j} += x${p} * w${j};`),
]))}
        }
      }
    }
  }
  let base = n * ${co * hw}u + (od * ${ah.output}u + oh) * ${aw.output}u + ow0;
${lines(P.map((p) => {
  const stores = J.map((j) => {
    const c = `co0 + ${j}u`
    const store = io.store(`base + (g * ${cog}u + ${c}) * ${hw}u + ${p}u`, `acc${p}_${j}${bias ? ` + ${io.load(2, `g * ${cog}u + ${c}`)}` : ''}`)
    return channelCheck ? `    if (${c} < ${cog}u) { ${store} }` : `    ${store}`
  })
  return lines([`  ${pixelCheck ? `if (ow0 + ${p}u < ${aw.output}u) ` : ''}{`, ...stores, '  }'])
}))}`,
  }
}

/** What repackChannelsLast reads and writes. */
export interface ChannelsLastRepack {
  /** The WGSL function's name; it takes the flat vec4 index i of its output. */
  readonly name: string
  /** The node operand it reads: [N, groups·channels, (D,) (H,) W], row-major. */
  readonly operand: number
  /** The scratch array (vec4f) it writes. */
  readonly into: string
  /** Depth, height and width axes (unitAxis where the operand has fewer). */
  readonly axes: readonly [Axis, Axis, Axis]
  readonly groups: number
  /** Channels of one group. */
  readonly channels: number
  /** The operand's sample that output sample 0 is (a batch chunk). */
  readonly firstSample: number
}

/**
 * The repack of step 1 above: a WGSL function writing vec4 i of the padded, channels-last image
 * X'[n][g][(d)][h][w][c] (vec4 over c, c padded to 4): zeros in the padding and past the group's
 * channels. The weight gradient (conv-grad.wgsl.ts) repacks both of its operands with it.
 */
export const repackChannelsLast = (io: KernelIO, r: ChannelsLastRepack): string => {
  const [ad, ah, aw] = r.axes
  const deep = ad !== unitAxis
  const c4 = Math.ceil(r.channels / 4)
  const plane = ad.input * ah.input * aw.input // elements of one channel of the operand
  return `// ${r.into}[n][g]${deep ? '[d]' : ''}[h][w][c] (vec4 over c): zeros in the padding and past ${r.channels} channels.
fn ${r.name}(i: u32) {
  let c = (i % ${c4}u) * 4u;
  let jw = i32((i / ${c4}u) % ${aw.padded}u);
  let jh = i32((i / ${c4 * aw.padded}u) % ${ah.padded}u);${deep ? `\n  let jd = i32((i / ${c4 * aw.padded * ah.padded}u) % ${ad.padded}u);` : ''}
  let ng = i / ${c4 * aw.padded * ah.padded * ad.padded}u${r.firstSample > 0 ? ` + ${r.firstSample * r.groups}u` : ''}; // n·groups + g: channel block ng·${r.channels} of the operand${deep ? `\n  ${ad.gather('jd', 'id', 'okd')}` : ''}
  ${ah.gather('jh', 'ih', 'okh')}
  ${aw.gather('jw', 'iw', 'okw')}
  let ok = ${deep ? 'okd && ' : ''}okh && okw;
  let at = (ng * ${r.channels}u + c) * ${plane}u + u32(select(0, ${deep ? `(id * ${ah.input} + ih)` : 'ih'} * ${aw.input} + iw, ok));
  var v = vec4f(0.0);
${[0, 1, 2, 3].map((l) => `  if (ok && c + ${l}u < ${r.channels}u) { v[${l}] = ${io.load(r.operand, `at + ${l * plane}u`)}; }`).join('\n')}
  ${r.into}[i] = v;
}`
}

/** The repack, (texture copies,) and implicit GEMM of a conv or transposed conv node. */
const lowerConvGemm = (node: ConvNode, target: KernelTarget, tile: ConvTile): Lowering => {
  const transposed = node.op.startsWith('convTranspose')
  const rank = node.params.rank
  const [x, w, bias] = node.inputs
  // Unit leading axes below rank 3; `deep` says whether the depth axis is real (its transposed form is never sub-pixel).
  const deep = rank === 3
  const axisOf = (n: ConvNode, axis: number) =>
    n.op === 'conv1d' || n.op === 'conv2d' || n.op === 'conv3d' ? convAxisOf(n, axis) : convTransposeAxisOf(n, axis, !(deep && axis === 0))
  const [ad, ah, aw] = [...Array.from({ length: 3 - rank }, () => unitAxis), ...Array.from({ length: rank }, (_, i) => axisOf(node, i))]
  const { groups, batch, ci, co, cig, cog } = channelCounts(node)
  const c4 = Math.ceil(cig / 4) // vec4s of input channels per X' position
  const cot = ceilTo(cog, tile.channels) // output channels per group, padded to the tile
  const kk = ad.kernel * ah.kernel * aw.kernel
  const phases = ah.phases * aw.phases
  const weightKk = ad.weightKernel * ah.weightKernel * aw.weightKernel

  const sampleVec4s = groups * ad.padded * ah.padded * aw.padded * c4 // X' of one sample
  const wpVec4s = phases * groups * kk * c4 * 4 * (cot / 4)
  const limit = target.maxStorageBufferBindingSize
  for (const [what, vec4s] of [["one sample's repacked input", sampleVec4s], ['repacked weight', wpVec4s]] as const)
    if (vec4s * 16 > limit) throw new RangeError(`${node.op}: the ${what} needs ${vec4s * 16} bytes, over the ${limit}-byte storage binding limit`)
  // An X' over the binding limit is split along the batch: each chunk of samples is repacked into
  // the same scratch and multiplied by its own GEMM dispatch (the weight is repacked once).
  const chunk = Math.min(batch, Math.floor(limit / (sampleVec4s * 16)))
  const chunks = Array.from({ length: Math.ceil(batch / chunk) }, (_, k) => ({ first: k * chunk, count: Math.min(chunk, batch - k * chunk) }))
  const xpVec4s = chunk * sampleVec4s

  const name = `${node.op} x${JSON.stringify(x.shape)} w${JSON.stringify(w.shape)} -> ${JSON.stringify(node.shape)}`

  // Steps 1 and 2 run as one dispatch (one shader less to compile per node):
  // invocations [0, X) repack the input, [X, X + W) the weight.
  // Conv weight is [Co, Ci/g, (kd,) kh, kw]; transposed [Ci, Co/g, (kd,) kh, kw], its taps (flipped, per phase) chosen by the axes.
  const source = transposed
    ? `((g * ${cig}u + c) * ${cog}u + o) * ${weightKk}u + tap`
    : `((g * ${cog}u + o) * ${cig}u + c) * ${weightKk}u + tap`
  // Chunk `first` repacks samples first… of x (and, the first chunk, the weight).
  const repack = (first: number, count: number): KernelStep => {
    const inputVec4s = count * sampleVec4s
    const weight = first === 0
    return {
      label: `${name}: repack input${chunks.length > 1 ? ` samples ${first}..${first + count - 1}` : ''} to padded channels-last${weight ? `, weight to [phase][g]${deep ? '[kz]' : ''}[ky][kx][ci][co]` : ''}`,
      bindings: weight
        ? [{ input: 0 }, { input: 1 }, { scratch: 0, view: { name: 'xp', type: 'vec4f' } }, { scratch: 1, view: { name: 'wp', type: 'vec4f' } }]
        : [{ input: 0 }, { scratch: 0, view: { name: 'xp', type: 'vec4f' } }],
      dispatch: { threads: inputVec4s + (weight ? wpVec4s : 0) },
      module: (io) => `${repackChannelsLast(io, { name: 'repack_input', operand: 0, into: 'xp', axes: [ad, ah, aw], groups, channels: cig, firstSample: first })}
${weight ? weightModule(io) : ''}`,
      body: () => `  if (i < ${inputVec4s}u) { repack_input(i); }${weight ? ` else if (i < ${inputVec4s + wpVec4s}u) { repack_weight(i - ${inputVec4s}u); }` : ''}`,
    }
  }
  const weightModule = (io: KernelIO) => `
// W'[phase][g]${deep ? '[kz]' : ''}[ky][kx][ci][co] (vec4 over co): zeros past Ci/g and Co/g, and where a phase has fewer taps.
fn repack_weight(i: u32) {
  let o0 = (i % ${cot / 4}u) * 4u;
  let c = (i / ${cot / 4}u) % ${c4 * 4}u;
  let k = (i / ${(cot / 4) * c4 * 4}u) % ${kk}u;
  let g = (i / ${(cot / 4) * c4 * 4 * kk}u) % ${groups}u;
  let phase = i / ${(cot / 4) * c4 * 4 * kk * groups}u;${deep ? `
  // The depth tap (one phase along depth) and the tap within a (kh, kw) plane.
  let td = ${ad.weightTap('0u', `(k / ${ah.kernel * aw.kernel}u)`)};
  let kyx = k % ${ah.kernel * aw.kernel}u;` : ''}
  let th = ${ah.weightTap(`(phase / ${aw.phases}u)`, `(${deep ? 'kyx' : 'k'} / ${aw.kernel}u)`)};
  let tw = ${aw.weightTap(`(phase % ${aw.phases}u)`, `(${deep ? 'kyx' : 'k'} % ${aw.kernel}u)`)};
  let inside = ${deep ? `td < ${ad.weightKernel} && ` : ''}th < ${ah.weightKernel} && tw < ${aw.weightKernel};
  let tap = u32(select(0, ${deep ? `(td * ${ah.weightKernel} + th)` : 'th'} * ${aw.weightKernel} + tw, inside));
  var v = vec4f(0.0);
  for (var l = 0u; l < 4u; l++) {
    let o = o0 + l;
    if (inside && c < ${cig}u && o < ${cog}u) { v[l] = ${io.load(1, source)}; }
  }
  wp[i] = v;
}`

  const scratchBytes = [xpVec4s * 16, wpVec4s * 16]
  // The fuse-epilogues pass wraps the stores of a lowering's last step only, so a split conv
  // (several GEMMs writing the output) leaves its elementwise consumers unfused.
  const shape = (first: number, count: number): GemmShape => ({ ad, ah, aw, batch: count, first, groups, co, cog, cot, c4, hasBias: bias !== undefined, epilogue: chunks.length === 1 })
  if (chunks.length > 1)
    return { scratchBytes, steps: chunks.flatMap(({ first, count }) => [repack(first, count), gemmStep(name, tile, shape(first, count), false, target)]) }
  // As textures, X' is (Pw·C4 texels) × (N·g·Pd·Ph rows) and W' (Co_t/4) × (phases·g·kk·C4·4 rows).
  const xTexture = [aw.padded * c4, batch * groups * ad.padded * ah.padded] as const
  const wTexture = [cot / 4, phases * groups * kk * c4 * 4] as const
  const prepare = repack(0, batch)
  const buffers = { scratchBytes, steps: [prepare, gemmStep(name, tile, shape(0, batch), false, target)] }
  if (!tile.textures) return buffers
  // The choose-operand-layout pass decides whether X' and W' are read as textures (copied from the scratch buffers).
  const textureOffer: TextureOffer = {
    operands: [
      { source: { scratch: 0 }, rows: xTexture[1], cols: xTexture[0] * 4 },
      { source: { scratch: 1 }, rows: wTexture[1], cols: wTexture[0] * 4 },
    ],
    scratchBytes,
    prepare: [prepare],
    step: gemmStep(name, tile, shape(0, batch), true, target),
  }
  return { ...buffers, textureOffer }
}

interface GemmShape {
  /** The depth axis: unitAxis below rank 3; never sub-pixel. */
  readonly ad: Axis
  readonly ah: Axis
  readonly aw: Axis
  /** Samples this GEMM computes, from sample `first` of the output on. */
  readonly batch: number
  readonly first: number
  /** Whether the stores may take a fused epilogue (only when this GEMM writes the whole output). */
  readonly epilogue: boolean
  readonly groups: number
  readonly co: number
  readonly cog: number
  readonly cot: number
  readonly c4: number
  readonly hasBias: boolean
}

/** Step 3: the register-tiled implicit GEMM over X' and W', from storage buffers or textures. */
const gemmStep = (name: string, tile: ConvTile, s: GemmShape, textures: boolean, target: KernelTarget): KernelStep => {
  const { ad, ah, aw, batch, groups, co, cog, cot, c4 } = s
  const deep = ad !== unitAxis
  const TP = tile.pixels
  const TC4 = tile.channels / 4
  const [wx, wy] = tile.workgroup
  // Output positions per image (Do·Ho·Wo).
  const hw = ad.output * ah.output * aw.output
  // A sub-pixel axis splits the outputs into phases: the GEMM's M is one phase's outputs, and
  // each phase is its own band of workgroup rows (gid.y = phase · channel tiles + channel tile).
  const phases = ah.phases * aw.phases
  const phased = phases > 1
  const planePhase = ah.perPhase * aw.perPhase
  const hwPhase = ad.output * planePhase
  const m = batch * hwPhase
  const pixelTiles = Math.ceil(m / TP)
  const channelTiles = groups * (cot / tile.channels)
  const cot4 = cot / 4
  // Workgroups along pixel tiles spill into z past the target's per-dimension limit.
  const gx = Math.ceil(pixelTiles / wx)
  const maxGroups = target.maxComputeWorkgroupsPerDimension
  const [gridX, gridZ] = gx <= maxGroups ? [gx, 1] : [maxGroups, Math.ceil(gx / maxGroups)]
  const range = (n: number) => Array.from({ length: n }, (_, i) => i)
  const P = range(TP)
  const J = range(TC4)
  const lines = (f: (i: number) => string | string[], xs: number[]) => xs.flatMap(f).join('\n')

  // Per pixel p: where its window starts in X' (vec4 units; as a texture, texel column and row), and its place in the output.
  // X' rows are (n, g, (d,) h); r counts (od,) oh, ow within one image and phase.
  const rowBlock = (p: number) =>
    deep ? `((n${p} * ${groups}u + g) * ${ad.padded}u + (r${p} / ${planePhase}u) * ${ad.stride}u)` : `(n${p} * ${groups}u + g)`
  const startRow = (p: number) =>
    `${deep ? `((r${p} / ${aw.perPhase}u) % ${ah.perPhase}u)` : `(r${p} / ${aw.perPhase}u)`} * ${ah.stride}u${phased ? ' + sh' : ''}`
  const startCol = (p: number) => (phased ? `((r${p} % ${aw.perPhase}u) * ${aw.stride}u + sw) * ${c4}u` : `(r${p} % ${aw.perPhase}u) * ${aw.stride * c4}u`)
  const start = (p: number) =>
    textures
      ? [`  let xr${p} = ${rowBlock(p)} * ${ah.padded}u + ${startRow(p)};`, `  let xc${p} = ${startCol(p)};`]
      : [`  let b${p} = (${rowBlock(p)} * ${ah.padded}u + ${startRow(p)}) * ${aw.padded * c4}u + ${startCol(p)};`]
  const pixelSetup = lines((p) => [
    `  let m${p} = min(first + ${p}u, ${m - 1}u);`,
    `  let n${p} = m${p} / ${hwPhase}u;`,
    `  let r${p} = m${p} % ${hwPhase}u;`,
    ...start(p),
  ], P)
  const accumulators = lines((p) => J.map((j) => `  var acc${p}_${j} = vec4f(0.0);`), P)
  // One K step of 4 input channels: TP vec4 loads of X', 4·TC/4 of W', TP·TC·4 multiply-adds.
  // Plain mul/add rather than fma(): fma() lowers to a library call on CPUs without FMA.
  const loadW = (r: number, j: number) => (textures ? `textureLoad(wp, vec2u(wc + ${j}u, wi + ${r}u))` : `wp[wi + ${r * cot4 + j}u]`)
  const loadX = (p: number) => (textures ? `textureLoad(xp, vec2u(xc${p} + xo + c, xr${p} + yo))` : `xp[b${p} + xo + c]`)
  const step = [
    ...range(4).flatMap((r) => J.map((j) => `        let w${r}_${j} = ${loadW(r, j)};`)),
    ...P.flatMap((p) => [
      `        let x${p} = ${loadX(p)};`,
      ...J.map((j) => `        acc${p}_${j} += x${p}.x * w0_${j} + x${p}.y * w1_${j} + x${p}.z * w2_${j} + x${p}.w * w3_${j};`),
    ]),
  ].join('\n')
  // Stores: checks only where a remainder is possible (a phase's outputs past the edge, too).
  const pixelCheck = m % TP !== 0
  const phaseCheck = [ah, aw].some((a) => a.output % a.phases !== 0)
  const channelCheck = cog % tile.channels !== 0
  const lanes = ['x', 'y', 'z', 'w']
  const stores = (io: KernelIO) => lines((p) => {
    const body = J.flatMap((j) =>
      lanes.map((lane, l) => {
        const c = `co0 + ${4 * j + l}u`
        const index = `o${p} + (g * ${cog}u + ${c}) * ${hw}u`
        const store = io.store(index, `acc${p}_${j}.${lane}${s.hasBias ? ` + ${io.load(2, `g * ${cog}u + ${c}`)}` : ''}`)
        return channelCheck ? `    if (${c} < ${cog}u) { ${store} }` : `    ${store}`
      }),
    )
    // Sample n of this GEMM is sample s.first + n of the output.
    const sample = s.first > 0 ? `(n${p} + ${s.first}u)` : `n${p}`
    if (!phased) return [`  ${pixelCheck ? `if (first + ${p}u < ${m}u) ` : ''}{`, `    let o${p} = ${sample} * ${co * hw}u + r${p};`, ...body, '  }']
    const checks = [...(pixelCheck ? [`first + ${p}u < ${m}u`] : []), ...(phaseCheck ? [`oh${p} < ${ah.output}u && ow${p} < ${aw.output}u`] : [])]
    return [
      `  let oh${p} = ${deep ? `((r${p} / ${aw.perPhase}u) % ${ah.perPhase}u)` : `(r${p} / ${aw.perPhase}u)`} * ${ah.phases}u + ph / ${aw.phases}u;`,
      `  let ow${p} = (r${p} % ${aw.perPhase}u) * ${aw.phases}u + ph % ${aw.phases}u;`,
      `  ${checks.length > 0 ? `if (${checks.join(' && ')}) ` : ''}{`,
      `    let o${p} = ${sample} * ${co * hw}u + ${deep ? `((r${p} / ${planePhase}u) * ${ah.output}u + oh${p})` : `oh${p}`} * ${aw.output}u + ow${p};`,
      ...body,
      '  }',
    ]
  }, P)

  // Texture rows of W' are (phase, g, (kz,) ky, kx, ci); buffer index is row·Co_t/4 + column.
  const wGroup = phased ? `(ph * ${groups}u + g)` : 'g'
  const tap = `${wGroup} * ${ad.kernel * ah.kernel * aw.kernel}u + ${deep ? `(kz * ${ah.kernel}u + ky)` : 'ky'} * ${aw.kernel}u + kx`
  const wStart = textures
    ? `      var wi = (${tap}) * ${c4 * 4}u;`
    : `      var wi = ((${tap}) * ${c4 * 4}u) * ${cot4}u + co0 / 4u;`
  // The tap's offset from the window's start: rows ((kz,) ky) and columns kx of X'.
  const depthRows = deep ? `kz * ${ad.dilation * ah.padded}u + ` : ''
  const depthOffset = deep ? `kz * ${ad.dilation * ah.padded * aw.padded}u + ` : ''
  const tapOffset = textures
    ? `      let yo = ${depthRows}ky * ${ah.dilation}u;\n      let xo = kx * ${aw.dilation * c4}u;`
    : `      let xo = (${depthOffset}ky * ${ah.dilation * aw.padded}u + kx * ${aw.dilation}u) * ${c4}u;`
  // Which band of rows this invocation is in: its phase (sub-pixel axes) and channel tile.
  const phaseSetup = phased
    ? [
        `  let ph = gid.y / ${channelTiles}u; // output phase: row phase · ${aw.phases} + column phase`,
        `  let ct = gid.y % ${channelTiles}u;`,
        `  let sh = ${ah.phaseStart(`(ph / ${aw.phases}u)`)};`,
        `  let sw = ${aw.phaseStart(`(ph % ${aw.phases}u)`)};`,
      ].join('\n')
    : '  let ct = gid.y;'
  const operands: KernelBinding[] = textures
    ? [{ texture: 0, name: 'xp' }, { texture: 1, name: 'wp' }]
    : [{ scratch: 0, view: { name: 'xp', type: 'vec4f' } }, { scratch: 1, view: { name: 'wp', type: 'vec4f' } }]
  return {
    label: `${name}: implicit GEMM${s.first > 0 || !s.epilogue ? ` of samples ${s.first}..${s.first + batch - 1}` : ''} M=${m}${phased ? ` x${phases} phases` : ''} N=${cog}x${groups} K=${c4 * 4}x${deep ? `${ad.kernel}x` : ''}${ah.kernel}x${aw.kernel}, tile ${TP} pixels x ${tile.channels} channels, wg ${wx}x${wy}, ${textures ? 'texture' : 'buffer'} operands`,
    bindings: [...operands, ...(s.hasBias ? [{ input: 2 }] : []), { output: true }],
    dispatch: { workgroupSize: [wx, wy], workgroups: [gridX, Math.ceil((phases * channelTiles) / wy), gridZ] },
    epilogue: s.epilogue,
    body: (io) => `  let pt = gid.x + gid.z * ${gridX * wx}u;
  if (pt >= ${pixelTiles}u || gid.y >= ${phases * channelTiles}u) { return; }
${phaseSetup}
  let g = ct / ${cot / tile.channels}u;
  let co0 = (ct % ${cot / tile.channels}u) * ${tile.channels}u; // first channel of the tile, within group g
  let first = pt * ${TP}u;${textures ? '\n  let wc = co0 / 4u;' : ''}
${pixelSetup}
${accumulators}
${deep ? `  for (var kz = 0u; kz < ${ad.kernel}u; kz++) {\n` : ''}  for (var ky = ${phased ? ah.firstTap(`(ph / ${aw.phases}u)`) : '0u'}; ky < ${ah.kernel}u; ky++) {
    for (var kx = ${phased ? aw.firstTap(`(ph % ${aw.phases}u)`) : '0u'}; kx < ${aw.kernel}u; kx++) {
${tapOffset}
${wStart}
      for (var c = 0u; c < ${c4}u; c++) {
${step}
        wi += ${textures ? 4 : 4 * cot4}u;
      }
    }
  }${deep ? '\n  }' : ''}
${stores(io)}`,
  }
}

