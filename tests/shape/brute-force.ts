/**
 * Brute-force reference implementations of the shape rules, for the property
 * tests. They never use the closed formulas of src/shape/*: they enumerate
 * windows, simulate scatters and walk index spaces, so an off-by-one in a
 * formula cannot be repeated here by construction. Keep them slow and obvious.
 *
 * Coordinates: a 1-D axis of length `input`, with `padLeft` zeros before it and
 * `padRight` after it. Unpadded coordinates run over [−padLeft, input + padRight − 1].
 */

/** The offsets a dilated kernel touches, relative to the window's first element. */
export const kernelTaps = (kernel: number, dilation: number): number[] =>
  Array.from({ length: kernel }, (_, j) => j * dilation)

/** The number of elements a dilated window spans (first tap to last tap, inclusive). */
export const windowSpan = (kernel: number, dilation: number): number => Math.max(...kernelTaps(kernel, dilation)) + 1

/**
 * Counts the output positions of a convolution along one axis: o = 0, 1, 2, …
 * while the window [o·stride − padLeft, o·stride − padLeft + dilation·(k − 1)]
 * lies inside [−padLeft, input + padRight − 1]. 0 means no window fits.
 */
export const countConvWindows = (input: number, kernel: number, stride: number, padLeft: number, padRight: number, dilation: number): number => {
  const lo = -padLeft
  const hi = input + padRight - 1
  let count = 0
  for (let o = 0; ; o++) {
    const first = o * stride - padLeft
    const taps = kernelTaps(kernel, dilation).map((t) => first + t)
    if (taps.some((i) => i < lo || i > hi)) break
    count++
  }
  return count
}

/** How many of 0, stride, 2·stride, … lie inside [0, input): ⌈input / stride⌉, by counting. */
export const countStrided = (input: number, stride: number): number => {
  let count = 0
  for (let i = 0; i < input; i += stride) count++
  return count
}

/**
 * 'same' padding found by search: the smallest total padding whose windows
 * (split floor(total/2) left, the rest right) give at least one output per
 * strided input position. At stride 1 that is PyTorch's padding='same' (total
 * dilation·(k − 1), the extra element on the right for even spans); at
 * stride > 1 it is TF/ONNX SAME_UPPER (out = ⌈in / stride⌉).
 */
export const samePadding = (input: number, kernel: number, stride: number, dilation: number): { left: number; right: number; out: number } => {
  const target = countStrided(input, stride)
  for (let total = 0; ; total++) {
    const left = Math.floor(total / 2)
    const out = countConvWindows(input, kernel, stride, left, total - left, dilation)
    if (out >= target) return { left, right: total - left, out }
  }
}

export type AxisResult = { readonly ok: true; readonly out: number } | { readonly ok: false; readonly message: string }

/** One conv axis by counting windows; the error names the span and the padded length, as shapewise does. */
export const bruteConvAxis = (
  op: string, input: number, kernel: number, stride: number, padding: number | 'same', dilation: number,
): AxisResult => {
  if (padding === 'same') return { ok: true, out: samePadding(input, kernel, stride, dilation).out }
  const out = countConvWindows(input, kernel, stride, padding, padding, dilation)
  if (out > 0) return { ok: true, out }
  return { ok: false, message: `${op}: kernel ${windowSpan(kernel, dilation)} exceeds padded input ${input + 2 * padding}` }
}

/**
 * One transposed-conv axis by simulating the scatter: input position i writes
 * through tap j to i·stride + j·dilation of a zero-based canvas. The canvas is
 * as long as the largest index written + 1, outputPadding extends it on the
 * right, and `padding` is cropped from both ends. The signed length (for the
 * error message) is what is left after cropping; the size is the number of
 * canvas positions that survive the crop.
 */
export const scatterConvTranspose = (input: number, kernel: number, stride: number, padding: number, outputPadding: number, dilation: number) => {
  const written = new Set<number>()
  for (let i = 0; i < input; i++) for (const t of kernelTaps(kernel, dilation)) written.add(i * stride + t)
  const canvas = Math.max(...written) + 1 + outputPadding
  let survivors = 0
  for (let x = 0; x < canvas; x++) if (x >= padding && x < canvas - padding) survivors++
  return { canvas, signed: canvas - 2 * padding, survivors, written }
}

export const bruteConvTransposeAxis = (
  op: string, input: number, kernel: number, stride: number, padding: number, outputPadding: number, dilation: number,
): AxisResult => {
  // PyTorch's rule (not a size computation): output padding must be smaller than the stride or the dilation.
  if (!(outputPadding < stride || outputPadding < dilation))
    return { ok: false, message: `${op}: outputPadding ${outputPadding} must be smaller than stride ${stride} or dilation ${dilation}` }
  const { signed, survivors } = scatterConvTranspose(input, kernel, stride, padding, outputPadding, dilation)
  if (survivors < 1) return { ok: false, message: `${op}: output size ${signed} is not positive` }
  return { ok: true, out: survivors }
}

/**
 * Counts pooling windows along one axis, PyTorch's way. Padded coordinates:
 * the padded axis is [0, P) with P = input + 2·padding, the input is
 * [padding, padding + input), window o starts at o·stride and spans E elements.
 *
 * - floor mode: windows that lie inside [0, P).
 * - ceil mode: windows may run past the right padding: a window is taken while
 *   the window one stride before it (a virtual one at −stride for o = 0) did
 *   not yet reach the last padded element, and each taken window must start
 *   inside the input or the left padding (start < input + padding): PyTorch
 *   drops a last window that would start in the right padding.
 */
export const countPoolWindows = (input: number, kernel: number, stride: number, padding: number, dilation: number, ceilMode: boolean) => {
  const P = input + 2 * padding
  const E = windowSpan(kernel, dilation)
  const starts: number[] = []
  for (let o = 0; ; o++) {
    const start = o * stride
    const last = start + E - 1
    const fits = last <= P - 1
    const previousLast = start - stride + E - 1
    const taken = fits || (ceilMode && previousLast < P - 1)
    if (!taken) break
    if (start < input + padding) starts.push(start)
    if (!fits) break
  }
  return { count: starts.length, starts, padded: P, span: E }
}

/** One pooling axis: PyTorch's padding rule (pad ≤ ⌊k/2⌋, i.e. 2·pad ≤ k), then the window count. */
export const brutePoolAxis = (
  op: string, input: number, kernel: number, stride: number, padding: number, dilation: number, ceilMode: boolean,
): AxisResult => {
  if (2 * padding > kernel) return { ok: false, message: `${op}: padding ${padding} exceeds half the kernel ${kernel}; pad the input first (pad), then pool with padding 0` }
  const { count, padded, span } = countPoolWindows(input, kernel, stride, padding, dilation, ceilMode)
  if (count > 0) return { ok: true, out: count }
  return { ok: false, message: `${op}: kernel ${span} exceeds padded input ${padded}` }
}

// ------------------------------------------------------------------ index spaces

/** Every multi-index of a shape, row-major. [] has one (empty) index; a 0 dim has none. */
export function* indices(shape: readonly number[]): Generator<number[]> {
  if (shape.some((d) => d === 0)) return
  const idx = shape.map(() => 0)
  for (;;) {
    yield [...idx]
    let axis = shape.length - 1
    while (axis >= 0) {
      idx[axis]++
      if (idx[axis] < shape[axis]) break
      idx[axis] = 0
      axis--
    }
    if (axis < 0) return
  }
}

/** Counts elements by walking the index space (no product formula). */
export const countElements = (shape: readonly number[]): number => {
  let n = 0
  for (const _ of indices(shape)) n++
  return n
}

/** Row-major flat offset of an index, by walking strides built one dim at a time. */
const offsetOf = (shape: readonly number[], index: readonly number[]): number => {
  let offset = 0
  for (let i = 0; i < shape.length; i++) offset = offset * shape[i] + index[i]
  return offset
}

/**
 * NumPy broadcasting by brute force. Each output dim is chosen among the
 * operands' dims (right-aligned, a missing dim reads as 1) so that every
 * operand either matches it or is 1 (and is stretched). Then every output
 * index is mapped back into each operand (index i on a matching dim, 0 on a
 * stretched one), and we check that all reads are in range and that every
 * element of each operand is read when the output is not empty. Returns
 * null when no output dim fits some axis.
 */
export const bruteBroadcast = (a: readonly number[], b: readonly number[]): number[] | null => {
  const rank = Math.max(a.length, b.length)
  const pa = [...Array(rank - a.length).fill(1), ...a] as number[]
  const pb = [...Array(rank - b.length).fill(1), ...b] as number[]
  const out: number[] = []
  for (let i = 0; i < rank; i++) {
    const candidates = [pa[i], pb[i]].filter((n) => [pa[i], pb[i]].every((d) => d === n || d === 1))
    if (candidates.length === 0) return null
    // Both candidates work only when one of them is 1 and the other is too, or when they are equal.
    out.push(candidates.find((n) => n !== 1) ?? 1)
  }
  const readA = new Set<number>()
  const readB = new Set<number>()
  for (const idx of indices(out)) {
    const ia = idx.map((v, i) => (pa[i] === 1 ? 0 : v))
    const ib = idx.map((v, i) => (pb[i] === 1 ? 0 : v))
    if (ia.some((v, i) => v >= pa[i]) || ib.some((v, i) => v >= pb[i])) throw new Error('bruteBroadcast: out-of-range read')
    readA.add(offsetOf(pa, ia))
    readB.add(offsetOf(pb, ib))
  }
  if (countElements(out) > 0 && (readA.size !== countElements(pa) || readB.size !== countElements(pb)))
    throw new Error('bruteBroadcast: some operand element is never read')
  return out
}

/** reshape by search: the -1 dim is the n with (known dims) × n elements = the count. */
export const bruteReshape = (from: readonly number[], target: readonly number[]): number[] | null => {
  const count = countElements(from)
  const wild = target.flatMap((d, i) => (d === -1 ? [i] : []))
  if (wild.length > 1) return null
  if (wild.length === 0) return countElements(target) === count ? [...target] : null
  const fits: number[] = []
  // n > count cannot fit unless the known dims hold 0 elements, where n = count + 1 fits as well as any.
  for (let n = 0; n <= count + 1; n++) {
    const candidate = target.map((d) => (d === -1 ? n : d))
    if (countElements(candidate) === count) fits.push(n)
  }
  // No n, or every n (a known 0 dim makes the -1 ambiguous): PyTorch refuses both.
  return fits.length === 1 ? target.map((d) => (d === -1 ? fits[0] : d)) : null
}

/** torch.matmul's shapes spelled out case by case, with brute-force broadcasting of the batch dims. */
export const bruteMatmul = (a: readonly number[], b: readonly number[]): number[] | null => {
  if (a.length === 0 || b.length === 0) return null
  if (a.length === 1 && b.length === 1) return a[0] === b[0] ? [] : null
  const m = a.length === 1 ? null : a[a.length - 2]
  const ka = a[a.length - 1]
  const kb = b.length === 1 ? b[0] : b[b.length - 2]
  const n = b.length === 1 ? null : b[b.length - 1]
  if (ka !== kb) return null
  const batch = bruteBroadcast(a.length === 1 ? [] : a.slice(0, -2), b.length === 1 ? [] : b.slice(0, -2))
  if (batch === null) return null
  return [...batch, ...(m === null ? [] : [m]), ...(n === null ? [] : [n])]
}
