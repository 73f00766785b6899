/**
 * WGSL of `interpolate` and its gradient, for 1, 2 or 3 spatial axes and every mode, from one
 * description of an axis: each output coordinate o reads a few input taps (1 for the nearest
 * modes, 2 for the linear ones, 4 for bicubic) with weights, and the result is the sum over the
 * product of the axes' taps. The taps follow PyTorch's CPU kernels to the float32 operation:
 *
 *   scale = alignCorners ? (in − 1)/(out − 1) : scaleFactor given and not recomputed ? 1/scaleFactor : in/out
 *           (the linear modes take 1 on an axis whose size does not change, whatever the scale factor)
 *   nearest        src = min(⌊o · scale⌋, in − 1)   (torch 1.13's forward on inputs of more than one
 *                  channel; its backward, and its 2-D/3-D forward on one channel, copy when out = in and
 *                  shift when out = 2·in whatever the scale factor, which only differs for such a pair)
 *   nearest-exact  src = min(⌊(o + ½) · scale⌋, in − 1)
 *   linear         r = alignCorners ? o · scale : max((o + ½) · scale − ½, 0); taps ⌊r⌋, ⌊r⌋ + 1 (clamped)
 *   bicubic        r as linear without the clamp at 0; taps ⌊r⌋ − 1 … ⌊r⌋ + 2, clamped to the edge,
 *                  Keys' weights with a = −0.75
 *
 * The gradient is the adjoint of that sum: each input element gathers dy from the outputs whose
 * taps hold it (one invocation per input element, so nothing is scattered and no atomics are
 * needed). The outputs reading input i form an interval, found by inverting the affine map
 * o ↦ src with a margin of one on each side; the taps themselves are then recomputed exactly as
 * the forward kernel computes them, so the margin only costs a few empty iterations.
 */
import type { NodeOf } from '../graph.ts'
import type { KernelIO, Lowering } from '../compiler/kernel.ts'
import { finiteF32 } from '../compiler/render.ts'
import { perElement } from '../compiler/wgsl.ts'
import { axisValue } from '../shape/errors.ts'
import type { InterpolateMode } from '../shape/interpolate.ts'
import type { InterpolateParams } from './interpolate.ts'

const f32 = (v: number) => finiteF32(Math.fround(v))

/** How a mode picks its taps. */
type Kernel = 'nearest' | 'nearest-exact' | 'linear' | 'cubic'
const kernelOf = (mode: InterpolateMode): Kernel =>
  mode === 'nearest' || mode === 'nearest-exact' ? mode : mode === 'bicubic' ? 'cubic' : 'linear'
/** The taps of each kernel, as offsets from ⌊src⌋. */
const tapOffsets: Readonly<Record<Kernel, readonly [first: number, last: number]>> = {
  nearest: [0, 0], 'nearest-exact': [0, 0], linear: [0, 1], cubic: [-1, 2],
}
const tapCount = (kernel: Kernel) => tapOffsets[kernel][1] - tapOffsets[kernel][0] + 1

/** PyTorch's bicubic convolution constant (Keys' a); ONNX's cubic_coeff_a is the same number. */
export const CUBIC_A = -0.75
const cubicHelpers = `fn cubicNear(x: f32) -> f32 { return ((${f32(CUBIC_A + 2)} * x - ${f32(CUBIC_A + 3)}) * x * x + 1.0); }
fn cubicFar(x: f32) -> f32 { return ((${f32(CUBIC_A)} * x - ${f32(5 * CUBIC_A)}) * x + ${f32(8 * CUBIC_A)}) * x - ${f32(4 * CUBIC_A)}; }`

/** One spatial axis of a node: its sizes and the float32 scale PyTorch maps coordinates with. */
interface Axis {
  readonly input: number
  readonly output: number
  readonly scale: number
}

/** The scale of axis `axis` (see the file's comment), rounded to float32 as PyTorch's kernels hold it. */
const coordinateScale = (params: InterpolateParams, axis: number, input: number, output: number): number => {
  const kernel = kernelOf(params.mode)
  const interpolating = kernel === 'linear' || kernel === 'cubic'
  if (interpolating && params.alignCorners === true) return output > 1 ? Math.fround((input - 1) / (output - 1)) : 0
  if (kernel === 'linear' && output === input) return 1
  const given = params.size === undefined && params.recomputeScaleFactor !== true ? axisValue(params.scaleFactor, axis, 0) : 0
  return Math.fround(given > 0 ? 1 / given : input / output)
}

/** The spatial axes of an interpolate node (x's sizes in, the output's out). */
const axesOf = (params: InterpolateParams, input: readonly number[], output: readonly number[]): Axis[] =>
  input.slice(2).map((d, a) => ({ input: d, output: output[2 + a], scale: coordinateScale(params, a, d, output[2 + a]) }))

/**
 * WGSL filling taps `t{a}` (input indices) and weights `w{a}` for output coordinate `o` (an i32
 * expression) on axis a.
 */
const axisTaps = (a: number, o: string, axis: Axis, kernel: Kernel, alignCorners: boolean): string => {
  const { input, scale } = axis
  const last = input - 1
  const declare = `  var t${a}: array<i32, ${tapCount(kernel)}>;\n  var w${a}: array<f32, ${tapCount(kernel)}>;\n`
  if (kernel === 'nearest' || kernel === 'nearest-exact') {
    const src = `min(i32(floor(${kernel === 'nearest' ? `f32(${o})` : `(f32(${o}) + 0.5)`} * ${f32(scale)})), ${last})`
    return `${declare}  t${a}[0] = ${src};\n  w${a}[0] = 1.0;`
  }
  const real = alignCorners
    ? `${f32(scale)} * f32(${o})`
    : kernel === 'linear'
      ? `max(${f32(scale)} * (f32(${o}) + 0.5) - 0.5, 0.0)`
      : `${f32(scale)} * (f32(${o}) + 0.5) - 0.5`
  const head = `${declare}  let r${a} = ${real};
  let f${a} = min(i32(floor(r${a})), ${last});
  let l${a} = clamp(r${a} - f32(f${a}), 0.0, 1.0);`
  if (kernel === 'linear')
    return `${head}
  t${a}[0] = f${a};
  t${a}[1] = min(f${a} + 1, ${last});
  w${a}[0] = 1.0 - l${a};
  w${a}[1] = l${a};`
  return `${head}
  for (var k = 0; k < 4; k++) { t${a}[k] = clamp(f${a} - 1 + k, 0, ${last}); }
  w${a}[0] = cubicFar(l${a} + 1.0);
  w${a}[1] = cubicNear(l${a});
  w${a}[2] = cubicNear(1.0 - l${a});
  w${a}[3] = cubicFar(2.0 - l${a});`
}

/** Row-major strides of the spatial sizes. */
const spatialStrides = (sizes: readonly number[]) => sizes.map((_, a) => sizes.slice(a + 1).reduce((p, d) => p * d, 1))

/** `let {name}{a} = …` for every spatial coordinate of flat index `i` over `sizes`, and its plane (n·C + c). */
const coordinatesOf = (name: string, sizes: readonly number[]) => {
  const strides = spatialStrides(sizes)
  const lines = sizes.map((d, a) => `  let ${name}${a} = i32((i / ${strides[a]}u) % ${d}u);`)
  return `${lines.join('\n')}\n  let plane = i / ${sizes.reduce((p, d) => p * d, 1)}u;`
}

/** The flat index, within its plane, of per-axis coordinates. */
const offsetOf = (coordinates: readonly string[], sizes: readonly number[]) =>
  coordinates.map((c, a) => `${c} * ${spatialStrides(sizes)[a]}`).join(' + ')

/** Also `upsample`'s lowering: its options are interpolate's (nearest or bilinear on [N, C, H, W]). */
export const lowerInterpolate = (node: NodeOf<'interpolate' | 'upsample'>): Lowering => {
  const x = node.inputs[0]
  const kernel = kernelOf(node.params.mode)
  const alignCorners = node.params.alignCorners === true && kernel !== 'nearest'
  const axes = axesOf(node.params, x.shape, node.shape)
  const inSizes = axes.map((a) => a.input)
  const outSizes = axes.map((a) => a.output)
  const planeSize = inSizes.reduce((p, d) => p * d, 1)
  const taps = tapCount(kernel)
  const body = (io: KernelIO) => {
    const index = `plane * ${planeSize}u + u32(${offsetOf(axes.map((_, a) => `t${a}[k${a}]`), inSizes)})`
    const weight = axes.map((_, a) => `w${a}[k${a}]`).join(' * ')
    const loops = axes.reduceRight(
      (inner, _, a) => `for (var k${a} = 0; k${a} < ${taps}; k${a}++) {\n    ${inner}\n  }`,
      `acc += ${weight} * ${io.load(0, index)};`,
    )
    return `${coordinatesOf('o', outSizes)}
${axes.map((axis, a) => axisTaps(a, `o${a}`, axis, kernel, alignCorners)).join('\n')}
  var acc = 0.0;
  ${loops}
  ${io.store('i', 'acc')}`
  }
  return { steps: [perElement(node, body, kernel === 'cubic' ? { module: () => cubicHelpers } : {})] }
}

/**
 * The outputs [lo, hi) whose taps may hold input index `xi` of an axis: src = A·o + B before any
 * clamp, taps ⌊src⌋ + first … ⌊src⌋ + last, so ⌊src⌋ ∈ [xi − last, xi − first]; the first and
 * last input indices also take every clamped tap, so their intervals run to the ends.
 */
const outputInterval = (a: number, xi: string, axis: Axis, kernel: Kernel, alignCorners: boolean) => {
  const { input, output } = axis
  const [first, last] = tapOffsets[kernel]
  // The affine map o ↦ src each kernel uses.
  const slope = axis.scale
  const intercept = kernel === 'nearest-exact' ? slope / 2 : kernel === 'nearest' || alignCorners ? 0 : slope / 2 - 0.5
  if (slope === 0) return { lo: '0', hi: `${output}` }
  const bound = (src: number) => `(f32(${xi}) + ${f32(src - intercept)}) * ${f32(1 / slope)}`
  return {
    lo: `select(clamp(i32(floor(${bound(-last)})) - 1, 0, ${output}), 0, ${xi} == 0)`,
    hi: `select(clamp(i32(ceil(${bound(1 - first)})) + 1, 0, ${output}), ${output}, ${xi} == ${input - 1})`,
  }
}

/** Also `upsampleGrad`'s lowering. */
export const lowerInterpolateGrad = (node: NodeOf<'interpolateGrad' | 'upsampleGrad'>): Lowering => {
  const [x, dy] = node.inputs
  const kernel = kernelOf(node.params.mode)
  const alignCorners = node.params.alignCorners === true && kernel !== 'nearest'
  const axes = axesOf(node.params, x.shape, dy.shape)
  const inSizes = axes.map((a) => a.input)
  const outSizes = axes.map((a) => a.output)
  const outPlane = outSizes.reduce((p, d) => p * d, 1)
  const taps = tapCount(kernel)
  const body = (io: KernelIO) => {
    const gather = `g += ${axes.map((_, a) => `v${a}`).join(' * ')} * ${io.load(1, `plane * ${outPlane}u + u32(${offsetOf(axes.map((_, a) => `o${a}`), outSizes)})`)};`
    // Innermost axis last: each level recomputes its taps for its o and keeps the weight they give x.
    const loops = axes.reduceRight((inner, axis, a) => {
      const { lo, hi } = outputInterval(a, `x${a}`, axis, kernel, alignCorners)
      return `for (var o${a} = ${lo}; o${a} < ${hi}; o${a}++) {
${axisTaps(a, `o${a}`, axis, kernel, alignCorners)}
  var v${a} = 0.0;
  for (var k = 0; k < ${taps}; k++) { if (t${a}[k] == x${a}) { v${a} += w${a}[k]; } }
  if (v${a} == 0.0) { continue; }
  ${inner}
  }`
    }, gather)
    return `${coordinatesOf('x', inSizes)}
  var g = 0.0;
  ${loops}
  ${io.store('i', 'g')}`
  }
  return { steps: [perElement(node, body, kernel === 'cubic' ? { module: () => cubicHelpers } : {})] }
}
