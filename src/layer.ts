/**
 * A Layer is a data-last op, ready for `pipe`: a generic function of a typed
 * tensor whose parameter type turns into the shape rule's error message when
 * the rule fails, and which carries its shape function for `sequential`.
 */
import type { Shape, Input, ShapeFn, ApplyShape, Checked, Output, SequentialShape, SameShape, ResidualShape } from '../types/index.ts'
import { makeNode } from './graph.ts'
import { ShapeError } from './shape/errors.ts'
import { broadcastShapes } from './shape/layout.ts'
import { wrap } from './tensor.ts'
import type { DType } from './graph.ts'
import type { Tensor } from './tensor.ts'

/** OutD: the output's dtype, or 'same' for the input's (argmax gives int32, comparisons bool). */
export interface Layer<F extends ShapeFn, OutD extends DType | 'same' = 'same'> {
  <S extends Shape, D extends DType = 'float32'>(x: Checked<Tensor<S, D>, ApplyShape<F, S>>): Tensor<Output<ApplyShape<F, S>>, OutD extends DType ? OutD : D>
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

/** Gives a plain tensor function the Layer type of shape function F. */
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
 */
export const sequential = <const Ls extends readonly Layer<ShapeFn>[]>(...layers: Ls): Layer<SequentialFn<Ls>> =>
  layer<SequentialFn<Ls>>('sequential', (x) =>
    layers.reduce<Tensor<Shape, DType>>((t, l, i) => {
      try {
        return asFunction(l)(t)
      } catch (error) {
        if (error instanceof ShapeError) throw new ShapeError(`sequential: layer ${i} (${l.op}) does not fit: ${error.message}`)
        throw error
      }
    }, x),
  )

const asFunction = (l: Layer<ShapeFn>) => l as unknown as (t: Tensor<Shape, DType>) => Tensor<Shape, DType>

/**
 * A residual block: main(x) + shortcut(x) (the identity when no shortcut is
 * given), the two branches broadcast like `add`. Built from layers, it is
 * itself a layer, so deep networks compose from named blocks whose shapes
 * are computed where they are applied.
 */
export const residual = <M extends ShapeFn, S extends ShapeFn | undefined = undefined>(
  main: Layer<M>,
  shortcut?: S extends ShapeFn ? Layer<S> : undefined,
): Layer<ResidualShape<M, S>> =>
  layer<ResidualShape<M, S>>('residual', (x) => {
    const branch = (name: string, l: Layer<ShapeFn>) => {
      try {
        return asFunction(l)(x)
      } catch (error) {
        if (error instanceof ShapeError) throw new ShapeError(`residual: ${name} does not fit: ${error.message}`)
        throw error
      }
    }
    const m = branch('main branch', main as Layer<ShapeFn>)
    const s = shortcut ? branch('shortcut', shortcut as Layer<ShapeFn>) : x
    return wrap(makeNode('add', [m.node, s.node], {}, broadcastShapes('residual', m.shape, s.shape), m.dtype))
  })
