/**
 * A Layer is a data-last op, ready for `pipe`: a generic function of a typed
 * tensor whose parameter type turns into the shape rule's error message when
 * the rule fails, and which carries its shape function for `sequential`.
 */
import type {
  Shape, Input, ShapeFn, ApplyLayer, Checked, Output, SequentialShape, SameShape, ResidualShape, ConcatBranchesShape, SkipShape, SkipMerge,
} from '../types/index.ts'
import { bind } from './core/bind.ts'
import { addPrimitive, concatPrimitive } from './core/ops.ts'
import { ShapeError } from './shape/errors.ts'
import { broadcastShapes, concatShape } from './shape/layout.ts'
import { layerDoesNotFit, mainDoesNotFit, shortcutDoesNotFit, branchDoesNotFit, innerDoesNotFit, inBlock } from './shape/layer.ts'
import { wrap } from './tensor.ts'
import type { DType } from './graph.ts'
import type { Tensor } from './tensor.ts'

/** OutD: the output's dtype, or 'same' for the input's (argmax gives int32, comparisons bool). */
export interface Layer<F extends ShapeFn, OutD extends DType | 'same' = 'same'> {
  <S extends Shape, D extends DType = 'float32'>(x: Checked<Tensor<S, D>, ApplyLayer<F, S, D>>): Tensor<Output<ApplyLayer<F, S, D>>, OutD extends DType ? OutD : D>
  /** The op's name, for summaries and error messages. */
  readonly op: F['op']
  /** Phantom: the type-level shape function. */
  readonly shapeFn?: F
}

/**
 * Train or evaluate: the one flag that every layer which behaves differently
 * in training follows — dropout (drops only in training) and batch
 * normalisation (batch statistics in training, running ones to evaluate).
 * It has no default on purpose: the two used to default to opposite modes,
 * and a forgotten flag is now a compile error instead of a silent mistake.
 * Pass the same value to every such layer of a model, e.g. `{ ...mode }`.
 */
export interface Mode {
  readonly training: boolean
}

/** Throws unless the options say which mode (for callers the types do not reach). */
export const checkMode = (op: string, options: Partial<Mode> | undefined): void => {
  if (typeof options?.training !== 'boolean')
    throw new ShapeError(`${op}: options.training must be true (training step) or false (evaluation), got ${String(options?.training)}; dropout and batch norm follow the same flag`)
}

/** A layer that keeps its input's shape (relu, dropout, …). */
export type SameShapeLayer<Op extends string> = Layer<SameShape<Op>>

/**
 * Gives a plain tensor function the Layer type of shape function F.
 *
 * @example
 * import { layer, tensor, mul } from 'shapewise'
 * import type { SameShape } from 'shapewise/types'
 * // A layer is a tensor function with a shape rule in its type; `SameShape` keeps the shape.
 * const double = layer<SameShape<'double'>>('double', (x) => mul(x, 2))
 * await double(tensor([1, 2])).data() // → [2, 4]
 */
export const layer = <F extends ShapeFn, OutD extends DType | 'same' = 'same'>(
  op: F['op'],
  apply: (x: Tensor<Shape, DType>) => Tensor<Shape, DType>,
): Layer<F, OutD> => Object.assign((x: Tensor<Shape, DType>) => apply(x), { op }) as unknown as Layer<F, OutD>

type ShapeFnsOf<Ls extends readonly Layer<ShapeFn, DType | 'same'>[]> = { [I in keyof Ls]: Ls[I] extends Layer<infer F, DType | 'same'> ? F : never }

interface SequentialFn<Ls extends readonly Layer<ShapeFn>[]> extends ShapeFn {
  readonly op: 'sequential'
  readonly output: SequentialShape<Input<this>, ShapeFnsOf<Ls>>
}

/**
 * Composes layers left to right. The type folds their shape rules, and an
 * input that does not fit is rejected with the index and op of the first
 * layer that fails.
 *
 * @example
 * import { sequential, conv2d, relu, maxPool2d, flatten, randn, zeros } from 'shapewise'
 * const features = sequential(conv2d(randn([6, 1, 5, 5])), relu, maxPool2d({ kernelSize: 2 }), flatten)
 * features(zeros([4, 1, 28, 28])).shape // → [4, 864]
 */
export const sequential = <const Ls extends readonly Layer<ShapeFn>[]>(...layers: Ls): Layer<SequentialFn<Ls>> =>
  layer<SequentialFn<Ls>>('sequential', (x) =>
    layers.reduce<Tensor<Shape, DType>>((t, l, i) => applyWithin((message) => layerDoesNotFit(i, l.op, message), l, t), x),
  )

/** Applies a layer inside a block; a ShapeError's message is rewritten to say where the layer sits. */
const applyWithin = (where: (message: string) => string, l: Layer<ShapeFn>, x: Tensor<Shape, DType>): Tensor<Shape, DType> =>
  within(where, () => (l as unknown as (t: Tensor<Shape, DType>) => Tensor<Shape, DType>)(x))

/** Runs f; a ShapeError it throws is thrown again inside `where`, the message the type-level rule gives. */
const within = <T>(where: (message: string) => string, f: () => T): T => {
  try {
    return f()
  } catch (error) {
    if (error instanceof ShapeError) throw new ShapeError(where(error.message))
    throw error
  }
}

/**
 * A residual block: main(x) + shortcut(x) (the identity when no shortcut is
 * given), the two branches broadcast like `add`. Built from layers, it is
 * itself a layer, so deep networks compose from named blocks whose shapes
 * are computed where they are applied.
 *
 * @example
 * import { residual, sequential, conv2d, relu, randn, zeros } from 'shapewise'
 * const block = residual(sequential(conv2d(randn([8, 8, 3, 3]), { padding: 1 }), relu))
 * block(zeros([2, 8, 16, 16])).shape // → [2, 8, 16, 16]
 */
export const residual = <M extends ShapeFn, S extends ShapeFn | undefined = undefined>(
  main: Layer<M>,
  shortcut?: S extends ShapeFn ? Layer<S> : undefined,
): Layer<ResidualShape<M, S>> =>
  layer<ResidualShape<M, S>>('residual', (x) => {
    const m = applyWithin(mainDoesNotFit, main as Layer<ShapeFn>, x)
    const s = shortcut ? applyWithin(shortcutDoesNotFit, shortcut as Layer<ShapeFn>, x) : x
    broadcastShapes('residual', m.shape, s.shape)
    return wrap(bind(addPrimitive, [m.node, s.node], {}))
  })

/** The concatenation of tensors on the channels (dim 1), as `concat(ts, 1)` builds it; `op` names the block in messages. */
const concatChannels = (op: string, ts: readonly Tensor<Shape, DType>[]): Tensor<Shape, DType> => {
  within((message) => inBlock(op, message), () => concatShape(ts.map((t) => t.shape), 1))
  return wrap(bind(concatPrimitive, ts.map((t) => t.node), { axis: 1 }))
}

/**
 * Branches applied to the same input, their outputs concatenated on the channels (dim 1): the
 * block of an Inception network (PyTorch writes `torch.cat([b(x) for b in branches], 1)`).
 * A layer itself, so a block is a reusable value whose shapes are computed where it is applied,
 * generic batch included. A branch that does not fit is named by index and op.
 *
 * @example
 * import { concatBranches, sequential, conv2d, maxPool2d, relu, randn, type Tensor } from 'shapewise'
 * const block = concatBranches(
 *   conv2d(randn([64, 192, 1, 1])),
 *   sequential(conv2d(randn([96, 192, 1, 1])), relu, conv2d(randn([128, 96, 3, 3]), { padding: 1 })),
 *   sequential(maxPool2d({ kernelSize: 3, stride: 1, padding: 1 }), conv2d(randn([32, 192, 1, 1]))),
 * )
 * const y: Tensor<[8, 224, 28, 28]> = block(randn([8, 192, 28, 28]))
 * y.shape // → [8, 224, 28, 28]
 */
export const concatBranches = <const Ls extends readonly Layer<ShapeFn>[]>(...branches: Ls): Layer<ConcatBranchesShape<ShapeFnsOf<Ls>>> =>
  layer<ConcatBranchesShape<ShapeFnsOf<Ls>>>('concatBranches', (x) =>
    concatChannels(
      'concatBranches',
      branches.map((b, i) => applyWithin((message) => branchDoesNotFit(i, b.op, message), b, x)),
    ),
  )

/**
 * A skip connection around an inner block: `'concat'` gives [x, inner(x)] concatenated on the
 * channels (dim 1), the U-Net skip; `'add'` gives x + inner(x), broadcast like `add`. Nested
 * skips build a whole U-Net from reusable layer values.
 *
 * @example
 * import { skip, sequential, conv2d, convTranspose2d, maxPool2d, randn, type Tensor } from 'shapewise'
 * // Down by a max pool, a conv, back up by a transposed conv; the skip doubles the channels.
 * const level = skip(sequential(maxPool2d({ kernelSize: 2 }), conv2d(randn([32, 16, 3, 3]), { padding: 1 }), convTranspose2d(randn([32, 16, 2, 2]), { stride: 2 })), 'concat')
 * const y: Tensor<[4, 32, 64, 64]> = level(randn([4, 16, 64, 64]))
 * y.shape // → [4, 32, 64, 64]
 */
export const skip = <I extends ShapeFn, const M extends SkipMerge>(inner: Layer<I>, merge: M): Layer<SkipShape<I, M>> =>
  // A JavaScript caller can pass any string; refuse it here rather than add silently.
  checkMerge(merge) ??
  layer<SkipShape<I, M>>('skip', (x) => {
    const y = applyWithin(innerDoesNotFit, inner as Layer<ShapeFn>, x)
    if (merge === 'concat') return concatChannels('skip', [x, y])
    broadcastShapes('skip', x.shape, y.shape)
    return wrap(bind(addPrimitive, [x.node, y.node], {}))
  })

const checkMerge = (merge: string): undefined => {
  if (merge !== 'concat' && merge !== 'add') throw new TypeError(`skip: merge must be 'concat' or 'add', got ${JSON.stringify(merge)}`)
  return undefined
}
