/**
 * WGSL of the layout ops. reshape (and flatten, which builds a reshape node)
 * is a view: the same row-major data under another shape, so no work. The
 * others copy with one invocation per output element, mapping its
 * coordinates back into the input by baked-in strides: permute (transpose
 * lowers to it), concat, pad and slice.
 */
import type { DType, NodeOf } from '../graph.ts'
import { wgslType, type KernelStep, type Lowering } from '../compiler/kernel.ts'
import { declareIO, elementwiseKernel, flatIndex, grid1d, sizeOf, stridesOf, WORKGROUP } from '../compiler/wgsl.ts'
import { sliceRange } from '../shape/layout.ts'

export const lowerReshape = (): Lowering => ({ alias: 0 })

/** WGSL of coordinate d of flat index `i` in a row-major shape. */
const coord = (shape: readonly number[], d: number, i = 'i'): string => {
  const inner = sizeOf(shape.slice(d + 1))
  const div = inner === 1 ? i : `(${i} / ${inner}u)`
  return d === 0 ? div : `(${div} % ${shape[d]}u)`
}

/** Σ coord·stride, leaving out dims of size 1 and zero terms. */
const sumTerms = (terms: string[]) => (terms.length === 0 ? '0u' : terms.join(' + '))

/**
 * A value of a dtype that may be non-finite. The shared `literal()` writes
 * ±Infinity/NaN as `bitcast<f32>(…)` const-expressions, which Tint evaluates
 * and rejects; a bitcast of a private variable is evaluated at run time.
 */
const valueOf = (value: number, dtype: DType): { expr: string; prelude: string } => {
  if (dtype !== 'float32') return { expr: dtype === 'int32' ? `${Math.trunc(value)}i` : `${value ? 1 : 0}u`, prelude: '' }
  if (Number.isFinite(value)) {
    const text = String(value)
    return { expr: /[.e]/.test(text) ? text : `${text}.0`, prelude: '' }
  }
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0]
  return { expr: 'bitcast<f32>(fill_bits)', prelude: `var<private> fill_bits: u32 = ${bits}u;` }
}

export const lowerPermute = (node: NodeOf<'permute'>): Lowering => {
  const [x] = node.inputs
  const rank = x.shape.length
  const dims = node.params.dims.map((d) => (d < 0 ? d + rank : d))
  const inStrides = stridesOf(x.shape)
  // Output dim k walks input dim dims[k].
  const terms = node.shape.flatMap((size, k) => {
    if (size === 1) return []
    const stride = inStrides[dims[k]]
    const c = coord(node.shape, k)
    return [stride === 1 ? c : `${c} * ${stride}u`]
  })
  return { steps: [elementwiseKernel(node, `  out[i] = in0[${sumTerms(terms)}];`)] }
}

export const lowerSlice = (node: NodeOf<'slice'>): Lowering => {
  const [x] = node.inputs
  const { start, end, step } = node.params
  const inStrides = stridesOf(x.shape)
  const terms: string[] = []
  node.shape.forEach((size, d) => {
    const r = sliceRange(x.shape[d], start[d], end[d], step?.[d])
    const offset = r.start * inStrides[d]
    if (offset !== 0) terms.push(`${offset}u`)
    if (size === 1) return
    const stride = r.step * inStrides[d]
    const c = coord(node.shape, d)
    terms.push(stride === 1 ? c : `${c} * ${stride}u`)
  })
  if (sizeOf(node.shape) === 0) return { steps: [] }
  return { steps: [elementwiseKernel(node, `  out[i] = in0[${sumTerms(terms)}];`)] }
}

export const lowerPad = (node: NodeOf<'pad'>): Lowering => {
  const [x] = node.inputs
  const pads = node.params.pads
  const fill = valueOf(node.params.value, node.dtype)
  const inStrides = stridesOf(x.shape)
  if (sizeOf(node.shape) === 0) return { steps: [] }
  const lines: string[] = ['  var inside = true;', '  var src = 0u;']
  node.shape.forEach((size, d) => {
    const [before] = pads[d] ?? [0, 0]
    const inSize = x.shape[d]
    const c = coord(node.shape, d)
    if (before === 0 && size === inSize) {
      // Not padded: every output coordinate maps to an input one.
      if (size !== 1) lines.push(`  src += ${c}${inStrides[d] === 1 ? '' : ` * ${inStrides[d]}u`};`)
      return
    }
    lines.push(`  { let c = i32(${c}) - ${before}i;`)
    lines.push(`    inside = inside && c >= 0i && c < ${inSize}i;`)
    lines.push(`    src += u32(max(c, 0i)) * ${inStrides[d]}u; }`)
  })
  // Padded elements never read the input (it may be empty).
  lines.push(`  var v = ${fill.expr};`)
  lines.push(`  if (inside) { v = in0[src]; }`)
  lines.push('  out[i] = v;')
  return { steps: [elementwiseKernel(node, lines.join('\n'), fill.prelude)] }
}

/** Storage bindings per kernel step of a concat: inputs plus the output, within WebGPU's guaranteed 8. */
const CONCAT_INPUTS_PER_STEP = 7

export const lowerConcat = (node: NodeOf<'concat'>): Lowering => {
  const axis = node.params.axis
  const shape = node.shape
  const outer = sizeOf(shape.slice(0, axis))
  const inner = sizeOf(shape.slice(axis + 1))
  const t = wgslType(node.dtype)
  const steps: KernelStep[] = []
  // Each step copies a group of inputs into their band of the output along `axis`.
  let offset = 0
  for (let first = 0; first < node.inputs.length; first += CONCAT_INPUTS_PER_STEP) {
    const group = node.inputs.slice(first, first + CONCAT_INPUTS_PER_STEP)
    const sizes = group.map((n) => n.shape[axis])
    const band = sizes.reduce((a, b) => a + b, 0)
    const total = outer * band * inner
    if (total > 0) {
      const branches: string[] = []
      let start = 0
      group.forEach((_, k) => {
        if (sizes[k] === 0) return
        const src = `(o * ${sizes[k]}u + a - ${start}u) * ${inner}u + e`
        branches.push(`${branches.length === 0 ? '  if' : ' else if'} (a < ${start + sizes[k]}u) { v = in${k}[${src}]; }`)
        start += sizes[k]
      })
      const wgsl = `// shapewise concat ${JSON.stringify(group.map((n) => n.shape))} axis ${axis} into ${JSON.stringify(shape)} at ${offset}
${declareIO(group, node)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = ${flatIndex(total)};
  if (i >= ${total}u) { return; }
  let e = i % ${inner}u;
  let a = (i / ${inner}u) % ${band}u;
  let o = i / ${band * inner}u;
  var v: ${t};
${branches.join('')}
  out[(o * ${shape[axis]}u + ${offset}u + a) * ${inner}u + e] = v;
}`
      steps.push({
        wgsl,
        workgroups: grid1d(total),
        bindings: [...group.map((_, k) => ({ input: first + k })), { output: true as const }],
      })
    }
    offset += band
  }
  return { steps }
}
