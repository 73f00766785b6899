/**
 * The WGSL renderer: the one place that writes a module around a kernel step.
 * It owns the prelude (non-finite constants, erf, tanh, the random hash —
 * each emitted only when the kernel asked for it), the binding numbers and
 * declarations, the one-dimensional skeleton, the fused epilogue and the
 * in-place form; the step's own code comes from calling its functions with a
 * `KernelIO`, so nothing here edits finished text.
 */
import type { DType, Node } from '../graph.ts'
import { faultDeclaration } from '../faults.ts'
import { DEFAULT_TARGET, wgslType, type Expr, type ExprIO, type Helper, type KernelBinding, type KernelIO, type KernelStep, type KernelTarget } from './kernel.ts'

/** Invocations per workgroup of a one-dimensional kernel. */
export const WORKGROUP = 64

// erf by Abramowitz & Stegun 7.1.26 is only good to 1.5e-7 absolute; this
// rational form (W. J. Cody style, 5 terms) keeps gelu within float32 noise.
const erfWgsl = `fn erf_approx(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.5 * a);
  let y = 1.0 - t * exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(-y, y, x >= 0.0);
}`

// tanh through exp(-2|x|) never overflows, unlike the textbook (e^x − e^−x)/(e^x + e^−x).
const tanhWgsl = `fn tanh_stable(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}`

/**
 * Counter-based random numbers: value i of a tensor is a pure function of
 * (seed, i), so results do not depend on dispatch order, adapter or run.
 * The integer hash is the PCG output permutation applied twice.
 */
const randomWgsl = `fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
fn uniform01(seed: u32, i: u32) -> f32 {
  return f32(pcg(pcg(seed) ^ i) >> 8u) / 16777216.0;
}
fn normal01(seed: u32, i: u32) -> f32 {
  let u1 = (f32(pcg(pcg(seed) ^ (2u * i)) >> 8u) + 1.0) / 16777217.0;
  let u2 = f32(pcg(pcg(seed ^ 0x9e3779b9u) ^ (2u * i + 1u)) >> 8u) / 16777216.0;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}`

/**
 * Bit patterns of NaN and ±Infinity behind a `var`: Tint folds
 * `bitcast<f32>(0x7f800000u)` at compile time and rejects the non-finite
 * result, so these values must only exist at run time.
 */
const nonFiniteWgsl = 'var<private> nonFiniteBits: vec3<u32> = vec3<u32>(0x7fc00000u, 0x7f800000u, 0xff800000u);'

/** The text of each helper, in the order the prelude emits them. */
const HELPERS: Readonly<Record<Helper, string>> = { nonFinite: nonFiniteWgsl, erf: erfWgsl, tanh: tanhWgsl, random: randomWgsl }

/** A literal of `dtype`, or (for ±Infinity and NaN) the run-time value, asking for the nonFinite helper through `need`. */
export const literal = (value: number, dtype: DType, need: (h: Helper) => void = () => {}): Expr => {
  if (dtype === 'float32') {
    if (!Number.isFinite(value)) {
      need('nonFinite')
      return Number.isNaN(value) ? 'bitcast<f32>(nonFiniteBits.x)' : value > 0 ? 'bitcast<f32>(nonFiniteBits.y)' : 'bitcast<f32>(nonFiniteBits.z)'
    }
    // JavaScript writes |v| ≥ 1e21 in exponent form ('3e+38'), which is already a float literal: '.0' after it is a syntax error.
    const text = String(value)
    return text.includes('.') || text.includes('e') ? text : `${text}.0`
  }
  return dtype === 'int32' ? `${Math.trunc(value)}i` : `${value ? 1 : 0}u`
}

/** A finite f32 literal (window sizes, scales, eps), for code written outside a kernel's IO. */
export const finiteF32 = (value: number): Expr => {
  if (!Number.isFinite(value)) throw new RangeError(`finiteF32: ${value} is not finite; write it through io.literal`)
  return literal(value, 'float32')
}

/** Workgroup counts covering `threads` invocations of a 1-D kernel (spilling into y past the target's per-dimension limit). */
export const grid1d = (threads: number, target: KernelTarget): readonly [number, number, number] => {
  const groups = Math.max(1, Math.ceil(threads / WORKGROUP))
  const max = target.maxComputeWorkgroupsPerDimension
  return groups <= max ? [groups, 1, 1] : [max, Math.ceil(groups / max), 1]
}

/** An elementwise chain run on each stored value (see the fuse-epilogues pass). */
export interface Epilogue {
  /** The chain's operands beyond the kernel's own, bound after its bindings, all f32. */
  readonly operands: number
  /** Statements updating `x`, the value stored at element `i`; chain operand j is operand `first + j` of `io`. */
  readonly apply: (io: KernelIO, first: number) => readonly string[]
}

export interface RenderOptions {
  readonly target: KernelTarget
  /** Element types of the operands `{ input: k }` refers to. */
  readonly operands: readonly { readonly dtype: DType }[]
  readonly output: DType
  readonly epilogue?: Epilogue
  /** Overwrite operand 0: its binding is dropped and its loads read the output (see the plan-in-place pass). */
  readonly inPlace?: boolean
  /**
   * Operands bound through a fused view (see the fuse-views pass), by operand number: a load of
   * element `index` of operand k is `views[k](index, load, io)`, `load` reading the buffer bound for it.
   */
  readonly views?: readonly (((index: Expr, load: (sourceIndex: Expr) => Expr, io: ExprIO) => Expr) | undefined)[]
  /**
   * Run a per-output-element kernel over elements `base` … `base + length − 1` only (see
   * src/compiler/split.ts): the output and the operands in `operands` are bound from element
   * `base` on, so their loads and stores, which must all be at `i`, index `i − base`; every other
   * binding is whole and read at the global `i`.
   */
  readonly chunk?: { readonly base: number; readonly length: number; readonly operands: ReadonlySet<number> }
}

export interface RenderedKernel {
  readonly wgsl: string
  /** The bindings in binding-number order: the step's (operand 0 dropped when in place), then the epilogue's operands as `{ input: k }`. */
  readonly bindings: readonly KernelBinding[]
  readonly workgroups: readonly [number, number, number]
  /** Every read of a bound buffer, in order, at its index there (a fused view's reads included). */
  readonly loads: readonly { readonly operand: number; readonly index: Expr }[]
  /** The index of every `io.store` (`store4` as `vec4 <index4>`). */
  readonly stores: readonly Expr[]
}

const arrayType = (type: string, length: number | undefined) => (length !== undefined && Number.isInteger(length) && length > 0 ? `array<${type}, ${length}>` : `array<${type}>`)

/** The complete WGSL module of a step, with its bindings and dispatch. */
export const renderKernel = (step: KernelStep, o: RenderOptions): RenderedKernel => {
  const used = new Set<Helper>()
  const loads: { operand: number; index: Expr }[] = []
  const stores: Expr[] = []
  const ownOperands = o.operands.length
  const views = new Map<number, string>()
  for (const b of step.bindings) if ('input' in b && b.view) views.set(b.input, b.view.name)
  const operandName = (k: number) => (k >= ownOperands ? `fused${k - ownOperands}` : (views.get(k) ?? `in${k}`))
  const fused = o.epilogue !== undefined
  const chunk = o.chunk
  /** Where element `at` of a binding that starts at the chunk's base is: `i − base` (only `i` is ever asked of such a binding). */
  const inChunk = (what: string, at: Expr): Expr => {
    if (at !== 'i') throw new Error(`renderKernel: ${what} at ${at} cannot run in chunks (only loads and stores at i can)`)
    return `i - ${chunk!.base}u`
  }
  const io: KernelIO = {
    load: (operand, index) => {
      const read = (at: Expr) => {
        loads.push({ operand, index: at })
        const inPlace = o.inPlace && operand === 0
        const chunked = chunk !== undefined && (inPlace || chunk.operands.has(operand))
        return `${inPlace ? 'out' : operandName(operand)}[${chunked ? inChunk(`a load of operand ${operand}`, at) : at}]`
      }
      const view = o.views?.[operand]
      return view ? view(index, read, io) : read(index)
    },
    store: (index, value) => {
      stores.push(index)
      const at = chunk ? inChunk('a store', index) : index
      return fused ? `out[${at}] = epilogue(${index}, ${value});` : `out[${at}] = ${value};`
    },
    store4: (index4, value) => {
      stores.push(`vec4 ${index4}`)
      if (chunk) throw new Error('renderKernel: a kernel storing vec4s cannot run in chunks')
      return fused ? `out[${index4}] = epilogue4(${index4}, ${value});` : `out[${index4}] = ${value};`
    },
    literal: (value, dtype) => literal(value, dtype, (h) => used.add(h)),
    helper: (name) => void used.add(name),
  }
  const module = step.module?.(io) ?? ''
  const body = step.body(io)
  const epilogue = o.epilogue
    ? [
        'fn epilogue(i: u32, v: f32) -> f32 {',
        '  var x = v;',
        ...o.epilogue.apply(io, ownOperands).map((line) => `  ${line}`),
        '  return x;',
        '}',
        'fn epilogue4(i4: u32, v: vec4f) -> vec4f {',
        '  return vec4f(epilogue(i4 * 4u, v.x), epilogue(i4 * 4u + 1u, v.y), epilogue(i4 * 4u + 2u, v.z), epilogue(i4 * 4u + 3u, v.w));',
        '}',
      ].join('\n')
    : ''

  const bindings: KernelBinding[] = [
    ...step.bindings.filter((b) => !(o.inPlace && 'input' in b && b.input === 0)),
    ...Array.from({ length: o.epilogue?.operands ?? 0 }, (_, j) => ({ input: ownOperands + j })),
  ]
  const declare = (b: KernelBinding, n: number): string => {
    const at = `@group(0) @binding(${n})`
    if ('input' in b) {
      const type = b.input >= ownOperands ? 'f32' : (b.view?.type ?? wgslType(o.operands[b.input].dtype))
      return `${at} var<storage, read> ${operandName(b.input)}: ${arrayType(type, b.view?.length)};`
    }
    if ('output' in b) return `${at} var<storage, read_write> out: ${arrayType(b.view?.type ?? wgslType(o.output), b.view?.length)};`
    if ('scratch' in b) return `${at} var<storage, read_write> ${b.view.name}: ${arrayType(b.view.type, b.view.length)};`
    if ('texture' in b) return `${at} var ${b.name}: texture_storage_2d<rgba32float, read>;`
    return faultDeclaration(n)
  }

  const d = step.dispatch
  if (chunk && !('threads' in d && d.perOutputElement)) throw new Error('renderKernel: only a kernel with one invocation per output element can run in chunks')
  const threads = 'threads' in d ? (chunk?.length ?? d.threads) : 0
  // A per-output-element kernel takes `elementsPerInvocation` elements an invocation where the target
  // asks (llvmpipe, whose cost per workgroup outweighs a small body's): invocation f of a grid of
  // `stride` does elements f, f + stride, …, so neighbouring lanes still touch neighbouring elements.
  const perInvocation = 'threads' in d && d.perOutputElement ? o.target.elementsPerInvocation : 1
  const workgroups = 'threads' in d ? grid1d(Math.ceil(threads / perInvocation), o.target) : d.workgroups
  // A grid spills into y only when x is full (grid1d), so the row stride is the target's, not the size's.
  const first = `gid.x + gid.y * ${o.target.maxComputeWorkgroupsPerDimension * WORKGROUP}u`
  const bound = 'threads' in d && d.perOutputElement ? 'arrayLength(&out)' : `${threads}u`
  const base = chunk ? ` + ${chunk.base}u` : ''
  const entry =
    'threads' in d
      ? perInvocation === 1
        ? [
            `@compute @workgroup_size(${WORKGROUP})`,
            'fn main(@builtin(global_invocation_id) gid: vec3u) {',
            `  let i = ${first}${base};`,
            `  if (i >= ${chunk ? `${chunk.base}u + ` : ''}${bound}) { return; }`,
          ]
        : [
            `@compute @workgroup_size(${WORKGROUP})`,
            'fn main(@builtin(global_invocation_id) gid: vec3u) {',
            `  let n = ${bound};`,
            // The grid's size from the element count, as the host computed it (the text holds no size).
            `  let stride = ((n + ${perInvocation * WORKGROUP - 1}u) / ${perInvocation * WORKGROUP}u) * ${WORKGROUP}u;`,
            `  let first = ${first};`,
            '  if (first >= stride) { return; }',
            `  for (var k = 0u; k < ${perInvocation}u; k++) {`,
            '    let e = first + k * stride;',
            '    if (e >= n) { return; }',
            `    element(e${base});`,
            '  }',
          ]
      : [
          `@compute @workgroup_size(${d.workgroupSize[0]}, ${d.workgroupSize[1]})`,
          `fn main(${['@builtin(global_invocation_id) gid: vec3u', ...(d.ids ?? []).map((id) => (id === 'lid' ? '@builtin(local_invocation_id) lid: vec3u' : '@builtin(workgroup_id) wid: vec3u'))].join(', ')}) {`,
        ]
  const wgsl = [
    ...(step.label ? [`// ${step.label}`] : []),
    ...(Object.keys(HELPERS) as Helper[]).filter((h) => used.has(h)).map((h) => HELPERS[h]),
    ...bindings.map(declare),
    ...(module ? [module] : []),
    ...(epilogue ? [epilogue] : []),
    ...(perInvocation === 1 ? [...entry, body, '}'] : ['fn element(i: u32) {', body, '}', ...entry, '}']),
  ].join('\n')
  return { wgsl, bindings, workgroups, loads, stores }
}

/** A step of `node`'s lowering rendered on its own (no epilogue, not in place), e.g. to inspect its WGSL. */
export const renderStep = (step: KernelStep, node: Node, target: KernelTarget = DEFAULT_TARGET): RenderedKernel =>
  renderKernel(step, { target, operands: node.inputs, output: node.dtype })
