/**
 * WGSL of the layout ops. reshape (and flatten, which builds a reshape node)
 * is a view: the same row-major data under another shape, so no work.
 * permute (transpose lowers to it), slice and pad are views (the fuse-views
 * pass puts them into their readers' loads; alone permute and slice copy
 * through them, pad skips the read outside its input); concat copies with
 * one invocation per output element, mapping its coordinates back into the
 * input by baked-in strides.
 */
import type { NodeOf } from '../graph.ts'
import { wgslType, type Expr, type ExprIO, type KernelStep, type KernelTarget, type Lowering } from '../compiler/kernel.ts'
import { grouped, perElement, sizeOf, stridesOf } from '../compiler/wgsl.ts'
import { sliceRange } from '../shape/layout.ts'

export const lowerReshape = (): Lowering => ({ alias: 0 })

/** WGSL of coordinate d of flat index `i` (a name or a grouped expression) in a row-major shape. */
const coord = (shape: readonly number[], d: number, i: Expr): string => {
  const inner = sizeOf(shape.slice(d + 1))
  const div = inner === 1 ? i : `(${i} / ${inner}u)`
  return d === 0 ? div : `(${div} % ${shape[d]}u)`
}

/** Σ coord·stride, leaving out dims of size 1 and zero terms. */
const sumTerms = (terms: string[]) => (terms.length === 0 ? '0u' : terms.join(' + '))

/** permute's index map: output dim k walks input dim dims[k]. */
export const permuteIndex = (node: NodeOf<'permute'>, index: Expr): Expr => {
  const [x] = node.inputs
  const rank = x.shape.length
  const dims = node.params.dims.map((d) => (d < 0 ? d + rank : d))
  const inStrides = stridesOf(x.shape)
  const i = grouped(index)
  const terms = node.shape.flatMap((size, k) => {
    if (size === 1) return []
    const stride = inStrides[dims[k]]
    const c = coord(node.shape, k, i)
    return [stride === 1 ? c : `${c} * ${stride}u`]
  })
  return sumTerms(terms)
}

/** slice's index map: each output coordinate is start + step · coordinate of the input's. */
export const sliceIndex = (node: NodeOf<'slice'>, index: Expr): Expr => {
  const [x] = node.inputs
  const { start, end, step } = node.params
  const inStrides = stridesOf(x.shape)
  const i = grouped(index)
  const terms: string[] = []
  node.shape.forEach((size, d) => {
    const r = sliceRange(x.shape[d], start[d], end[d], step?.[d])
    const offset = r.start * inStrides[d]
    if (offset !== 0) terms.push(`${offset}u`)
    if (size === 1) return
    const stride = r.step * inStrides[d]
    const c = coord(node.shape, d, i)
    terms.push(stride === 1 ? c : `${c} * ${stride}u`)
  })
  return sumTerms(terms)
}

/**
 * pad as a view, for the fuse-views pass: the fill outside the input, else the input element, read
 * at a clamped index (WGSL's select evaluates both sides, so the read must stay inside the input).
 * Its own kernel (lowerPad) reads only inside. Not for an empty input: nothing could be read.
 */
export const padView = {
  read: (node: NodeOf<'pad'>, index: Expr, load: (sourceIndex: Expr) => Expr, io: ExprIO): Expr => {
    const [x] = node.inputs
    const inStrides = stridesOf(x.shape)
    const i = grouped(index)
    const inside: string[] = []
    const terms: string[] = []
    node.shape.forEach((size, d) => {
      const [before] = node.params.pads[d] ?? [0, 0]
      const inSize = x.shape[d]
      const c = coord(node.shape, d, i)
      const stride = inStrides[d] === 1 ? '' : ` * ${inStrides[d]}u`
      if (before === 0 && size === inSize) {
        if (size !== 1) terms.push(`${c}${stride}`)
        return
      }
      const shifted = `(i32(${c}) - ${before}i)`
      inside.push(`${shifted} >= 0i && ${shifted} < ${inSize}i`)
      if (inSize !== 1) terms.push(`u32(clamp(${shifted}, 0i, ${inSize - 1}i))${stride}`)
    })
    const value = load(sumTerms(terms))
    return inside.length === 0 ? value : `select(${io.literal(node.params.value, node.dtype)}, ${value}, ${inside.join(' && ')})`
  },
}

export const lowerPad = (node: NodeOf<'pad'>): Lowering => {
  const [x] = node.inputs
  const pads = node.params.pads
  const inStrides = stridesOf(x.shape)
  if (sizeOf(node.shape) === 0) return { steps: [] }
  const lines: string[] = ['  var inside = true;', '  var src = 0u;']
  node.shape.forEach((size, d) => {
    const [before] = pads[d] ?? [0, 0]
    const inSize = x.shape[d]
    const c = coord(node.shape, d, 'i')
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
  const body = perElement(node, (io) =>
    [...lines, `  var v = ${io.literal(node.params.value, node.dtype)};`, `  if (inside) { v = ${io.load(0, 'src')}; }`, `  ${io.store('i', 'v')}`].join('\n'),
  )
  return { steps: [body] }
}

export const lowerConcat = (node: NodeOf<'concat'>, target: KernelTarget): Lowering => {
  // Each step binds a group of inputs plus the output, within the storage buffers a kernel may bind.
  const perStep = target.maxStorageBuffersPerShaderStage - 1
  const axis = node.params.axis
  const shape = node.shape
  const outer = sizeOf(shape.slice(0, axis))
  const inner = sizeOf(shape.slice(axis + 1))
  const t = wgslType(node.dtype)
  const steps: KernelStep[] = []
  // Each step copies a group of inputs into their band of the output along `axis`.
  let offset = 0
  for (let first = 0; first < node.inputs.length; first += perStep) {
    const group = node.inputs.slice(first, first + perStep)
    const sizes = group.map((n) => n.shape[axis])
    const band = sizes.reduce((a, b) => a + b, 0)
    const total = outer * band * inner
    if (total > 0) {
      const at = offset
      steps.push({
        label: `shapewise concat ${JSON.stringify(group.map((n) => n.shape))} axis ${axis} into ${JSON.stringify(shape)} at ${at}`,
        bindings: [...group.map((_, k) => ({ input: first + k })), { output: true as const }],
        dispatch: { threads: total },
        body: (io) => {
          const branches: string[] = []
          let start = 0
          group.forEach((_, k) => {
            if (sizes[k] === 0) return
            const src = `(o * ${sizes[k]}u + a - ${start}u) * ${inner}u + e`
            branches.push(`${branches.length === 0 ? '  if' : ' else if'} (a < ${start + sizes[k]}u) { v = ${io.load(first + k, src)}; }`)
            start += sizes[k]
          })
          return `  let e = i % ${inner}u;
  let a = (i / ${inner}u) % ${band}u;
  let o = i / ${band * inner}u;
  var v: ${t};
${branches.join('')}
  ${io.store(`(o * ${shape[axis]}u + ${at}u + a) * ${inner}u + e`, 'v')}`
        },
      })
    }
    offset += band
  }
  return { steps }
}
