/**
 * Shape rules of the blocks that compose layers (sequential, residual,
 * concatBranches, skip), at the type level; their run-time twins in
 * src/layer.ts run each layer's own rule and prefix its message with the same
 * texts, written once here.
 */
import type { Add, Gte } from '../../types/nat.ts'
import type { ShapeError, UnknownShape } from '../../types/errors.ts'
import type { Shape } from '../../types/shape.ts'
import type { ShapeFn, ApplyShape, Input } from '../../types/layer.ts'
import type { Broadcast, Concat } from './layout.ts'

// ------------------------------------------------------------ messages: where in a block a layer failed

export const layerDoesNotFit = <I extends string | number, Op extends string, Message extends string>(index: I, op: Op, message: Message) =>
  `sequential: layer ${index} (${op}) does not fit: ${message}` as const
/** "sequential: layer 2 (conv2d) does not fit: conv2d: input has 3 channels but weight expects 1" */
export type layerDoesNotFit<I extends string | number, Op extends string, Message extends string> = ReturnType<typeof layerDoesNotFit<I, Op, Message>>

export const mainDoesNotFit = <Message extends string>(message: Message) => `residual: main branch does not fit: ${message}` as const
export type mainDoesNotFit<Message extends string> = ReturnType<typeof mainDoesNotFit<Message>>

export const shortcutDoesNotFit = <Message extends string>(message: Message) => `residual: shortcut does not fit: ${message}` as const
export type shortcutDoesNotFit<Message extends string> = ReturnType<typeof shortcutDoesNotFit<Message>>

export const branchDoesNotFit = <I extends number, Op extends string, Message extends string>(index: I, op: Op, message: Message) =>
  `concatBranches: branch ${index} (${op}) does not fit: ${message}` as const
export type branchDoesNotFit<I extends number, Op extends string, Message extends string> = ReturnType<typeof branchDoesNotFit<I, Op, Message>>

export const innerDoesNotFit = <Message extends string>(message: Message) => `skip: inner block does not fit: ${message}` as const
export type innerDoesNotFit<Message extends string> = ReturnType<typeof innerDoesNotFit<Message>>

/** A block's own rule failed (the concatenation of its branches): "skip: concat: shapes … differ outside axis 1". */
export const inBlock = <Block extends string, Message extends string>(block: Block, message: Message) => `${block}: ${message}` as const
export type inBlock<Block extends string, Message extends string> = ReturnType<typeof inBlock<Block, Message>>

// ------------------------------------------------------------ rules

/**
 * Folds shape functions left to right; the first failure names its index and op.
 *
 * Linear in the number of layers: the loop walks an index over the tuple (`Fs[I]`) instead of
 * re-slicing it (`[F, ...Rest]` copies the rest at every step, quadratic in all), and the index
 * is a digit string stepped by its last digit (a few instantiations, where Add<I, 1> costs
 * ~200). TypeScript runs at most 1,000 tail calls in one loop, so the fold runs in chunks of
 * 256 layers, one loop per chunk, and any depth checks.
 */
export type SequentialShape<S extends Shape, Fs extends readonly ShapeFn[], From extends number = 0> =
  Add<From, SequentialChunk> extends infer Stop extends number
    ? SequentialRun<S, Fs, `${From}`, `${Stop}`> extends infer Out
      ? Out extends ShapeError<string>
        ? Out
        : Gte<Stop, Fs['length']> extends false
          ? SequentialShape<Out extends infer O extends Shape ? O : UnknownShape, Fs, Stop>
          : Out
      : never
    : never
type SequentialChunk = 256
/** The layers from I up to Stop (or the end) applied to S; I and Stop as digit strings. */
type SequentialRun<S extends Shape, Fs extends readonly ShapeFn[], I extends string, Stop extends string> = I extends `${Fs['length']}` | Stop
  ? S
  // F is bound by `infer` first: TypeScript 5.9 does not finish ApplyShape<Fs[I] & ShapeFn, S> (TS2589).
  : Fs[I & keyof Fs] extends infer F extends ShapeFn
    ? ApplyShape<F, S> extends infer Out
      ? Out extends ShapeError<infer Message>
        ? ShapeError<layerDoesNotFit<I, F['op'], Message>>
        : SequentialRun<Out extends infer O extends Shape ? O : UnknownShape, Fs, NextIndex<I>, Stop>
      : never
    : never
/** "41" → "42", "199" → "200": the next index, by its last digit (a carry recurses). */
// prettier-ignore
type NextIndex<I extends string> =
  I extends `${infer H}9` ? `${H extends '' ? '1' : NextIndex<H>}0`
  : I extends `${infer H}8` ? `${H}9` : I extends `${infer H}7` ? `${H}8` : I extends `${infer H}6` ? `${H}7`
  : I extends `${infer H}5` ? `${H}6` : I extends `${infer H}4` ? `${H}5` : I extends `${infer H}3` ? `${H}4`
  : I extends `${infer H}2` ? `${H}3` : I extends `${infer H}1` ? `${H}2` : I extends `${infer H}0` ? `${H}1` : never

/** The shape function of a residual block: main(x) + shortcut(x), broadcast like `add`. */
export interface ResidualShape<Main extends ShapeFn, Shortcut extends ShapeFn | undefined> extends ShapeFn {
  readonly op: 'residual'
  readonly output: ResidualOutput<ApplyShape<Main, Input<this>>, Shortcut extends ShapeFn ? ApplyShape<Shortcut, Input<this>> : Input<this>>
}
type ResidualOutput<M, S> = M extends ShapeError<infer Message>
  ? ShapeError<mainDoesNotFit<Message>>
  : S extends ShapeError<infer Message>
    ? ShapeError<shortcutDoesNotFit<Message>>
    : M extends infer MS extends Shape
      ? S extends infer SS extends Shape ? Broadcast<'residual', MS, SS> : never
      : never

/**
 * The shape function of branches applied to the same input and concatenated on the channels
 * (dim 1), as in an Inception block: each branch's failure names its index and op, then the
 * concatenation's own rule decides (the branches must agree outside dim 1).
 */
export interface ConcatBranchesShape<Fs extends readonly ShapeFn[]> extends ShapeFn {
  readonly op: 'concatBranches'
  readonly output: BranchOutputs<Input<this>, Fs> extends infer Outs
    ? Outs extends ShapeError<string>
      ? Outs
      : Concat<Outs extends infer Os extends readonly Shape[] ? Os : [], 1> extends infer Joined
        ? Joined extends ShapeError<infer Message> ? ShapeError<inBlock<'concatBranches', Message>> : Joined
        : never
    : never
}
/** Each branch applied to S, or the first branch's failure; branches are few, so this slices. */
type BranchOutputs<S extends Shape, Fs extends readonly ShapeFn[], Index extends unknown[] = [], Acc extends Shape[] = []> = Fs extends readonly [
  infer F extends ShapeFn,
  ...infer Rest extends readonly ShapeFn[],
]
  ? ApplyShape<F, S> extends infer Out
    ? Out extends ShapeError<infer Message>
      ? ShapeError<branchDoesNotFit<Index['length'], F['op'], Message>>
      : BranchOutputs<S, Rest, [...Index, F], [...Acc, Out extends infer O extends Shape ? O : UnknownShape]>
    : never
  : Acc

/** How a skip connection joins its input x with inner(x): concatenated on the channels, or added. */
export type SkipMerge = 'concat' | 'add'

/**
 * The shape function of a U-Net skip: [x, inner(x)] concatenated on the channels (dim 1), or
 * x + inner(x) broadcast like `add`.
 */
export interface SkipShape<Inner extends ShapeFn, Merge extends SkipMerge> extends ShapeFn {
  readonly op: 'skip'
  readonly output: SkipOutput<Input<this>, ApplyShape<Inner, Input<this>>, Merge>
}
type SkipOutput<S extends Shape, Out, Merge extends SkipMerge> = Out extends ShapeError<infer Message>
  ? ShapeError<innerDoesNotFit<Message>>
  : Out extends infer O extends Shape
    ? Merge extends 'add'
      ? Broadcast<'skip', S, O>
      : Concat<[S, O], 1> extends infer Joined
        ? Joined extends ShapeError<infer Message> ? ShapeError<inBlock<'skip', Message>> : Joined
        : never
    : never
