/**
 * The core primitives (elementwise math, comparisons, reductions, layout, matmul, fills) and the
 * shape-erased ops over them. Gradient rules, losses, initialisers and optimizers are written with
 * these: a rule handles every shape an op accepts, so it works on tensors of unknown shape and
 * leaves checking to the shape rules. The typed public ops (src/ops) are a veneer over the same
 * definitions. The rules of these primitives use one another (the gradient of a sum broadcasts,
 * that of a broadcast sums), which is why they share this module: split up, they would import
 * each other in a cycle.
 */
import type { DType, Node } from '../graph.ts'
import { fromArray, wrap } from '../tensor.ts'
import type { AnyTensor } from '../tree.ts'
import { fail, shapeText } from '../shape/errors.ts'
import { sameDType } from '../shape/dtype.ts'
import {
  broadcastShapes, concatShape, matmulShape, normalizeAxis, padShape, reducedAxes, reshapeShape, sliceRange, sliceShape,
} from '../shape/layout.ts'
import { lowerFill } from '../ops/creation.wgsl.ts'
import { binaryElementwise, binaryExprs, binaryLowering, lowerCast, lowerWhere, unaryBodies, unaryElementwise, unaryLowering } from '../ops/elementwise.wgsl.ts'
import { lowerReduce, lowerSoftmax } from '../ops/reduce.wgsl.ts'
import { lowerConcat, lowerPad, lowerReshape, padView, permuteIndex, sliceIndex } from '../ops/layout.wgsl.ts'
import { broadcastToIndex, lowerOneHot } from '../ops/gradient.wgsl.ts'
import { lowerMatmulNode } from '../ops/linear.wgsl.ts'
import { indexView, viewLowering } from '../compiler/wgsl.ts'
import { bind } from './bind.ts'
import type { Params, Primitive } from './params.ts'
import { definePrimitive, noGradient, type Abstract, type PrimitiveDef } from './primitive.ts'

type T = AnyTensor
type Operand = T | number

// ------------------------------------------------------------ shape rules shared by several primitives

/** Same shape and dtype as input 0. */
export const sameShape = ([x]: readonly Node[]): Abstract => ({ shape: x.shape, dtype: x.dtype })
const broadcast = (op: string, dtype?: DType) => ([a, b]: readonly Node[]): Abstract => {
  sameDType(op, a.dtype, b.dtype)
  return { shape: broadcastShapes(op, a.shape, b.shape), dtype: dtype ?? a.dtype }
}
const reduced = (dtype?: DType) => ([x]: readonly Node[], p: { readonly axes: readonly number[]; readonly keepDims: boolean }): Abstract => ({
  shape: x.shape.flatMap((d, i) => (p.axes.includes(i) ? (p.keepDims ? [1] : []) : [d])),
  dtype: dtype ?? x.dtype,
})

// ------------------------------------------------------------ the shape-erased ops

const tensorOf = <P extends Primitive>(primitive: PrimitiveDef<P>, inputs: readonly T[], params: Params[P]): T =>
  wrap(bind(primitive, inputs.map((t) => t.node), params))

/**
 * A plain number next to a tensor of dtype `like`: it takes that dtype, as in PyTorch, except that
 * a fraction stays float32 (so mixing is refused instead of truncating).
 */
const operand = (v: Operand, like: DType): T =>
  typeof v === 'number' ? fromArray([v], [], like === 'float32' || (like === 'int32' && Number.isInteger(v)) ? like : 'float32') : v

const binaryOp = (primitive: PrimitiveDef<BinaryOp>) => (a: T, b: Operand): T => tensorOf(primitive, [a, operand(b, a.dtype)], {})

export const add = (a: T, b: Operand): T => binaryOp(addPrimitive)(a, b)
export const sub = (a: T, b: Operand): T => binaryOp(subPrimitive)(a, b)
export const mul = (a: T, b: Operand): T => binaryOp(mulPrimitive)(a, b)
export const div = (a: T, b: Operand): T => binaryOp(divPrimitive)(a, b)
export const maximum = (a: T, b: Operand): T => binaryOp(maximumPrimitive)(a, b)
export const minimum = (a: T, b: Operand): T => binaryOp(minimumPrimitive)(a, b)
export const pow = (a: T, b: Operand): T => binaryOp(powPrimitive)(a, b)
export const greater = (a: T, b: Operand): T => binaryOp(greaterPrimitive)(a, b)
export const less = (a: T, b: Operand): T => binaryOp(lessPrimitive)(a, b)
export const equal = (a: T, b: Operand): T => binaryOp(equalPrimitive)(a, b)
export const neg = (x: T): T => tensorOf(negPrimitive, [x], {})
export const exp = (x: T): T => tensorOf(expPrimitive, [x], {})
export const log = (x: T): T => tensorOf(logPrimitive, [x], {})
export const sqrt = (x: T): T => tensorOf(sqrtPrimitive, [x], {})
export const abs = (x: T): T => tensorOf(absPrimitive, [x], {})
export const tanh = (x: T): T => tensorOf(tanhPrimitive, [x], {})
export const erf = (x: T): T => tensorOf(erfPrimitive, [x], {})
/** `a` where `c` is true, else `b`; a number takes the other operand's dtype (float32 for two numbers). */
export const where = (c: T, a: Operand, b: Operand): T => {
  const like = typeof a !== 'number' ? a.dtype : typeof b !== 'number' ? b.dtype : 'float32'
  return tensorOf(wherePrimitive, [c, operand(a, like), operand(b, like)], {})
}
export const cast = (x: T, dtype: DType): T => (x.dtype === dtype ? x : tensorOf(castPrimitive, [x], { dtype }))
const reduction = (primitive: PrimitiveDef<'sum' | 'mean' | 'max'>) => (x: T, axis?: number | readonly number[], keepDims = false): T =>
  tensorOf(primitive, [x], { axes: reducedAxes(primitive.name, x.shape, axis), keepDims })
export const sum = (x: T, axis?: number | readonly number[], keepDims = false): T => reduction(sumPrimitive)(x, axis, keepDims)
export const mean = (x: T, axis?: number | readonly number[], keepDims = false): T => reduction(meanPrimitive)(x, axis, keepDims)
export const max = (x: T, axis?: number | readonly number[], keepDims = false): T => reduction(maxPrimitive)(x, axis, keepDims)
export const logSoftmax = (x: T, axis: number): T => tensorOf(logSoftmaxPrimitive, [x], { axis: normalizeAxis('logSoftmax', axis, x.rank) })
export const reshape = (x: T, shape: readonly number[]): T => tensorOf(reshapePrimitive, [x], { shape })
export const permute = (x: T, dims: readonly number[]): T => tensorOf(permutePrimitive, [x], { dims })
export const broadcastTo = (x: T, shape: readonly number[]): T => tensorOf(broadcastToPrimitive, [x], { shape })
export const matmul = (a: T, b: T): T => tensorOf(matmulPrimitive, [a, b], {})
export const pad = (x: T, pads: readonly (readonly [number, number])[], value = 0): T => tensorOf(padPrimitive, [x], { pads, value })
export const slice = (x: T, start: readonly number[], end: readonly number[], step?: readonly number[]): T =>
  tensorOf(slicePrimitive, [x], step ? { start, end, step } : { start, end })
export const concat = (xs: readonly T[], axis: number): T => tensorOf(concatPrimitive, xs, { axis: normalizeAxis('concat', axis, xs[0]?.rank ?? 0) })
export const full = (shape: readonly number[], value: number, dtype: DType = 'float32'): T =>
  tensorOf(fillPrimitive, [], { shape, dtype, value })
/**
 * One-hot rows of int32 `labels`; `reportAs` names the op a label out of range is reported under (a loss names itself).
 * A label equal to `ignoreIndex` gives a zero row and is no fault: a loss's ignored positions cost no mask kernels.
 */
export const oneHot = (labels: T, classes: number, reportAs = 'oneHot', ignoreIndex?: number): T => {
  if (!(Number.isInteger(classes) && classes > 0)) fail(`${reportAs}: classes must be a positive integer, got ${classes}`)
  if (labels.dtype !== 'int32') fail(`${reportAs}: labels must be int32, got ${labels.dtype}`)
  if (ignoreIndex !== undefined && !Number.isInteger(ignoreIndex)) fail(`${reportAs}: ignoreIndex must be an integer, got ${ignoreIndex}`)
  return tensorOf(oneHotPrimitive, [labels], ignoreIndex === undefined ? { classes, reportAs } : { classes, reportAs, ignoreIndex })
}

/** Undoing broadcasting in gradients: sums a cotangent back down to an operand's shape. */
export const sumTo = (g: T, shape: readonly number[]): T => {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g
  const lead = g.shape.length - shape.length
  const axes = g.shape.map((_, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1))
  return reshape(axes.length ? sum(g, axes, true) : g, shape)
}

// ------------------------------------------------------------ definitions

// Movement primitives as views of their input (see ViewRule): fused into their readers' loads.
const permuteView = indexView(permuteIndex)
const sliceView = indexView(sliceIndex)
const broadcastToView = indexView(broadcastToIndex)

type BinaryOp = keyof typeof binaryExprs
const binaryPrimitive = <P extends BinaryOp>(name: P, vjp: PrimitiveDef<P>['vjp']) => {
  const comparison = name === 'greater' || name === 'less' || name === 'equal'
  return definePrimitive(name, {
    shape: broadcast(name, comparison ? 'bool' : undefined),
    vjp,
    lower: binaryLowering(binaryExprs[name]),
    // Comparisons give bool: they do not fuse into a float epilogue.
    ...(comparison ? {} : { elementwise: binaryElementwise<P>(binaryExprs[name]) }),
  })
}
// Ties split the gradient evenly, as PyTorch does.
const tieSplit = (a: T, b: T, dy: T) => where(equal(a, b), mul(dy, 0.5), 0)

export const addPrimitive = binaryPrimitive('add', ({ inputs: [a, b], dy }) => [sumTo(dy, a.shape), sumTo(dy, b.shape)])
export const subPrimitive = binaryPrimitive('sub', ({ inputs: [a, b], dy }) => [sumTo(dy, a.shape), sumTo(neg(dy), b.shape)])
export const mulPrimitive = binaryPrimitive('mul', ({ inputs: [a, b], dy }) => [sumTo(mul(dy, b), a.shape), sumTo(mul(dy, a), b.shape)])
export const divPrimitive = binaryPrimitive('div', ({ inputs: [a, b], dy }) => [
  sumTo(div(dy, b), a.shape),
  sumTo(neg(div(mul(dy, a), mul(b, b))), b.shape),
])
export const maximumPrimitive = binaryPrimitive('maximum', ({ inputs: [a, b], dy }) => [
  sumTo(where(greater(a, b), dy, tieSplit(a, b, dy)), a.shape),
  sumTo(where(less(a, b), dy, tieSplit(a, b, dy)), b.shape),
])
export const minimumPrimitive = binaryPrimitive('minimum', ({ inputs: [a, b], dy }) => [
  sumTo(where(less(a, b), dy, tieSplit(a, b, dy)), a.shape),
  sumTo(where(greater(a, b), dy, tieSplit(a, b, dy)), b.shape),
])
export const powPrimitive = binaryPrimitive('pow', ({ inputs: [a, b], output: y, dy }) => [
  sumTo(mul(dy, mul(b, div(y, a))), a.shape),
  sumTo(mul(dy, mul(y, log(a))), b.shape),
])
export const greaterPrimitive = binaryPrimitive('greater', noGradient)
export const lessPrimitive = binaryPrimitive('less', noGradient)
export const equalPrimitive = binaryPrimitive('equal', noGradient)

type UnaryMath = 'exp' | 'log' | 'sqrt' | 'abs' | 'neg' | 'tanh' | 'erf'
const unaryPrimitive = <P extends UnaryMath>(name: P, vjp: PrimitiveDef<P>['vjp']) =>
  definePrimitive(name, { shape: sameShape, vjp, lower: unaryLowering<P>(unaryBodies[name]), elementwise: unaryElementwise<P>(unaryBodies[name]) })

export const expPrimitive = unaryPrimitive('exp', ({ output: y, dy }) => [mul(dy, y)])
export const logPrimitive = unaryPrimitive('log', ({ inputs: [x], dy }) => [div(dy, x)])
export const sqrtPrimitive = unaryPrimitive('sqrt', ({ output: y, dy }) => [div(dy, mul(y, 2))])
export const absPrimitive = unaryPrimitive('abs', ({ inputs: [x], dy }) => [where(greater(x, 0), dy, where(less(x, 0), neg(dy), 0))])
export const negPrimitive = unaryPrimitive('neg', ({ dy }) => [neg(dy)])
export const tanhPrimitive = unaryPrimitive('tanh', ({ output: y, dy }) => [mul(dy, add(neg(mul(y, y)), 1))])
export const erfPrimitive = unaryPrimitive('erf', ({ inputs: [x], dy }) => [mul(dy, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))])

export const wherePrimitive = definePrimitive('where', {
  shape: ([c, a, b]) => {
    sameDType('where', a.dtype, b.dtype)
    return { shape: broadcastShapes('where', broadcastShapes('where', c.shape, a.shape), b.shape), dtype: a.dtype }
  },
  vjp: ({ inputs: [c, a, b], dy }) => [null, sumTo(where(c, dy, 0), a.shape), sumTo(where(c, 0, dy), b.shape)],
  lower: lowerWhere,
})

// A cast node always changes the dtype (a cast to the same dtype returns its input), so one side is
// int32 or bool: no gradient flows through it, as PyTorch detaches integer tensors.
export const castPrimitive = definePrimitive('cast', { shape: ([x], { dtype }) => ({ shape: x.shape, dtype }), vjp: noGradient, lower: lowerCast })

export const fillPrimitive = definePrimitive('fill', { shape: (_, { shape, dtype }) => ({ shape, dtype }), vjp: noGradient, lower: lowerFill })

// ------------------------------------------------------------ reductions

/** dy reshaped so that it broadcasts back over the reduced axes of x. */
const spread = (x: T, dy: T, axes: readonly number[]) => broadcastTo(reshape(dy, x.shape.map((d, i) => (axes.includes(i) ? 1 : d))), x.shape)
const count = (x: T, axes: readonly number[]) => axes.reduce((n, a) => n * x.shape[a], 1)

export const sumPrimitive = definePrimitive('sum', {
  shape: reduced(),
  vjp: ({ params, inputs: [x], dy }) => [spread(x, dy, params.axes)],
  lower: lowerReduce('sum'),
})
export const meanPrimitive = definePrimitive('mean', {
  shape: reduced(),
  vjp: ({ params, inputs: [x], dy }) => [div(spread(x, dy, params.axes), count(x, params.axes))],
  lower: lowerReduce('mean'),
})
// Ties share the gradient evenly, as PyTorch's amax does.
export const maxPrimitive = definePrimitive('max', {
  shape: reduced(),
  vjp: ({ params: { axes }, inputs: [x], output: y, dy }) => {
    const isMax = equal(x, spread(x, y, axes))
    const ties = sum(where(isMax, 1, 0), axes, true)
    return [where(isMax, div(spread(x, dy, axes), broadcastTo(ties, x.shape)), 0)]
  },
  lower: lowerReduce('max'),
})
export const argmaxPrimitive = definePrimitive('argmax', { shape: reduced('int32'), vjp: noGradient, lower: lowerReduce('argmax') })
export const softmaxPrimitive = definePrimitive('softmax', {
  shape: sameShape,
  vjp: ({ params: { axis }, output: y, dy }) => [mul(y, sub(dy, sum(mul(dy, y), axis, true)))],
  lower: lowerSoftmax(false),
})
export const logSoftmaxPrimitive = definePrimitive('logSoftmax', {
  shape: sameShape,
  vjp: ({ params: { axis }, output: y, dy }) => [add(dy, neg(mul(exp(y), sum(dy, axis, true))))],
  lower: lowerSoftmax(true),
})

// ------------------------------------------------------------ layout

/** Scatters dy back into zeros of x's shape along one sliced dim with a step (zeros interleaved). */
const unstride = (dy: T, dim: number, step: number): T => {
  if (step === 1) return dy
  const n = dy.shape[dim]
  const expanded = reshape(dy, [...dy.shape.slice(0, dim + 1), 1, ...dy.shape.slice(dim + 1)])
  const gaps = full([...dy.shape.slice(0, dim + 1), step - 1, ...dy.shape.slice(dim + 1)], 0)
  const interleaved = reshape(concat([expanded, gaps], dim + 1), [...dy.shape.slice(0, dim), n * step, ...dy.shape.slice(dim + 1)])
  // Keep up to the last picked element: (n − 1)·step + 1 entries.
  return slice(interleaved, dy.shape.map(() => 0), dy.shape.map((d, i) => (i === dim ? (n - 1) * step + 1 : d)))
}

export const reshapePrimitive = definePrimitive('reshape', {
  shape: ([x], { shape }) => ({ shape: reshapeShape(x.shape, shape), dtype: x.dtype }),
  vjp: ({ inputs: [x], dy }) => [reshape(dy, x.shape)],
  lower: lowerReshape,
})
export const permutePrimitive = definePrimitive('permute', {
  shape: ([x], { dims }) => ({ shape: dims.map((d) => x.shape[d]), dtype: x.dtype }),
  vjp: ({ params: { dims }, dy }) => [permute(dy, dims.map((_, i) => dims.indexOf(i)))],
  lower: viewLowering(permuteView),
  view: permuteView,
})
export const concatPrimitive = definePrimitive('concat', {
  shape: (inputs, { axis }) => {
    for (const n of inputs.slice(1)) sameDType('concat', inputs[0].dtype, n.dtype)
    return { shape: concatShape(inputs.map((n) => n.shape), axis), dtype: inputs[0].dtype }
  },
  vjp: ({ params: { axis }, inputs, dy }) => {
    let offset = 0
    return inputs.map((x) => {
      const start = dy.shape.map((_, i) => (i === axis ? offset : 0))
      const end = dy.shape.map((d, i) => (i === axis ? offset + x.shape[axis] : d))
      offset += x.shape[axis]
      return slice(dy, start, end)
    })
  },
  lower: lowerConcat,
})
export const padPrimitive = definePrimitive('pad', {
  shape: ([x], { pads }) => ({ shape: padShape(x.shape, pads), dtype: x.dtype }),
  vjp: ({ params: { pads }, inputs: [x], dy }) => [slice(dy, x.shape.map((_, i) => pads[i]?.[0] ?? 0), x.shape.map((d, i) => (pads[i]?.[0] ?? 0) + d))],
  lower: lowerPad,
  view: padView,
})
export const slicePrimitive = definePrimitive('slice', {
  shape: ([x], spec) => ({ shape: sliceShape(x.shape, spec), dtype: x.dtype }),
  vjp: ({ params: { start, end, step }, inputs: [x], dy }) => {
    let g = dy
    const pads = x.shape.map((d, i): [number, number] => {
      const r = sliceRange(d, start[i], end[i], step?.[i])
      if (r.size === 0) return [0, d]
      g = unstride(g, i, r.step)
      const covered = (r.size - 1) * r.step + 1
      return [r.start, d - r.start - covered]
    })
    return [pad(g, pads)]
  },
  lower: viewLowering(sliceView),
  view: sliceView,
})
export const broadcastToPrimitive = definePrimitive('broadcastTo', {
  shape: ([x], { shape }) => {
    const out = broadcastShapes('broadcastTo', x.shape, shape)
    if (shapeText(out) !== shapeText(shape)) fail(`broadcastTo: ${shapeText(x.shape)} cannot be broadcast to ${shapeText(shape)}`)
    return { shape, dtype: x.dtype }
  },
  vjp: ({ inputs: [x], dy }) => [sumTo(dy, x.shape)],
  lower: viewLowering(broadcastToView),
  view: broadcastToView,
})

// ------------------------------------------------------------ matmul and one-hot

/** Swaps the last two dims. */
export const transposeLast = (x: T): T => {
  const dims = x.shape.map((_, i) => i)
  ;[dims[dims.length - 2], dims[dims.length - 1]] = [dims[dims.length - 1], dims[dims.length - 2]]
  return permute(x, dims)
}

export const matmulPrimitive = definePrimitive('matmul', {
  shape: ([a, b]) => ({ shape: matmulShape(a.shape, b.shape), dtype: 'float32' }),
  vjp: ({ inputs: [a, b], dy }) => {
    // 1-D operands are matrices with a unit dim, as in the forward rule.
    const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a
    const b2 = b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b
    const m = a2.shape[a2.rank - 2]
    const n = b2.shape[b2.rank - 1]
    const dy2 = reshape(dy, [...dy.shape.slice(0, Math.max(0, dy.rank - (a.rank === 1 ? 0 : 1) - (b.rank === 1 ? 0 : 1))), m, n])
    const da = sumTo(matmul(dy2, transposeLast(b2)), a2.shape)
    const db = sumTo(matmul(transposeLast(a2), dy2), b2.shape)
    return [reshape(da, a.shape), reshape(db, b.shape)]
  },
  lower: lowerMatmulNode,
})

export const oneHotPrimitive = definePrimitive('oneHot', {
  shape: ([labels], { classes }) => ({ shape: [...labels.shape, classes], dtype: 'float32' }),
  vjp: noGradient,
  lower: lowerOneHot,
})
