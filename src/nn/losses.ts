/**
 * Losses, written with other ops (so their gradients come for free). Each
 * takes `reduction` like PyTorch: 'mean' (default), 'sum' or 'none'.
 */
import type { Shape, Differ, DType, Checked, IsTuple, ShapeError, ShapeText } from '../../types/index.ts'
import { fail, shapeText, ShapeError as ShapeErrorClass } from '../shape/errors.ts'
import { DTypeError } from '../shape/dtype.ts'
import { add, sub, mul, div, neg, exp, log, abs, maximum, logSoftmax, sum, mean, permute, oneHot } from '../core/ops.ts'
import type { Tensor } from '../tensor.ts'
import type { AnyTensor } from '../tree.ts'

export type Reduction = 'mean' | 'sum' | 'none'
export interface LossOptions<R extends Reduction = 'mean'> {
  readonly reduction?: R
}

/** The loss's shape: a scalar, or one value per position [N, d1, …] with reduction 'none'. */
type Reduced<L extends Shape, R extends Reduction> = R extends 'none' ? L : []

/** Equal ranks and no pair of known dims that differ (an unknown-rank shape is left to the run-time twin). */
type SameDims<A extends Shape, B extends Shape> = IsTuple<B> extends false
  ? true
  : A extends readonly [infer a extends number, ...infer ar extends Shape]
    ? B extends readonly [infer b extends number, ...infer br extends Shape]
      ? Differ<a, b> extends true ? false : SameDims<ar, br>
      : false
    : B extends readonly [] ? true : false

const labelsNotIndices = <Op extends string, D extends string, Got extends string>(op: Op, dtype: D, got: Got) =>
  `${op}: labels must be int32 class indices, got ${dtype} ${got}` as const
/** "crossEntropy: labels must be int32 class indices, got float32 [4, 10]" */
type labelsNotIndices<Op extends string, D extends string, Got extends string> = ReturnType<typeof labelsNotIndices<Op, D, Got>>

const labelsPerPosition = <Op extends string, Input extends string, Labels extends string, Got extends string>(op: Op, input: Input, labels: Labels, got: Got) =>
  `${op}: input ${input} needs labels ${labels}, got ${got}` as const
/** "nllLoss: input [4, 10] needs labels [4], got [5]" */
type labelsPerPosition<Op extends string, Input extends string, Labels extends string, Got extends string> = ReturnType<typeof labelsPerPosition<Op, Input, Labels, Got>>

const targetMismatch = <Op extends string, Labels extends string, Input extends string, D extends string, Got extends string>(op: Op, labels: Labels, input: Input, dtype: D, got: Got) =>
  `${op}: target must be int32 class indices ${labels} or float32 probabilities ${input}, got ${dtype} ${got}` as const
/** "crossEntropy: target must be int32 class indices [4] or float32 probabilities [4, 10], got float32 [4, 3]" */
type targetMismatch<Op extends string, Labels extends string, Input extends string, D extends string, Got extends string> =
  ReturnType<typeof targetMismatch<Op, Labels, Input, D, Got>>

/**
 * The target of a class loss on input [N, C, d1, …]: int32 class indices [N, d1, …], or for
 * crossEntropy (Soft) float32 class probabilities shaped like the input. The texts are the
 * run-time twins' (checkTarget).
 */
type TargetRule<Op extends string, N extends number, C extends number, D extends Shape, LS extends Shape, LD extends DType, Soft extends boolean> = [LD] extends ['int32']
  ? SameDims<[N, ...D], LS> extends true ? true : ShapeError<LabelMismatch<Op, [N, C, ...D], [N, ...D], LS>>
  : DType extends LD
    ? true
    : Soft extends true
      ? [LD] extends ['float32']
        ? SameDims<[N, C, ...D], LS> extends true ? true : ShapeError<targetMismatch<Op, ShapeText<[N, ...D]>, ShapeText<[N, C, ...D]>, LD, ShapeText<LS>>>
        : ShapeError<targetMismatch<Op, ShapeText<[N, ...D]>, ShapeText<[N, C, ...D]>, LD, ShapeText<LS>>>
      : ShapeError<labelsNotIndices<Op, LD, ShapeText<LS>>>
type LabelMismatch<Op extends string, X extends Shape, L extends Shape, LS extends Shape> = labelsPerPosition<Op, ShapeText<X>, ShapeText<L>, ShapeText<LS>>

const reduce = (t: AnyTensor, reduction: Reduction): AnyTensor => (reduction === 'none' ? t : reduction === 'sum' ? sum(t) : mean(t))

/**
 * Host labels are checked up front: an out-of-range class would silently read garbage. Labels
 * equal to ignoreIndex are skipped (they select nothing, by design).
 */
const checkLabels = (op: string, labels: AnyTensor, classes: number, ignoreIndex: number) => {
  const data = labels.node.data
  if (!data) return
  const bad = Array.prototype.findIndex.call(data, (v: number) => v !== ignoreIndex && (v < 0 || v >= classes || !Number.isInteger(v)))
  if (bad >= 0) fail(`${op}: label ${data[bad]} at index ${bad} is outside 0..${classes - 1}`)
}

/**
 * The input's layout, then the target: int32 labels [N, d1, …] (float rows are refused by name), or
 * for crossEntropy float32 probabilities shaped like the input. True for probabilities.
 */
const checkTarget = (op: string, input: AnyTensor, target: AnyTensor, soft: boolean): boolean => {
  if (input.rank < 2) fail(`${op}: expects input [N, C] or [N, C, d1, …], got ${shapeText(input.shape)}`)
  const [n, , ...spatial] = input.shape
  const labelShape = [n, ...spatial]
  if (target.dtype === 'int32') {
    if (shapeText(target.shape) !== shapeText(labelShape))
      fail(labelsPerPosition(op, shapeText(input.shape), shapeText(labelShape), shapeText(target.shape)))
    return false
  }
  if (!soft) throw new DTypeError(labelsNotIndices(op, target.dtype, shapeText(target.shape)))
  if (target.dtype === 'float32' && shapeText(target.shape) === shapeText(input.shape)) return true
  const message = targetMismatch(op, shapeText(labelShape), shapeText(input.shape), target.dtype, shapeText(target.shape))
  throw target.dtype === 'float32' ? new ShapeErrorClass(message) : new DTypeError(message)
}

/** Options of the class losses; `C` is the number of classes, which `weight` must match. */
export interface ClassLossOptions<R extends Reduction, C extends number = number> extends LossOptions<R> {
  /** One weight per class (PyTorch's `weight`): each position's loss is scaled by its class's weight, and the mean divides by the sum of those weights. */
  readonly weight?: Tensor<[C]>
  /** Labels equal to it contribute nothing and are left out of the mean (PyTorch's `ignore_index`, default −100). */
  readonly ignoreIndex?: number
}

export interface CrossEntropyOptions<R extends Reduction, C extends number = number> extends ClassLossOptions<R, C> {
  /** Mixes the target with the uniform distribution (PyTorch's label_smoothing). */
  readonly labelSmoothing?: number
}

type ClassLossSettings = { readonly weight?: AnyTensor; readonly ignoreIndex: number; readonly smoothing: number; readonly reduction: Reduction }

const checkSettings = (op: string, input: AnyTensor, options: CrossEntropyOptions<Reduction>): ClassLossSettings => {
  const { weight, ignoreIndex = -100, labelSmoothing: smoothing = 0, reduction = 'mean' } = options
  if (!(smoothing >= 0 && smoothing <= 1)) fail(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`)
  if (!Number.isInteger(ignoreIndex)) fail(`${op}: ignoreIndex must be an integer, got ${ignoreIndex}`)
  if (weight !== undefined) {
    const w = weight as AnyTensor
    if (w.dtype !== 'float32') throw new DTypeError(`${op}: weight must be float32, got ${w.dtype} ${shapeText(w.shape)}`)
    if (input.rank >= 2 && shapeText(w.shape) !== shapeText([input.shape[1]]))
      fail(`${op}: input ${shapeText(input.shape)} needs weight [${input.shape[1]}] (one per class), got ${shapeText(w.shape)}`)
  }
  return { weight: weight as AnyTensor | undefined, ignoreIndex, smoothing, reduction }
}

/**
 * The loss −Σ_c w_c · t_c · scores_c per position, for scores [N, C, d1, …] (log-probabilities)
 * and a target t: the one-hot rows of int32 labels (zero rows where a label equals ignoreIndex)
 * or given probabilities, smoothed toward the uniform distribution when asked. The mean divides
 * by Σ w_label over the labels that count (PyTorch's weighted mean; N·d1·… for probabilities).
 * Inputs are checked before any op runs.
 */
const classLoss = (op: string, input: AnyTensor, target: AnyTensor, scores: (x: AnyTensor) => AnyTensor, soft: boolean, options: CrossEntropyOptions<Reduction>) => {
  const isSoft = checkTarget(op, input, target, soft)
  const { weight, ignoreIndex, smoothing, reduction } = checkSettings(op, input, options)
  const classes = input.shape[1]
  // Classes last ([N, d1, …, C]), so the weights broadcast and the sum over classes is the last axis.
  const classesLast = (t: AnyTensor) => (t.rank === 2 ? t : permute(t, [0, ...t.shape.slice(2).map((_, i) => i + 2), 1]))
  let probabilities: AnyTensor
  let counted: AnyTensor | undefined // per position: 1 where the label counts, [N, d1, …, 1]
  if (isSoft) {
    probabilities = classesLast(target)
  } else {
    checkLabels(op, target, classes, ignoreIndex)
    // oneHot gives ignored labels a zero row (and reports any other label out of range), so the
    // default path needs no mask kernels; a row's sum says whether its label counts.
    probabilities = oneHot(target, classes, op, ignoreIndex)
    if (smoothing !== 0) counted = sum(probabilities, -1, true)
  }
  const smoothed = smoothing === 0 ? probabilities : add(mul(probabilities, 1 - smoothing), counted ? mul(counted, smoothing / classes) : smoothing / classes)
  const weighted = weight ? mul(smoothed, weight) : smoothed
  const perPosition = neg(sum(mul(weighted, classesLast(scores(input))), -1))
  if (reduction !== 'mean' || isSoft) return reduce(perPosition, reduction)
  // The labels that count, each weighted by its class: the one-hot rows summed (after the weights).
  const total = sum(weight ? mul(probabilities, weight) : probabilities)
  return div(sum(perPosition), total)
}

/**
 * Cross-entropy of logits [N, C] or [N, C, d1, …] (PyTorch's F.cross_entropy): against int32 class
 * labels [N, d1, …], or against class probabilities shaped like the logits. Options as PyTorch:
 * `weight` per class, `ignoreIndex` (−100), `labelSmoothing`, `reduction`.
 *
 * @example
 * import { randn, tensor } from 'shapewise'
 * import { crossEntropy } from 'shapewise/nn'
 * const loss = crossEntropy(randn([4, 3]), tensor([0, 2, -100, 1], 'int32'), { weight: tensor([1, 2, 0.5]) }) // Tensor<[]>: the third row is ignored
 * const perPixel = crossEntropy(randn([2, 5, 8, 8]), randn([2, 5, 8, 8]), { reduction: 'none' }) // Tensor<[2, 8, 8]>, probability targets
 */
export function crossEntropy<N extends number, C extends number, D extends Shape, LS extends Shape, LD extends DType, const R extends Reduction = 'mean'>(
  logits: Tensor<[N, C, ...D]>,
  target: Checked<Tensor<LS, LD>, TargetRule<'crossEntropy', N, C, D, LS, LD, true>>,
  options: CrossEntropyOptions<R, NoInfer<C>> = {},
): Tensor<Reduced<[N, ...D], R>> {
  const logProbs = (x: AnyTensor) => logSoftmax(x, 1)
  return classLoss('crossEntropy', logits as AnyTensor, target as unknown as AnyTensor, logProbs, true, options) as never
}

/**
 * Negative log-likelihood of log-probabilities [N, C] or [N, C, d1, …] at int32 labels [N, d1, …]
 * (PyTorch's F.nll_loss), with `weight` per class and `ignoreIndex` (−100).
 *
 * @example
 * import { logSoftmax, randn, tensor } from 'shapewise'
 * import { nllLoss } from 'shapewise/nn'
 * const loss = nllLoss(logSoftmax({ axis: 1 })(randn([3, 4])), tensor([3, 0, 1], 'int32'), { ignoreIndex: 0 }) // Tensor<[]>, the mean over rows 1 and 3
 */
export function nllLoss<N extends number, C extends number, D extends Shape, LS extends Shape, LD extends DType, const R extends Reduction = 'mean'>(
  logProbs: Tensor<[N, C, ...D]>,
  labels: Checked<Tensor<LS, LD>, TargetRule<'nllLoss', N, C, D, LS, LD, false>>,
  options: ClassLossOptions<R, NoInfer<C>> = {},
): Tensor<Reduced<[N, ...D], R>> {
  return classLoss('nllLoss', logProbs as AnyTensor, labels as unknown as AnyTensor, (x) => x, false, options) as never
}

const checkSame = (op: string, a: AnyTensor, b: AnyTensor) => {
  if (shapeText(a.shape) !== shapeText(b.shape)) fail(`${op}: input ${shapeText(a.shape)} and target ${shapeText(b.shape)} differ`)
}

/**
 * Mean squared error (elementwise with reduction 'none').
 *
 * @example
 * import { tensor } from 'shapewise'
 * import { mseLoss } from 'shapewise/nn'
 * await mseLoss(tensor([1, 2]), tensor([1, 4])).data() // → [2]
 * await mseLoss(tensor([1, 2]), tensor([1, 4]), { reduction: 'none' }).data() // → [0, 4]
 */
export function mseLoss<S extends Shape, const R extends Reduction = 'mean'>(
  input: Tensor<S>,
  target: Tensor<S>,
  options: LossOptions<R> = {},
): Tensor<R extends 'none' ? S : []> {
  const [a, b] = [input as AnyTensor, target as AnyTensor]
  checkSame('mseLoss', a, b)
  const d = sub(a, b)
  return reduce(mul(d, d), options.reduction ?? 'mean') as never
}

/**
 * Binary cross-entropy of logits against targets in [0, 1], computed stably: max(x, 0) − x·t + log(1 + e^−|x|).
 *
 * @example
 * import { tensor } from 'shapewise'
 * import { binaryCrossEntropyWithLogits } from 'shapewise/nn'
 * await binaryCrossEntropyWithLogits(tensor([0]), tensor([1])).data() // → [0.6931]
 */
export function binaryCrossEntropyWithLogits<S extends Shape, const R extends Reduction = 'mean'>(
  logits: Tensor<S>,
  targets: Tensor<S>,
  options: LossOptions<R> = {},
): Tensor<R extends 'none' ? S : []> {
  const [x, t] = [logits as AnyTensor, targets as AnyTensor]
  checkSame('binaryCrossEntropyWithLogits', x, t)
  const perElement = add(sub(maximum(x, 0), mul(x, t)), log(add(exp(neg(abs(x))), 1)))
  return reduce(perElement, options.reduction ?? 'mean') as never
}


