/**
 * WGSL of a 3×3 stride-1 convolution by Winograd's minimal filtering F(m×m, 3×3) (Lavin & Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2015). Each m×m block of outputs is
 *
 *   Y = Aᵀ [ Σ_ci (G g Gᵀ) ⊙ (Bᵀ d B) ] A
 *
 * where d is the α×α patch of input under the block (α = m + 2) and g a 3×3 filter: α² multiplies
 * per block and input channel instead of 9m². F(4×4, 3×3) does 36 where the implicit GEMM of
 * conv.wgsl.ts does 144 (4× fewer), F(2×2, 3×3) 16 for 36 (2.25×). The α² element-wise products
 * summed over channels are α² independent GEMMs, one per position ξ of the transformed tile:
 *
 * 1. transform (one dispatch): the input into V[ξ][tile][ci] (vec4 over ci, ci padded to 4;
 *    taps in the padding read zeros), and the weight into U[ci][ξ][co] (vec4 over co, padded
 *    to the GEMM's channel tile; ci as rows keeps it within a texture's 2-D size for 512 channels);
 * 2. the GEMMs: M[ξ][tile][co] = Σ_ci V[ξ][tile][ci]·U[ci][ξ][co], a register tile of TP tiles ×
 *    TC channels per invocation as in conv.wgsl.ts's GEMM, V and U read as textures where the
 *    target prefers them and they fit (decided here, not by the choose-operand-layout pass: its
 *    offer has one reading step, and the output transform reads M as a texture too);
 * 3. the output transform: Aᵀ M A per tile and 4 channels, plus the bias, stored through the
 *    output's `io.store` (so an elementwise consumer fuses into it, as into the GEMM's stores).
 *
 * Tiles are m×m blocks of the output ((n, th, tw), tile t = (n·tilesH + th)·tilesW + tw); an
 * output size that m does not divide leaves part blocks whose extra outputs are computed and
 * not stored.
 *
 * On llvmpipe a shader's stores, not its multiply-adds, bound the transforms and the GEMMs' K of
 * only Ci: V and M are α²/m² times the input and output (4× for F(2×2), 2.25× for F(4×4)), which
 * is why the larger tile measured faster there despite its longer transforms (bench/README.md,
 * "Winograd").
 *
 * A stride-1 transposed 3×3 convolution (a stride-1 conv's input gradient) is the same
 * correlation with the kernel flipped, its channel axes swapped and padding 2 − p, so it runs
 * here too.
 *
 * Rounding: F(2×2)'s transforms hold only 0, ±1 and ±½ and its float32 error stays near the
 * direct sum's; F(4×4)'s hold ±4, ±5, ⅙, 1/24 and its error is about five times larger (for 64
 * channels of values in [−1, 1], ~2e-5 on outputs of magnitude ~10 against ~5e-6), as in cuDNN's
 * and oneDNN's Winograd convolutions, which use the same tile. As there, an infinite input reaches
 * every output of its tile (the transforms mix the whole patch), and may turn to NaN where the direct
 * sum would keep outputs whose windows do not hold it finite.
 */
import type { NodeIn, NodeOf } from '../graph.ts'
import type { KernelBinding, KernelIO, KernelStep, KernelTarget, Lowering, TextureCopy } from '../compiler/kernel.ts'
import { sizeOf } from '../compiler/wgsl.ts'
import { convPadding, paddingOnAxis } from '../shape/conv.ts'
import { axisValue } from '../shape/errors.ts'
import type { ConvTile } from './conv.wgsl.ts'

/** A conv2d or convTranspose2d node. */
type Conv2dNode = NodeIn<'conv2d' | 'convTranspose2d'>

const range = (n: number) => Array.from({ length: n }, (_, i) => i)
const ceilTo = (a: number, b: number) => Math.ceil(a / b) * b
const LANES = ['x', 'y', 'z', 'w'] as const

/** A texture operand's size: [width in rgba texels, height in rows]. */
type TextureSize = readonly [number, number]
const fitsTexture = (size: TextureSize, target: KernelTarget) => size.every((d) => d <= target.maxTextureDimension2D)
/** The copy of a row-major f32 matrix (an input or scratch buffer) into texture `texture` of `size`. */
const textureCopy = (source: TextureCopy['copyToTexture']['source'], texture: number, [width, rows]: TextureSize): TextureCopy =>
  ({ copyToTexture: { source, texture, rows, cols: width * 4 } })

/**
 * WGSL locating invocation i of a per-tile step: tile t = (n·tilesH + th)·tilesW + tw and four
 * channels `channel`…+3 (`vec4s` of them), with tw as i's fastest part. llvmpipe runs 8
 * consecutive invocations as the lanes of one SIMD vector, so with neighbouring tiles in the lanes
 * their texel loads and their stores into an NCHW image touch neighbouring memory; with the channels
 * fastest, each lane read and wrote a different image plane. W3 (3×3 64→64, 56², batch 8): the input
 * transform 9.5 → 5.7 ms, the output transform 6.2 → 4.7 ms, the call 35 → 28.5 ms.
 */
const tileOfInvocation = (channel: string, vec4s: number, tilesW: number, tilesH: number): string => `  let tw = i % ${tilesW}u;
  let ${channel} = ((i / ${tilesW}u) % ${vec4s}u) * 4u;
  let th = (i / ${tilesW * vec4s}u) % ${tilesH}u;
  let n = i / ${tilesW * vec4s * tilesH}u;
  let t = (n * ${tilesH}u + th) * ${tilesW}u + tw;`

/** The transforms of F(m×m, 3×3): Bᵀ (α×α), G (α×3) and Aᵀ (m×α), α = m + 2. */
export interface WinogradTransforms {
  /** Outputs per tile along each axis. */
  readonly m: 2 | 4
  readonly BT: readonly (readonly number[])[]
  readonly G: readonly (readonly number[])[]
  readonly AT: readonly (readonly number[])[]
}

/** F(2×2, 3×3) at the points 0, ±1, ∞. */
export const F2x2: WinogradTransforms = {
  m: 2,
  BT: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
  G: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
  AT: [[1, 1, 1, 0], [0, 1, -1, -1]],
}

/** F(4×4, 3×3) at the points 0, ±1, ±2, ∞ (Lavin & Gray's matrices). */
export const F4x4: WinogradTransforms = {
  m: 4,
  BT: [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
  G: [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
  AT: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
}

/** WGSL of Σ coefficients[k]·terms[k]: zeros left out, ±1 as a sum or difference. */
const combination = (coefficients: readonly number[], terms: readonly string[]): string => {
  const parts = coefficients.flatMap((c, k) => {
    if (c === 0) return []
    const magnitude = Math.abs(c) === 1 ? terms[k] : `${literal(Math.abs(c))} * ${terms[k]}`
    return [{ negative: c < 0, text: magnitude }]
  })
  if (parts.length === 0) return 'vec4f(0.0)'
  return parts.map((p, k) => (k === 0 ? `${p.negative ? '-' : ''}${p.text}` : ` ${p.negative ? '-' : '+'} ${p.text}`)).join('')
}
/** A float literal WGSL accepts (1/6 and 1/24 to float32 precision). */
const literal = (x: number): string => (Number.isInteger(x) ? `${x}.0` : `${Math.fround(x)}`)

/**
 * The correlation a node is, if F(m×m, 3×3) computes it: a 3×3 kernel, stride 1, dilation 1,
 * one group (a transposed one has no output padding at stride 1). `left` is each axis's padding
 * before the first input: output o reads input o − left + k.
 */
export const winogradCorrelation = (node: NodeIn<'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'>): { readonly left: readonly [number, number] } | undefined => {
  if (node.op !== 'conv2d' && node.op !== 'convTranspose2d') return undefined
  const [x, w] = node.inputs
  if ((node.params.groups ?? 1) !== 1 || w.shape[2] !== 3 || w.shape[3] !== 3) return undefined
  if ([0, 1].some((a) => axisValue(node.params.stride, a, 1) !== 1 || axisValue(node.params.dilation, a, 1) !== 1)) return undefined
  if (node.op === 'conv2d') return { left: [0, 1].map((a) => convPadding(x.shape[2 + a], 3, 1, paddingOnAxis(node.params.padding, a), 1)[0]) as [number, number] }
  // The transposed conv reads x at o − (2 − p) + k with the kernel flipped.
  return { left: [0, 1].map((a) => 2 - axisValue(node.params.padding, a, 0)) as [number, number] }
}

/**
 * Whether a node takes the Winograd form by default: its correlation is one F(m×m, 3×3) computes,
 * it has at least the target's `winogradMinWork` multiply-adds (0: never) and 16 channels in and out,
 * `winogradTransformsFor` finds transforms that pay, and V, U and M each fit a binding.
 */
export const prefersWinograd = (node: Conv2dNode, target: KernelTarget): boolean => {
  if (winogradCorrelation(node) === undefined) return false
  const [ci, co] = [node.inputs[0].shape[1], node.shape[1]]
  const work = node.shape[0] * node.shape[2] * node.shape[3] * ci * co * 9
  if (target.winogradMinWork === 0 || ci < 16 || co < 16 || work < target.winogradMinWork) return false
  const f = winogradTransformsFor(node)
  if (f === undefined) return false
  // x and the output are bound whole (the implicit GEMM splits a big batch instead).
  const whole = [node.inputs[0].shape, node.shape].map((shape) => 4 * sizeOf(shape))
  return [...winogradScratch(node, f, defaultWinogradTile(target)), ...whole].every((b) => b <= target.maxStorageBufferBindingSize)
}

/** Tiles of F(m×m, 3×3) over a conv's output: m×m blocks of each sample. */
const tilesOf = (node: Conv2dNode, f: WinogradTransforms) => node.shape[0] * Math.ceil(node.shape[2] / f.m) * Math.ceil(node.shape[3] / f.m)

/**
 * The transforms a conv takes, or undefined where neither pays. F(4×4, 3×3), 36 multiplies per 16
 * outputs, unless an output axis has at most 2 positions (a 4×4 tile mostly past the edge does as
 * many multiplies as the direct sum) or the weight's transform outweighs what it saves, and then
 * F(2×2, 3×3), 16 multiplies per 4 outputs. The weight's transform stores α²·ci·co values a call and
 * the GEMMs do α²·tiles·ci·co multiply-adds, so the transform weighs most where output channels far
 * outnumber tiles. ResNet-18's 512-channel layer at 4² and batch 32 (co = 16 × its 32 tiles of 4×4,
 * 4 × its 128 of 2×2) took 56–61 ms a call as F(4×4), 54–55 ms as the implicit GEMM and 45 ms as
 * F(2×2) (its input gradient: 55–57, 56–77 and 44–47 ms; bench/resnet-layers.ts, alternated).
 */
export const winogradTransformsFor = (node: Conv2dNode): WinogradTransforms | undefined => {
  const co = node.shape[1]
  if (Math.min(node.shape[2], node.shape[3]) > 2 && co <= 2 * tilesOf(node, F4x4)) return F4x4
  return co <= 4 * tilesOf(node, F2x2) ? F2x2 : undefined
}

/** The GEMMs' register tile: the target's large conv tile. */
export const defaultWinogradTile = (target: KernelTarget): ConvTile => ({ ...target.largeTiles.conv, textures: true })

/** Sizes of the tiled problem. */
const winogradSizes = (node: Conv2dNode, f: WinogradTransforms, tile: ConvTile) => {
  const [x] = node.inputs
  const [batch, ci, H, W] = x.shape
  const [, co, Ho, Wo] = node.shape
  const tilesH = Math.ceil(Ho / f.m), tilesW = Math.ceil(Wo / f.m)
  const alpha = f.m + 2
  return { batch, ci, H, W, co, Ho, Wo, tilesH, tilesW, tiles: batch * tilesH * tilesW, c4: Math.ceil(ci / 4), cot: ceilTo(co, tile.channels), alpha, xis: alpha * alpha }
}

/** Bytes of V, U and M. */
const winogradScratch = (node: Conv2dNode, f: WinogradTransforms, tile: ConvTile): number[] => {
  const { tiles, c4, cot, xis } = winogradSizes(node, f, tile)
  return [xis * tiles * c4 * 16, xis * c4 * 4 * cot * 4, xis * tiles * cot * 4]
}


/** What `inputTransform` reads: an image operand [N, channels, H, W] and its tiling. */
interface InputTiling {
  readonly f: WinogradTransforms
  /** The node operand read (through `io.load`, or as texture 3 named `xt` when `fromTexture`). */
  readonly operand: number
  readonly batch: number
  readonly channels: number
  readonly H: number
  readonly W: number
  readonly tilesH: number
  readonly tilesW: number
  /** Padding before the first row and column: tile (th, tw)'s patch starts at (m·th − top, m·tw − left). */
  readonly top: number
  readonly left: number
  /** Read the image as a texture (rows n·channels + c, W/4 texels a row): W and m multiples of 4. */
  readonly fromTexture: boolean
}

/**
 * WGSL of `transform_input(i)`: V[ξ][t][c] = (Bᵀ d B)[ξ] for the α×α patch d of the image under
 * tile t, vec4 over 4 channels (i = t·c4 + c/4), written to the vec4 array `v`. One tile per
 * invocation: tiles in strips along a row (sharing their patches' overlapping columns) ran no faster
 * on llvmpipe, whose cost here is V's stores, and their longer shaders took up to twice as long to
 * compile. The forward conv and the weight gradient (of the same image) share it.
 */
const inputTransform = (io: KernelIO, p: InputTiling): string => {
  const { f, batch, channels, H, W, tilesH, tilesW, top, left } = p
  const { m } = f
  const alpha = m + 2
  const A = range(alpha)
  const c4 = Math.ceil(channels / 4)
  const tiles = batch * tilesH * tilesW
  // The patch from the image as a texture (row n·channels + c, texel y·W/4 + x/4): a texel holds four
  // columns of one channel, so the patch's α columns of a row are two or three texels per channel.
  const patchFromTexture = () => {
    const offset = (k: number) => k - left // column x0 + k is texel m·tw/4 + ⌊offset/4⌋, lane offset mod 4
    const texels = [...new Set(A.map((k) => Math.floor(offset(k) / 4)))]
    const L = range(4)
    return [
      `  let texel0 = i32(tw * ${m / 4}u);`,
      ...L.map((l) => `  let xrow${l} = min(n * ${channels}u + c + ${l}u, ${batch * channels - 1}u);\n  let lane${l} = c + ${l}u < ${channels}u;`),
      ...A.map((k) => `  let col${k} = x0 + ${k} >= 0 && x0 + ${k} < ${W};`),
      ...A.flatMap((a) => [
        `  let yy${a} = y0 + ${a};`,
        `  let row${a} = yy${a} >= 0 && yy${a} < ${H};`,
        ...L.flatMap((l) => texels.map((e) =>
          `  let x${a}_${l}_${e < 0 ? `m${-e}` : e} = textureLoad(xt, vec2u(u32(clamp(yy${a} * ${W / 4} + texel0 + ${e}, 0, ${(H * W) / 4 - 1})), xrow${l}));`)),
        ...A.map((k) => {
          const e = Math.floor(offset(k) / 4), lane = LANES[((offset(k) % 4) + 4) % 4]
          const name = `x${a}_%l_${e < 0 ? `m${-e}` : e}.${lane}`
          return `  let d${a}_${k} = select(vec4f(0.0), vec4f(${L.map((l) => `select(0.0, ${name.replace('%l', String(l))}, lane${l})`).join(', ')}), row${a} && col${k});`
        }),
      ]),
    ].join('\n')
  }
  return `// V[ξ][t][c] = (Bᵀ d B)[ξ] for the ${alpha}×${alpha} input patch d under tile t (vec4 over 4 channels).
fn transform_input(i: u32) {
${tileOfInvocation('c', c4, tilesW, tilesH)}
  let y0 = i32(th * ${m}u) - ${top};
  let x0 = i32(tw * ${m}u) - ${left};
${p.fromTexture ? patchFromTexture() : A.flatMap((a) => A.map((k) => `  let d${a}_${k} = input_patch(n, c, y0 + ${a}, x0 + ${k});`)).join('\n')}
  // Bᵀ d: rows.
${A.flatMap((k) => A.map((a) => `  let r${a}_${k} = ${combination(f.BT[a], A.map((i) => `d${i}_${k}`))};`)).join('\n')}
  // (Bᵀ d) B: columns; ξ = α·a + b is row-major in the transformed tile.
${A.flatMap((a) => A.map((b) => `  v[(${alpha * a + b}u * ${tiles}u + t) * ${c4}u + c / 4u] = ${combination(f.BT[b], A.map((j) => `r${a}_${j}`))};`)).join('\n')}
}
${p.fromTexture ? '' : `
// Four channels c… of sample n at (y, x), zero in the padding and past ${channels} channels.
fn input_patch(n: u32, c: u32, y: i32, x: i32) -> vec4f {
  var p = vec4f(0.0);
  if (y < 0 || y >= ${H} || x < 0 || x >= ${W}) { return p; }
  let at = (n * ${channels}u + c) * ${H * W}u + u32(y * ${W} + x);
${range(4).map((l) => `  if (c + ${l}u < ${channels}u) { p.${LANES[l]} = ${io.load(p.operand, `at + ${l * H * W}u`)}; }`).join('\n')}
  return p;
}
`}`
}

/**
 * The three steps of F(m×m, 3×3) for a node `winogradCorrelation` accepts; throws for any other.
 * Where the target prefers textures and they fit, V is read as a (tilesW·c4 texels) × (α²·N·tilesH
 * rows) texture, U as (α²·cot/4) × (c4·4) and M as (tilesW·cot/4) × (α²·N·tilesH), each copied
 * from its scratch buffer after the step that writes it.
 */
export const lowerConvWinograd = (node: Conv2dNode, target: KernelTarget, f: WinogradTransforms = winogradTransformsFor(node) ?? F4x4, tile: ConvTile = defaultWinogradTile(target)): Lowering => {
  const correlation = winogradCorrelation(node)
  if (correlation === undefined) throw new Error(`${node.op}: Winograd's F(m×m, 3×3) takes a 3×3 kernel at stride 1, dilation 1, one group`)
  const [top, left] = correlation.left
  const transposed = node.op === 'convTranspose2d'
  const [x, w, bias] = node.inputs
  const { batch, ci, H, W, co, Ho, Wo, tilesH, tilesW, tiles, c4, cot, alpha, xis } = winogradSizes(node, f, tile)
  const { m } = f
  const cot4 = cot / 4
  const scratchBytes = winogradScratch(node, f, tile)
  for (const [k, what] of ['transformed input', 'transformed weight', 'products'].entries())
    if (scratchBytes[k] > target.maxStorageBufferBindingSize)
      throw new RangeError(`${node.op}: Winograd's ${what} needs ${scratchBytes[k]} bytes, over the ${target.maxStorageBufferBindingSize}-byte storage binding limit`)
  const name = `${node.op} x${JSON.stringify(x.shape)} w${JSON.stringify(w.shape)} -> ${JSON.stringify(node.shape)}`
  const F = `F(${m}x${m},3x3)`
  const vVec4s = xis * tiles * c4
  const uVec4s = xis * c4 * 4 * cot4
  const inputThreads = tiles * c4
  const A = range(alpha)
  // Textures (where the target prefers them and each fits): V and U for the GEMMs, M for the output
  // transform, and x for the input transform where its rows are whole texels and every patch starts
  // at the same lane of a texel (W and m multiples of 4), so each column's texel and lane are constants.
  const size = (width: number, height: number): TextureSize => [width, height]
  const vTexture = size(tilesW * c4, xis * batch * tilesH)
  const uTexture = size(xis * cot4, c4 * 4)
  const mTexture = size(tilesW * cot4, xis * batch * tilesH)
  const xTexture = size((H * W) / 4, batch * ci)
  const fits = (t: TextureSize) => fitsTexture(t, target)
  const textures = tile.textures === true && target.textureOperands && [vTexture, uTexture, mTexture].every(fits)
  const xFromTexture = textures && W % 4 === 0 && m % 4 === 0 && fits(xTexture)

  const transform: KernelStep = {
    label: `${name}: Winograd ${F} transforms: input${xFromTexture ? ' (read as a texture)' : ''} to V[${xis}][${tiles} tiles][${c4 * 4} ci], weight to U[${c4 * 4} ci][${xis}][${cot} co]`,
    bindings: [xFromTexture ? { texture: 3, name: 'xt' } : { input: 0 }, { input: 1 }, { scratch: 0, view: { name: 'v', type: 'vec4f' } }, { scratch: 1, view: { name: 'u', type: 'vec4f' } }],
    dispatch: { threads: inputThreads + c4 * 4 * cot4 },
    module: (io) => `${inputTransform(io, { f, operand: 0, batch, channels: ci, H, W, tilesH, tilesW, top, left, fromTexture: xFromTexture })}
// U[c][ξ][o…] = (G g Gᵀ)[ξ] for the 3×3 filters of input channel c, output channels o… (vec4 over 4 of them).
fn transform_weight(i: u32) {
  let o = (i % ${cot4}u) * 4u;
  let c = i / ${cot4}u;
${range(3).flatMap((ky) => range(3).map((kx) => `  let g${ky}_${kx} = filter_tap(o, c, ${ky}u, ${kx}u);`)).join('\n')}
  // G g: rows.
${range(3).flatMap((k) => A.map((a) => `  let s${a}_${k} = ${combination(f.G[a], range(3).map((i) => `g${i}_${k}`))};`)).join('\n')}
  // (G g) Gᵀ: columns.
${A.flatMap((a) => A.map((b) => `  u[(c * ${xis}u + ${alpha * a + b}u) * ${cot4}u + o / 4u] = ${combination(f.G[b], range(3).map((j) => `s${a}_${j}`))};`)).join('\n')}
}

// Tap (ky, kx) of the filters from input channel c to output channels o…o+3 (zero past the channels).
fn filter_tap(o: u32, c: u32, ky: u32, kx: u32) -> vec4f {
  var f = vec4f(0.0);
  if (c >= ${ci}u) { return f; }
${range(4).map((l) => `  if (o + ${l}u < ${co}u) { f.${LANES[l]} = ${io.load(1, weightIndex(transposed, ci, co, `o + ${l}u`, 'c'))}; }`).join('\n')}
  return f;
}`,
    body: () => `  if (i < ${inputThreads}u) { transform_input(i); } else { transform_weight(i - ${inputThreads}u); }`,
  }

  const gemm = (textures: boolean): KernelStep => {
    const TP = tile.pixels
    const TC4 = tile.channels / 4
    const [wx, wy] = tile.workgroup
    const pixelTiles = Math.ceil(tiles / TP)
    const channelTiles = cot / tile.channels
    const gx = Math.ceil(pixelTiles / wx)
    const maxGroups = target.maxComputeWorkgroupsPerDimension
    const [gridX, gridZ] = gx <= maxGroups ? [gx, 1] : [maxGroups, Math.ceil(gx / maxGroups)]
    const P = range(TP), J = range(TC4)
    // V as a texture: row (ξ, n, th), texel column (tw, c); as a buffer the same, row-major.
    const setup = P.flatMap((p) => [
      `  let t${p} = min(first + ${p}u, ${tiles - 1}u);`,
      textures ? `  let vr${p} = xi * ${batch * tilesH}u + t${p} / ${tilesW}u;\n  let vc${p} = (t${p} % ${tilesW}u) * ${c4}u;` : `  let vb${p} = (xi * ${tiles}u + t${p}) * ${c4}u;`,
    ])
    const loadU = (r: number, j: number) => (textures ? `textureLoad(u, vec2u(ucol + ${j}u, ur + ${r}u))` : `u[(ur + ${r}u) * ${xis * cot4}u + ucol + ${j}u]`)
    const loadV = (p: number) => (textures ? `textureLoad(v, vec2u(vc${p} + c, vr${p}))` : `v[vb${p} + c]`)
    const operands: KernelBinding[] = textures
      ? [{ texture: 0, name: 'v' }, { texture: 1, name: 'u' }]
      : [{ scratch: 0, view: { name: 'v', type: 'vec4f', length: vVec4s } }, { scratch: 1, view: { name: 'u', type: 'vec4f', length: uVec4s } }]
    return {
      label: `${name}: Winograd GEMMs ${xis} x M=${tiles} N=${co} K=${c4 * 4}, tile ${TP} tiles x ${tile.channels} channels, wg ${wx}x${wy}, ${textures ? 'texture' : 'buffer'} operands`,
      bindings: [...operands, { scratch: 2, view: { name: 'm', type: 'vec4f', length: xis * tiles * cot4 } }],
      dispatch: { workgroupSize: [wx, wy], workgroups: [gridX, Math.ceil((xis * channelTiles) / wy), gridZ] },
      body: () => `  let pt = gid.x + gid.z * ${gridX * wx}u;
  if (pt >= ${pixelTiles}u || gid.y >= ${xis * channelTiles}u) { return; }
  let xi = gid.y / ${channelTiles}u; // position in the transformed ${alpha}×${alpha} tile
  let uc = (gid.y % ${channelTiles}u) * ${TC4}u; // first vec4 of this tile's output channels
  let first = pt * ${TP}u;
${setup.join('\n')}
${P.flatMap((p) => J.map((j) => `  var acc${p}_${j} = vec4f(0.0);`)).join('\n')}
  let ucol = xi * ${cot4}u + uc; // U's row is an input channel, its column (ξ, output channels)
  var ur = 0u;
  for (var c = 0u; c < ${c4}u; c++) {
${range(4).flatMap((r) => J.map((j) => `    let u${r}_${j} = ${loadU(r, j)};`)).join('\n')}
${P.flatMap((p) => [
  `    let v${p} = ${loadV(p)};`,
  ...J.map((j) => `    acc${p}_${j} += v${p}.x * u0_${j} + v${p}.y * u1_${j} + v${p}.z * u2_${j} + v${p}.w * u3_${j};`),
]).join('\n')}
    ur += 4u;
  }
${P.flatMap((p) => {
  const stores = J.map((j) => `m[(xi * ${tiles}u + first + ${p}u) * ${cot4}u + uc + ${j}u] = acc${p}_${j};`)
  return tiles % TP !== 0 ? [`  if (first + ${p}u < ${tiles}u) {`, ...stores.map((s) => `    ${s}`), '  }'] : stores.map((s) => `  ${s}`)
}).join('\n')}`,
    }
  }

  const co4 = Math.ceil(co / 4)
  const M = range(m)
  const output: KernelStep = {
    label: `${name}: Winograd output transform Aᵀ M A of ${tiles} tiles x ${co} channels`,
    bindings: [textures ? { texture: 2, name: 'mt' } : { scratch: 2, view: { name: 'm', type: 'vec4f', length: xis * tiles * cot4 } }, ...(bias ? [{ input: 2 }] : []), { output: true }],
    dispatch: { threads: tiles * co4 },
    epilogue: true,
    body: (io) => `${tileOfInvocation('o', co4, tilesW, tilesH)}
${textures ? `  let mrow = t / ${tilesW}u;\n  let mcol = tw * ${cot4}u + o / 4u;` : ''}
${range(xis).map((xi) => `  let m${Math.floor(xi / alpha)}_${xi % alpha} = ${textures ? `textureLoad(mt, vec2u(mcol, ${xi * batch * tilesH}u + mrow))` : `m[(${xi}u * ${tiles}u + t) * ${cot4}u + o / 4u]`};`).join('\n')}
  // Aᵀ M: rows.
${A.flatMap((b) => M.map((a) => `  let q${a}_${b} = ${combination(f.AT[a], A.map((i) => `m${i}_${b}`))};`)).join('\n')}
  // (Aᵀ M) A: columns.
${M.flatMap((a) => M.map((b) => `  let y${a}_${b} = ${combination(f.AT[b], A.map((j) => `q${a}_${j}`))};`)).join('\n')}
${M.flatMap((a) => M.flatMap((b) => {
    // A part block past the output's edge stores only its outputs inside.
    const inside = [...(Ho % m !== 0 && a > 0 ? [`th * ${m}u + ${a}u < ${Ho}u`] : []), ...(Wo % m !== 0 && b > 0 ? [`tw * ${m}u + ${b}u < ${Wo}u`] : [])]
    const stores = range(4).map((l) => {
      const c = `o + ${l}u`
      const store = io.store(`((n * ${co}u + ${c}) * ${Ho}u + th * ${m}u + ${a}u) * ${Wo}u + tw * ${m}u + ${b}u`, `y${a}_${b}.${LANES[l]}${bias ? ` + ${io.load(2, c)}` : ''}`)
      return co % 4 !== 0 ? `if (${c} < ${co}u) { ${store} }` : store
    })
    return [`  ${inside.length > 0 ? `if (${inside.join(' && ')}) ` : ''}{`, ...stores.map((s) => `    ${s}`), '  }']
  })).join('\n')}`,
  }

  if (!textures) return { scratchBytes, steps: [transform, gemm(false), output] }
  return {
    scratchBytes,
    textures: [vTexture, uTexture, mTexture, ...(xFromTexture ? [xTexture] : [])],
    steps: [
      ...(xFromTexture ? [textureCopy({ input: 0 }, 3, xTexture)] : []),
      transform,
      textureCopy({ scratch: 0 }, 0, vTexture),
      textureCopy({ scratch: 1 }, 1, uTexture),
      gemm(true),
      textureCopy({ scratch: 2 }, 2, mTexture),
      output,
    ],
  }
}

/**
 * Index of the weight element from input channel `c` to output channel `o` at tap (ky, kx) (WGSL
 * u32 ky, kx in scope): a conv's weight is [Co, Ci, 3, 3]; a transposed one's [Ci, Co, 3, 3], read flipped.
 */
const weightIndex = (transposed: boolean, ci: number, co: number, o: string, c: string): string =>
  transposed ? `((${c}) * ${co}u + ${o}) * 9u + (2u - ky) * 3u + (2u - kx)` : `((${o}) * ${ci}u + ${c}) * 9u + ky * 3u + kx`

/**
 * The weight gradient of a 3×3 stride-1 convolution by the same F(4×4, 3×3) transforms, used
 * backwards: with the output gradient tiled into 4×4 blocks and x's 6×6 patch d under each,
 *
 *   dW = Gᵀ [ Σ_tiles (Aᵀᵀ dY Aᵀ) ⊙ (Bᵀ d B) ] G
 *
 * (Σ_o dY[o]·Y[o] = Σ_k g[k]·dW[k] for Y = Aᵀ[(G g) ⊙ (Bᵀ d)], for every filter g), so 36 multiplies
 * per tile and channel pair instead of 144. Three steps: the transforms (x's V as the forward's,
 * dY's Z[ξ][t][a]), 36 GEMMs P[ξ][b][a] = Σ_t V[ξ][t][b]·Z[ξ][t][a] over the tiles, and Gᵀ P G
 * per channel pair into the 3×3 weight gradient.
 */
export const convWeightGradWinograd = (node: NodeOf<'convWeightGrad'>, target: KernelTarget): Lowering => {
  const t = weightGradTiling(node)
  if (t === undefined) throw new Error(`convWeightGrad: Winograd's form takes a 3×3 weight of one group at stride 1, dilation 1, got [${node.shape.join(', ')}]`)
  const { A, B, N, H, W, HO, WO, tilesH, tilesW, tiles, a4, b4, TA4, TB4, top, left } = t
  const f = F4x4
  const xis = 36
  const X = range(xis), S = range(6), R = range(4), L = range(4)
  const scratchBytes = weightGradScratch(t)
  const name = `convWeightGrad [${node.inputs[0].shape.join(', ')}] x [${node.inputs[1].shape.join(', ')}] -> [${node.shape.join(', ')}]`
  const size = (width: number, height: number): TextureSize => [width, height]
  const vTexture = size(tilesW * b4, xis * N * tilesH)
  const zTexture = size(tilesW * a4, xis * N * tilesH)
  const fits = (t: TextureSize) => fitsTexture(t, target)
  const textures = target.textureOperands && [vTexture, zTexture].every(fits)
  // x and dY read as textures too where their rows are whole texels (as the forward's x): a texel
  // is four columns of one channel, so a row of dY's 4×4 block is one texel.
  const xTexture = size((H * W) / 4, N * B)
  const yTexture = size((HO * WO) / 4, N * A)
  const xFromTexture = textures && W % 4 === 0 && fits(xTexture)
  const yFromTexture = textures && WO % 4 === 0 && fits(yTexture)
  // Texture operands: V, Z, then x and dY where read as textures.
  const declared: TextureSize[] = [vTexture, zTexture]
  const xIndex = xFromTexture ? declared.push(xTexture) - 1 : -1
  const yIndex = yFromTexture ? declared.push(yTexture) - 1 : -1
  // Z = Aᵀᵀ dY Aᵀ: column ξ of Aᵀ combines the rows (then the columns) of the 4×4 block.
  const aColumn = (xi: number) => f.AT.map((row) => row[xi])
  const gColumn = (k: number) => f.G.map((row) => row[k])

  // dY's block from its texture (row n·A + a, texel y·WO/4 + x/4): row i of the block is texel tw of
  // output row 4·th + i, one per channel; rows past the edge and channels past A read zero.
  const outsideFromTexture = () => [
    ...L.map((l) => `  let yrow${l} = min(n * ${A}u + a + ${l}u, ${N * A - 1}u);\n  let alane${l} = a + ${l}u < ${A}u;`),
    ...R.flatMap((i) => [
      `  let inside${i} = th * 4u + ${i}u < ${HO}u;`,
      ...L.map((l) => `  let y${i}_${l} = textureLoad(yt, vec2u(min((th * 4u + ${i}u) * ${WO / 4}u + tw, ${(HO * WO) / 4 - 1}u), yrow${l}));`),
      ...R.map((j) => `  let e${i}_${j} = select(vec4f(0.0), vec4f(${L.map((l) => `select(0.0, y${i}_${l}.${LANES[j]}, alane${l})`).join(', ')}), inside${i});`),
    ]),
  ].join('\n')

  const transform: KernelStep = {
    label: `${name}: Winograd F(4x4,3x3) transforms: inside${xFromTexture ? ' (read as a texture)' : ''} to V[36][${tiles} tiles][${b4 * 4}], outside${yFromTexture ? ' (read as a texture)' : ''} to Z[36][${tiles} tiles][${a4 * 4}]`,
    bindings: [
      xFromTexture ? { texture: xIndex, name: 'xt' } : { input: 0 },
      yFromTexture ? { texture: yIndex, name: 'yt' } : { input: 1 },
      { scratch: 0, view: { name: 'v', type: 'vec4f' } },
      { scratch: 1, view: { name: 'z', type: 'vec4f' } },
    ],
    dispatch: { threads: tiles * (b4 + a4) },
    module: (io) => `${inputTransform(io, { f, operand: 0, batch: N, channels: B, H, W, tilesH, tilesW, top, left, fromTexture: xFromTexture })}
// Z[ξ][t][a] = (Aᵀᵀ dY Aᵀ)[ξ] for the 4×4 block dY of the output gradient at tile t (vec4 over 4 channels a…).
fn transform_outside(i: u32) {
${tileOfInvocation('a', a4, tilesW, tilesH)}
${yFromTexture ? outsideFromTexture() : R.flatMap((i) => R.map((j) => `  let e${i}_${j} = outside_at(n, a, th * 4u + ${i}u, tw * 4u + ${j}u);`)).join('\n')}
${R.flatMap((j) => S.map((p) => `  let r${p}_${j} = ${combination(aColumn(p), R.map((i) => `e${i}_${j}`))};`)).join('\n')}
${S.flatMap((p) => S.map((q) => `  z[(${6 * p + q}u * ${tiles}u + t) * ${a4}u + a / 4u] = ${combination(aColumn(q), R.map((j) => `r${p}_${j}`))};`)).join('\n')}
}
${yFromTexture ? '' : `
// Four channels a… of the output gradient of sample n at (y, x), zero past its edge and past ${A} channels.
fn outside_at(n: u32, a: u32, y: u32, x: u32) -> vec4f {
  var e = vec4f(0.0);
  if (y >= ${HO}u || x >= ${WO}u) { return e; }
  let at = (n * ${A}u + a) * ${HO * WO}u + y * ${WO}u + x;
${R.map((l) => `  if (a + ${l}u < ${A}u) { e.${LANES[l]} = ${io.load(1, `at + ${l * HO * WO}u`)}; }`).join('\n')}
  return e;
}`}`,
    body: () => `  if (i < ${tiles * b4}u) { transform_input(i); } else { transform_outside(i - ${tiles * b4}u); }`,
  }

  const aTiles = a4 / TA4, bTiles = b4 / TB4
  const I = range(TA4), J = range(TB4)
  const loadV = (j: number) => (textures ? `textureLoad(v, vec2u(vc + ${j}u, row))` : `v[vb + ${j}u]`)
  const loadZ = (i: number) => (textures ? `textureLoad(z, vec2u(zc + ${i}u, row))` : `z[zb + ${i}u]`)
  const gemm: KernelStep = {
    label: `${name}: Winograd GEMMs 36 x M=${B} N=${A} K=${tiles} tiles, tile ${4 * TB4} x ${4 * TA4} channels, ${textures ? 'texture' : 'buffer'} operands`,
    bindings: [
      ...((textures ? [{ texture: 0, name: 'v' }, { texture: 1, name: 'z' }] : [{ scratch: 0, view: { name: 'v', type: 'vec4f' } }, { scratch: 1, view: { name: 'z', type: 'vec4f' } }]) as KernelBinding[]),
      { scratch: 2, view: { name: 'p', type: 'vec4f' } },
    ],
    dispatch: { threads: xis * bTiles * aTiles },
    body: () => `  let a0 = (i % ${aTiles}u) * ${TA4}u; // first vec4 of this tile's a channels
  let b0 = ((i / ${aTiles}u) % ${bTiles}u) * ${TB4}u; // first vec4 of its b channels
  let xi = i / ${aTiles * bTiles}u;
${J.flatMap((j) => L.flatMap((l) => I.map((k) => `  var acc${j}_${l}_${k} = vec4f(0.0);`))).join('\n')}
  // The tiles in order: rows (ξ, n, th) of V and Z, then tw along a row.
  for (var r = 0u; r < ${N * tilesH}u; r++) {
    let row = xi * ${N * tilesH}u + r;
    for (var tw = 0u; tw < ${tilesW}u; tw++) {
${textures ? `      let vc = tw * ${b4}u + b0;\n      let zc = tw * ${a4}u + a0;` : `      let vb = (row * ${tilesW}u + tw) * ${b4}u + b0;\n      let zb = (row * ${tilesW}u + tw) * ${a4}u + a0;`}
${J.map((j) => `      let v${j} = ${loadV(j)};`).join('\n')}
${I.map((k) => `      let z${k} = ${loadZ(k)};`).join('\n')}
${J.flatMap((j) => L.flatMap((l) => I.map((k) => `      acc${j}_${l}_${k} += v${j}.${LANES[l]} * z${k};`))).join('\n')}
    }
  }
${J.flatMap((j) => L.flatMap((l) => I.map((k) => `  p[(xi * ${b4 * 4}u + (b0 + ${j}u) * 4u + ${l}u) * ${a4}u + a0 + ${k}u] = acc${j}_${l}_${k};`))).join('\n')}`,
  }

  const output: KernelStep = {
    label: `${name}: Winograd output transform Gᵀ P G of ${B} x ${A} channel pairs`,
    bindings: [{ scratch: 2, view: { name: 'p', type: 'vec4f' } }, { output: true }],
    dispatch: { threads: B * a4 },
    epilogue: true,
    body: (io) => `  let a = (i % ${a4}u) * 4u;
  let b = i / ${a4}u;
${X.map((xi) => `  let p${Math.floor(xi / 6)}_${xi % 6} = p[(${xi}u * ${b4 * 4}u + b) * ${a4}u + a / 4u];`).join('\n')}
${S.flatMap((q) => range(3).map((k) => `  let s${k}_${q} = ${combination(gColumn(k), S.map((pp) => `p${pp}_${q}`))};`)).join('\n')}
${range(3).flatMap((ky) => range(3).map((kx) => `  let y${ky}_${kx} = ${combination(gColumn(kx), S.map((q) => `s${ky}_${q}`))};`)).join('\n')}
${range(3).flatMap((ky) => range(3).flatMap((kx) => L.map((l) => {
    const store = io.store(`((a + ${l}u) * ${B}u + b) * 9u + ${ky * 3 + kx}u`, `y${ky}_${kx}.${LANES[l]}`)
    return A % 4 !== 0 ? `  if (a + ${l}u < ${A}u) { ${store} }` : `  ${store}`
  }))).join('\n')}`,
  }
  if (!textures) return { scratchBytes, steps: [transform, gemm, output] }
  return {
    scratchBytes,
    textures: declared,
    steps: [
      ...(xFromTexture ? [textureCopy({ input: 0 }, xIndex, xTexture)] : []),
      ...(yFromTexture ? [textureCopy({ input: 1 }, yIndex, yTexture)] : []),
      transform,
      textureCopy({ scratch: 0 }, 0, vTexture),
      textureCopy({ scratch: 1 }, 1, zTexture),
      gemm,
      output,
    ],
  }
}

/** The tiling of a weight gradient Winograd's form computes (3×3, one group, stride 1, dilation 1, 2-D), else undefined. */
const weightGradTiling = (node: NodeOf<'convWeightGrad'>) => {
  const [A, B, KH, KW] = node.shape
  if (node.shape.length !== 4 || KH !== 3 || KW !== 3 || node.params.groups !== 1) return undefined
  if (node.params.axes.some((a) => a.stride !== 1 || a.dilation !== 1)) return undefined
  const [inside, outside] = node.inputs
  const [N, , H, W] = inside.shape
  const [, , HO, WO] = outside.shape
  const tilesH = Math.ceil(HO / 4), tilesW = Math.ceil(WO / 4)
  const a4 = Math.ceil(A / 4), b4 = Math.ceil(B / 4)
  // The GEMM's register tile: up to 16 × 16 channels, dividing the channels' vec4s.
  const tile = (c4: number) => [4, 2, 1].find((d) => c4 % d === 0)!
  return {
    A, B, N, H, W, HO, WO, tilesH, tilesW, tiles: N * tilesH * tilesW, a4, b4, TA4: tile(a4), TB4: tile(b4),
    top: node.params.axes[0].padLeft, left: node.params.axes[1].padLeft,
  }
}

/** Bytes of V, Z and P. */
const weightGradScratch = (t: NonNullable<ReturnType<typeof weightGradTiling>>): number[] =>
  [36 * t.tiles * t.b4 * 16, 36 * t.tiles * t.a4 * 16, 36 * t.b4 * 4 * t.a4 * 16]

/**
 * Whether a weight gradient takes Winograd's form: one `weightGradTiling` accepts, of at least the
 * target's `winogradMinWork` multiply-adds with 16 channels on either side, whose products P
 * (36·A·B values) are at most twice V and Z (36·tiles·(A + B)): ResNet-18's 512-channel layer at
 * 4² has 32 tiles at batch 32, and keeps the implicit GEMM. Every binding must fit.
 */
export const prefersWinogradWeightGrad = (node: NodeOf<'convWeightGrad'>, target: KernelTarget): boolean => {
  const t = weightGradTiling(node)
  if (t === undefined || target.winogradMinWork === 0 || t.A < 16 || t.B < 16) return false
  if (t.N * t.HO * t.WO * t.A * t.B * 9 < target.winogradMinWork || t.A * t.B > 2 * t.tiles * (t.A + t.B)) return false
  const whole = node.inputs.map((n) => 4 * sizeOf(n.shape))
  return [...weightGradScratch(t), ...whole].every((b) => b <= target.maxStorageBufferBindingSize)
}
