/**
 * Losses, written with other ops (so their gradients come for free). Each
 * takes `reduction` like PyTorch: 'mean' (default), 'sum' or 'none'.
 */
import type { Shape, Differ, DType, Checked, ShapeError, ShapeText } from '../../types/index.ts'
import { fail, shapeText } from '../shape/errors.ts'
import { DTypeError } from '../shape/dtype.ts'
import { add, sub, mul, neg, exp, log, abs, maximum, logSoftmax, sum, mean } from '../autodiff/untyped.ts'
import { oneHotNode } from '../ops/one-hot.ts'
import { wrap, type Tensor } from '../tensor.ts'
import type { AnyTensor } from '../tree.ts'

export type Reduction = 'mean' | 'sum' | 'none'
export interface LossOptions<R extends Reduction = 'mean'> {
  readonly reduction?: R
}

/** The loss's shape: a scalar, or one value per example with reduction 'none'. */
type Reduced<N extends number, R extends Reduction> = R extends 'none' ? [N] : []

/**
 * Labels for scores [N, C]: int32 class indices (not one-hot or float rows),
 * then one per row. The texts are the run-time twins' (checkLabels, checkBatch).
 */
type LabelRule<Op extends string, N extends number, C extends number, LS extends Shape, LD extends DType> = [LD] extends ['int32']
  ? LS extends readonly [infer M extends number]
    ? Differ<N, M> extends true ? BatchMismatch<Op, N, C, LS> : true
    : BatchMismatch<Op, N, C, LS>
  : DType extends LD
    ? true
    : ShapeError<`${Op}: labels must be int32 class indices, got ${LD} ${ShapeText<LS>}`>
type BatchMismatch<Op extends string, N extends number, C extends number, LS extends Shape> =
  ShapeError<`${Op}: input ${ShapeText<[N, C]>} needs labels [${N}], got ${ShapeText<LS>}`>

const reduce = (t: AnyTensor, reduction: Reduction): AnyTensor => (reduction === 'none' ? t : reduction === 'sum' ? sum(t) : mean(t))

/** Host labels are checked up front: an out-of-range class would silently read garbage. */
const checkLabels = (op: string, labels: AnyTensor, classes: number) => {
  const data = labels.node.data
  if (!data) return
  const bad = Array.prototype.findIndex.call(data, (v: number) => v < 0 || v >= classes || !Number.isInteger(v))
  if (bad >= 0) fail(`${op}: label ${data[bad]} at index ${bad} is outside 0..${classes - 1}`)
}

/** The input's layout, then the labels' dtype (one-hot or float rows are refused by name), then one label per row. */
const checkBatch = (op: string, input: AnyTensor, labels: AnyTensor) => {
  if (input.rank !== 2) fail(`${op}: expects input [N, C], got ${shapeText(input.shape)}`)
  if (labels.dtype !== 'int32') throw new DTypeError(`${op}: labels must be int32 class indices, got ${labels.dtype} ${shapeText(labels.shape)}`)
  if (labels.rank !== 1 || labels.shape[0] !== input.shape[0])
    fail(`${op}: input ${shapeText(input.shape)} needs labels [${input.shape[0]}], got ${shapeText(labels.shape)}`)
}

export interface CrossEntropyOptions<R extends Reduction> extends LossOptions<R> {
  /** Mixes the one-hot target with the uniform distribution (PyTorch's label_smoothing). */
  readonly labelSmoothing?: number
}

/**
 * −Σ target · scores per example, for scores [N, C] (log-probabilities) and
 * int32 labels [N]; the target is the labels' one-hot rows, smoothed toward
 * the uniform distribution when asked. Inputs are checked before any op runs.
 */
const labelLoss = (op: string, input: AnyTensor, labels: AnyTensor, scores: (x: AnyTensor) => AnyTensor, smoothing: number, reduction: Reduction) => {
  checkBatch(op, input, labels)
  const classes = input.shape[1]
  checkLabels(op, labels, classes)
  const hot = wrap(oneHotNode(op, labels, classes))
  const target = smoothing === 0 ? hot : add(mul(hot, 1 - smoothing), smoothing / classes)
  return reduce(neg(sum(mul(target, scores(input)), 1)), reduction)
}

/**
 * Cross-entropy of logits [N, C] against int32 class labels [N] (PyTorch's F.cross_entropy).
 *
 * @example
 * import { tensor } from 'shapewise'
 * import { crossEntropy } from 'shapewise/nn'
 * const logits = tensor([[0, 0], [0, 0]])
 * await crossEntropy(logits, tensor([0, 1], 'int32')).data() // → [0.6931]
 * crossEntropy(logits, tensor([0, 1], 'int32'), { reduction: 'none' }).shape // → [2]
 */
export function crossEntropy<N extends number, C extends number, LS extends Shape, LD extends DType, const R extends Reduction = 'mean'>(
  logits: Tensor<[N, C]>,
  labels: Checked<Tensor<LS, LD>, LabelRule<'crossEntropy', N, C, LS, LD>>,
  options: CrossEntropyOptions<R> = {},
): Tensor<Reduced<N, R>> {
  const smoothing = options.labelSmoothing ?? 0
  if (!(smoothing >= 0 && smoothing <= 1)) fail(`crossEntropy: labelSmoothing must be in [0, 1], got ${smoothing}`)
  const logProbs = (x: AnyTensor) => logSoftmax(x, 1)
  return labelLoss('crossEntropy', logits as AnyTensor, labels as unknown as AnyTensor, logProbs, smoothing, options.reduction ?? 'mean') as never
}

/**
 * Negative log-likelihood of log-probabilities [N, C] at int32 labels [N].
 *
 * @example
 * import { tensor } from 'shapewise'
 * import { nllLoss } from 'shapewise/nn'
 * await nllLoss(tensor([[-1, -2], [-3, -0.5]]), tensor([0, 1], 'int32')).data() // → [0.75]
 */
export function nllLoss<N extends number, C extends number, LS extends Shape, LD extends DType, const R extends Reduction = 'mean'>(
  logProbs: Tensor<[N, C]>,
  labels: Checked<Tensor<LS, LD>, LabelRule<'nllLoss', N, C, LS, LD>>,
  options: LossOptions<R> = {},
): Tensor<Reduced<N, R>> {
  return labelLoss('nllLoss', logProbs as AnyTensor, labels as unknown as AnyTensor, (x) => x, 0, options.reduction ?? 'mean') as never
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


