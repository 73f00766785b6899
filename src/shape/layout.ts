/** Run-time twins of types/shape.ts: the same rules, the same messages. */
import { fail, shapeText } from './errors.ts'

type Dims = readonly number[]
const product = (dims: Dims): number => dims.reduce((a, b) => a * b, 1)
export { product as sizeOf }

export const normalizeAxis = (op: string, axis: number, rank: number): number => {
  if (axis < -rank || axis >= rank) fail(`${op}: axis ${axis} is out of range for rank ${rank}`)
  return axis < 0 ? axis + rank : axis
}

export const broadcastShapes = (op: string, a: Dims, b: Dims): number[] => {
  const rank = Math.max(a.length, b.length)
  const out: number[] = []
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1
    const db = b[b.length - rank + i] ?? 1
    if (da !== db && da !== 1 && db !== 1) fail(`${op}: shapes ${shapeText(a)} and ${shapeText(b)} cannot be broadcast`)
    out.push(da === 1 ? db : da)
  }
  return out
}

export const reshapeShape = (from: Dims, target: Dims): number[] => {
  const invalid = target.find((d) => d !== -1 && !(Number.isInteger(d) && d >= 0))
  if (invalid !== undefined) fail(`reshape: invalid dim ${invalid} in ${shapeText(target)}`)
  const wildcards = target.filter((d) => d === -1).length
  if (wildcards > 1) fail(`reshape: at most one -1 is allowed, got ${shapeText(target)}`)
  const count = product(from)
  const known = product(target.filter((d) => d !== -1))
  const cannot = () => fail(`reshape: ${count} elements cannot become ${shapeText(target)}`)
  if (wildcards === 1) {
    if (known === 0 || count % known !== 0) cannot()
    return target.map((d) => (d === -1 ? count / known : d))
  }
  if (count !== known) cannot()
  return [...target]
}

export const flattenShape = (x: Dims, startDim = 1): number[] => {
  const start = normalizeAxis('flatten', startDim, x.length)
  return [...x.slice(0, start), product(x.slice(start))]
}

/** Dims of a permutation with negative ones counted from the end, or an error when they are not a permutation. */
export const permutationOf = (x: Dims, dims: Dims): number[] => {
  const seen = new Set<number>()
  const normalized = dims.map((d) => (d < 0 ? d + x.length : d))
  const valid = dims.length === x.length && normalized.every((d) => Number.isInteger(d) && d >= 0 && d < x.length && !seen.has(d) && seen.add(d))
  if (!valid) fail(`permute: ${shapeText(dims)} is not a permutation of the ${x.length} dims of ${shapeText(x)}`)
  return normalized
}

export const permuteShape = (x: Dims, dims: Dims): number[] => permutationOf(x, dims).map((d) => x[d])

export const transposeShape = (x: Dims, dim0: number, dim1: number): number[] => {
  const a = normalizeAxis('transpose', dim0, x.length)
  const b = normalizeAxis('transpose', dim1, x.length)
  const out = [...x]
  ;[out[a], out[b]] = [out[b], out[a]]
  return out
}

export const concatShape = (shapes: readonly Dims[], axis: number): number[] => {
  if (shapes.length === 0) fail('concat: needs at least one tensor')
  const a = normalizeAxis('concat', axis, shapes[0].length)
  return shapes.slice(1).reduce<number[]>((acc, s) => {
    if (s.length !== acc.length) fail(`concat: shapes ${shapeText(acc)} and ${shapeText(s)} have different ranks`)
    if (s.some((d, i) => i !== a && d !== acc[i])) fail(`concat: shapes ${shapeText(acc)} and ${shapeText(s)} differ outside axis ${a}`)
    return acc.map((d, i) => (i === a ? d + s[i] : d))
  }, [...shapes[0]])
}

/** The reduced axes in 0..rank-1 (all when axis is undefined). */
export const reducedAxes = (op: string, x: Dims, axis: number | readonly number[] | undefined): number[] => {
  if (axis === undefined) return x.map((_, i) => i)
  const axes = (typeof axis === 'number' ? [axis] : axis).map((a) => normalizeAxis(op, a, x.length))
  const twice = axes.find((a, i) => axes.indexOf(a) !== i)
  if (twice !== undefined) fail(`${op}: axis ${twice} appears twice`)
  return axes
}

export const reduceShape = (op: string, x: Dims, axis: number | readonly number[] | undefined, keepDims: boolean): number[] => {
  const axes = new Set(reducedAxes(op, x, axis))
  return x.flatMap((d, i) => (axes.has(i) ? (keepDims ? [1] : []) : [d]))
}

export const matmulShape = (a: Dims, b: Dims): number[] => {
  if (a.length === 0 || b.length === 0) fail(`matmul: operands must have rank ≥ 1, got ${shapeText(a)} and ${shapeText(b)}`)
  const a2 = a.length === 1 ? [1, a[0]] : a
  const b2 = b.length === 1 ? [b[0], 1] : b
  const k = a2[a2.length - 1]
  const k2 = b2[b2.length - 2]
  if (k !== k2) fail(`matmul: inner dims differ: ${shapeText(a)} has ${a[a.length - 1]} but ${shapeText(b)} has ${b.length === 1 ? b[0] : k2}`)
  const batch = broadcastShapes('matmul', a2.slice(0, -2), b2.slice(0, -2))
  return [...batch, ...(a.length === 1 ? [] : [a2[a2.length - 2]]), ...(b.length === 1 ? [] : [b2[b2.length - 1]])]
}

export const linearShape = (x: Dims, w: Dims, bias?: Dims): number[] => {
  if (w.length !== 2) fail(`linear: weight must be [out, in], got ${shapeText(w)}`)
  if (x.length === 0) fail('linear: input must have rank ≥ 1, got a scalar')
  const [out, inFeatures] = w
  const features = x[x.length - 1]
  if (features !== inFeatures) fail(`linear: input has ${features} features but weight expects ${inFeatures}`)
  if (bias !== undefined && bias.length !== 1) fail(`linear: bias must be [${out}], got ${shapeText(bias)}`)
  if (bias !== undefined && bias[0] !== out) fail(`linear: bias has ${bias[0]} features but weight has ${out} outputs`)
  return [...x.slice(0, -1), out]
}

export const padShape = (x: Dims, pads: readonly (readonly [number, number])[]): number[] => {
  if (pads.length > x.length) fail(`pad: ${pads.length} padding pairs for a tensor of rank ${x.length}`)
  return x.map((d, i) => {
    const [before, after] = pads[i] ?? [0, 0]
    const out = d + before + after
    if (out < 0) fail(`pad: dim ${i} of size ${d} cannot shrink by ${-(before + after)}`)
    return out
  })
}

export interface SliceSpec {
  readonly start: readonly number[]
  readonly end: readonly number[]
  readonly step?: readonly number[]
}

/** Start, end (clamped, negative counts from the end) and step of one sliced dim. */
export const sliceRange = (size: number, start: number | undefined, end: number | undefined, step: number | undefined) => {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size)
  const s = clamp(start ?? 0)
  const e = clamp(end ?? size)
  return { start: s, end: e, step: step ?? 1, size: Math.max(0, Math.ceil((e - s) / (step ?? 1))) }
}

export const sliceShape = (x: Dims, spec: SliceSpec): number[] => {
  if (spec.start.length > x.length || spec.end.length > x.length) fail(`slice: more bounds than the ${x.length} dims of ${shapeText(x)}`)
  spec.step?.forEach((s) => s < 1 && fail(`slice: step must be a positive integer, got ${s}`))
  return x.map((d, i) => sliceRange(d, spec.start[i], spec.end[i], spec.step?.[i]).size)
}

/** Shape of a nested array, or an error when rows are ragged. */
export const shapeOfNested = (value: unknown): number[] => {
  if (!Array.isArray(value)) return []
  if (value.length === 0) return [0]
  const inner = shapeOfNested(value[0])
  for (const row of value) {
    if (shapeText(shapeOfNested(row)) !== shapeText(inner)) fail('tensor: rows have different lengths')
  }
  return [value.length, ...inner]
}
