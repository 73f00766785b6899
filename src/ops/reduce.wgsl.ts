/**
 * WGSL of the reductions (sum, mean, max, argmax) and the softmax family.
 *
 * A reduction sees its input as alternating runs of kept and reduced dims;
 * adjacent dims of the same kind merge (row-major makes them contiguous), and
 * size-1 dims vanish, so most reductions become one or two strided loops.
 * Normally one invocation computes one output, looping over its reduced
 * elements in row-major order. When there are few outputs and many elements
 * each (a full reduction of a large tensor), that would leave most of the
 * device idle with one thread walking millions of elements, so the reduction
 * runs in two steps: chunks of ~√count elements into a scratch buffer of
 * partials, then one invocation per output over its partials (in chunk order,
 * which keeps argmax's first-index rule).
 *
 * max and argmax propagate NaN like PyTorch (amax gives NaN, argmax the index
 * of the first NaN); argmax otherwise keeps the first index of the maximum.
 * softmax and logSoftmax subtract the row maximum first, so ±1000 inputs do not
 * overflow and -Infinity entries give exactly 0 (softmax) / -Infinity (logSoftmax).
 */
import type { Node, NodeBase, NodeOf } from '../graph.ts'
import { wgslType, type Expr, type KernelIO, type KernelStep, type Lowering } from '../compiler/kernel.ts'
import { sizeOf, stridesOf } from '../compiler/wgsl.ts'

type ReduceOp = 'sum' | 'mean' | 'max' | 'argmax'

/** A run of merged dims: `size` coordinates, `stride` elements apart in the input. */
interface Run {
  readonly size: number
  readonly stride: number
}

/** Kept and reduced runs of an input shape (size-1 dims dropped, neighbours of one kind merged). */
export const reductionRuns = (shape: readonly number[], axes: readonly number[]) => {
  const reduced = new Set(axes)
  const strides = stridesOf(shape)
  const kept: Run[] = []
  const red: Run[] = []
  let last: 'kept' | 'reduced' | undefined
  shape.forEach((size, d) => {
    if (size === 1) return
    const kind = reduced.has(d) ? 'reduced' : 'kept'
    const runs = kind === 'reduced' ? red : kept
    if (last === kind) {
      // The previous dim of this kind is adjacent to this one (size-1 dims in between don't matter).
      const prev = runs[runs.length - 1]
      runs[runs.length - 1] = { size: prev.size * size, stride: strides[d] }
    } else runs.push({ size, stride: strides[d] })
    last = kind
  })
  return { kept, reduced: red }
}

/** WGSL of the input offset of coordinate `index` over `runs` (row-major over the runs). */
const offsetOf = (runs: readonly Run[], index: string): string => {
  if (runs.length === 0) return '0u'
  const terms: string[] = []
  let inner = 1
  for (let g = runs.length - 1; g >= 0; g--) {
    const { size, stride } = runs[g]
    const coord = g === 0 ? (inner === 1 ? index : `(${index} / ${inner}u)`) : inner === 1 ? `(${index} % ${size}u)` : `((${index} / ${inner}u) % ${size}u)`
    terms.unshift(stride === 1 ? coord : `${coord} * ${stride}u`)
    inner *= size
  }
  return terms.join(' + ')
}

/** The accumulator of one reduction: declarations, per-element update, combine and final value. */
const accumulator = (op: ReduceOp, x: Node, io: KernelIO) => {
  const t = wgslType(x.dtype)
  const float = t === 'f32'
  const lowest = float ? io.literal(-Infinity, 'float32') : t === 'i32' ? 'i32(-2147483648)' : '0u'
  // NaN wins (v != v), so max/argmax propagate it as PyTorch does; strict > keeps the first maximum.
  const better = (v: string, best: string) => (float ? `(${v} > ${best} || (${v} != ${v} && ${best} == ${best}))` : `${v} > ${best}`)
  switch (op) {
    case 'sum':
    case 'mean':
      return {
        init: `  var acc = ${io.literal(0, x.dtype)};`,
        update: (v: string) => `acc += ${v};`,
        combine: (v: string) => `acc += ${v};`,
      }
    case 'max':
      return {
        init: `  var acc = ${lowest};`,
        update: (v: string) => `if ${better(v, 'acc')} { acc = ${v}; }`,
        combine: (v: string) => `if ${better(v, 'acc')} { acc = ${v}; }`,
      }
    case 'argmax':
      return {
        init: `  var acc = ${lowest};\n  var idx = 0u;`,
        update: (v: string, r = 'r') => `if ${better(v, 'acc')} { acc = ${v}; idx = ${r}; }`,
        combine: (v: string, r = 'r') => `if ${better(v, 'acc')} { acc = ${v}; idx = ${r}; }`,
      }
  }
}

const finish = (op: ReduceOp, node: NodeBase, count: number, io: KernelIO): Expr => {
  if (op === 'argmax') return 'i32(idx)'
  if (op === 'mean') return node.dtype === 'float32' ? `acc / ${io.literal(count, 'float32')}` : `acc / ${io.literal(Math.max(1, count), node.dtype)}`
  return 'acc'
}

/** Below this many outputs, with at least TWO_STEP_MIN_COUNT elements each, a reduction runs in two steps. */
const TWO_STEP_MAX_OUTPUTS = 256
const TWO_STEP_MIN_COUNT = 4096

export const lowerReduce = (op: ReduceOp) => (node: NodeOf<ReduceOp>): Lowering => {
  const [x] = node.inputs
  const axes = node.params.axes
  const outCount = sizeOf(node.shape)
  if (outCount === 0) return { steps: [] }
  const count = sizeOf(axes.map((a) => x.shape[a]))
  const { kept, reduced } = reductionRuns(x.shape, axes)
  const xt = wgslType(x.dtype)
  const base = offsetOf(kept, 'o')

  if (count < TWO_STEP_MIN_COUNT || outCount > TWO_STEP_MAX_OUTPUTS) {
    // One invocation per output: nested loops over the reduced runs, outermost first.
    const open: string[] = []
    const close: string[] = []
    let off = 'base'
    reduced.forEach(({ size, stride }, g) => {
      const pad = '  '.repeat(g + 1)
      open.push(`${pad}for (var j${g} = 0u; j${g} < ${size}u; j${g}++) {`)
      open.push(`${pad}  let off${g} = ${off} + j${g}${stride === 1 ? '' : ` * ${stride}u`};`)
      close.unshift(`${pad}}`)
      off = `off${g}`
    })
    const pad = '  '.repeat(reduced.length + 1)
    const step: KernelStep = {
      label: `shapewise ${op} ${JSON.stringify(x.shape)} axes ${JSON.stringify(axes)}`,
      bindings: [{ input: 0 }, { output: true }],
      dispatch: { threads: outCount },
      body: (io) => {
        const acc = accumulator(op, x, io)
        const inner = [`${pad}let v = ${io.load(0, off)};`, `${pad}${acc.update('v')}`, ...(op === 'argmax' ? [`${pad}r++;`] : [])]
        return `  let o = i;
  let base = ${base};
${acc.init}${op === 'argmax' ? '\n  var r = 0u;' : ''}
${[...open, ...inner, ...close].join('\n')}
  ${io.store('o', finish(op, node, count, io))}`
      },
    }
    return { steps: [step] }
  }

  // Two steps: partials over chunks of the reduced range, then their combination.
  const chunk = Math.max(256, Math.ceil(Math.sqrt(count)))
  const parts = Math.ceil(count / chunk)
  const threads = outCount * parts
  const scratchBytes = [threads * 4, ...(op === 'argmax' ? [threads * 4] : [])]
  const scratch = [
    { scratch: 0, view: { name: 'partials', type: xt } },
    ...(op === 'argmax' ? [{ scratch: 1, view: { name: 'indices', type: 'u32' as const } }] : []),
  ]
  const partials: KernelStep = {
    label: `shapewise ${op} partials ${JSON.stringify(x.shape)} axes ${JSON.stringify(axes)} chunk ${chunk}`,
    bindings: [{ input: 0 }, ...scratch],
    dispatch: { threads },
    body: (io) => {
      const acc = accumulator(op, x, io)
      return `  let t = i;
  let o = t / ${parts}u;
  let c = t % ${parts}u;
  let base = ${base};
${acc.init}
  let end = min(${count}u, (c + 1u) * ${chunk}u);
  for (var r = c * ${chunk}u; r < end; r++) {
    let v = ${io.load(0, `base + ${offsetOf(reduced, 'r')}`)};
    ${acc.update('v')}
  }
  partials[t] = acc;${op === 'argmax' ? '\n  indices[t] = idx;' : ''}`
    },
  }
  const combine: KernelStep = {
    label: `shapewise ${op} combine ${outCount}x${parts}`,
    bindings: [{ output: true }, ...scratch],
    dispatch: { threads: outCount },
    body: (io) => {
      const acc = accumulator(op, x, io)
      return `  let o = i;
${acc.init}
  for (var c = 0u; c < ${parts}u; c++) {
    let v = partials[o * ${parts}u + c];
    ${op === 'argmax' ? acc.combine('v', `indices[o * ${parts}u + c]`) : acc.combine('v')}
  }
  ${io.store('o', finish(op, node, count, io))}`
    },
  }
  return { scratchBytes, steps: [partials, combine] }
}


/** softmax / logSoftmax along one axis: one invocation per row (max, Σ exp(x − max), then write). */
export const lowerSoftmax = (log: boolean) => (node: NodeOf<'softmax' | 'logSoftmax'>): Lowering => {
  const axis = node.params.axis
  const shape = node.shape
  const size = shape[axis]
  const inner = sizeOf(shape.slice(axis + 1))
  const rows = sizeOf(shape) / Math.max(1, size)
  if (sizeOf(shape) === 0) return { steps: [] }
  const at = (j: string) => `base + ${j}${inner === 1 ? '' : ` * ${inner}u`}`
  const write = log ? 'x - m - ls' : 'exp(x - m) / s'
  const step: KernelStep = {
    label: `shapewise ${log ? 'logSoftmax' : 'softmax'} ${JSON.stringify(shape)} axis ${axis}`,
    bindings: [{ input: 0 }, { output: true }],
    dispatch: { threads: rows },
    body: (io) => `  let row = i;
  let base = ${inner === 1 ? `row * ${size}u` : `(row / ${inner}u) * ${size * inner}u + row % ${inner}u`};
  var m = ${io.literal(-Infinity, 'float32')};
  for (var j = 0u; j < ${size}u; j++) {
    let x = ${io.load(0, at('j'))};
    if (x > m || x != x) { m = x; }
  }
  var s = 0.0;
  for (var j = 0u; j < ${size}u; j++) { s += exp(${io.load(0, at('j'))} - m); }
${log ? '  let ls = log(s);\n' : ''}  for (var j = 0u; j < ${size}u; j++) {
    let x = ${io.load(0, at('j'))};
    ${io.store(at('j'), write)}
  }`,
  }
  return { steps: [step] }
}

