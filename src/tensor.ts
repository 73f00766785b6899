/**
 * Tensor<S, D>: a handle on a lazy graph node whose shape S is known to the
 * type system. A dim is a number literal when known and `number` when not.
 */
// Tensors are `Disposable` (`using t = …`): this keeps the declarations of
// Symbol.dispose in a consumer's program whatever its `lib` setting.
/// <reference lib="esnext.disposable" preserve="true" />
import type { Shape, Mutable, NestedArray, ShapeText, ShapeOfNested, ShapeError, Checked, Output } from '../types/index.ts'
import { makeNode, type DType, type HostData, type Node } from './graph.ts'
import { ShapeError as RuntimeShapeError, shapeText } from './shape/errors.ts'
import { shapeOfNested, sizeOf } from './shape/layout.ts'
import { realize } from './realize.ts'
import { track, untrack } from './memory.ts'

export type { DType } from './graph.ts'

/** The host array a tensor of dtype D reads back as. */
export type TypedArrayOf<D extends DType> = D extends 'float32' ? Float32Array : D extends 'int32' ? Int32Array : Uint8Array

/** Use of a tensor after dispose() (or after it was donated to a jitted step). */
export class DisposedError extends Error {
  override readonly name = 'DisposedError'
}

export class Tensor<out S extends Shape = Shape, out D extends DType = 'float32'> {
  /** Phantom: lets the checker tell Tensor<[2, 3]> from Tensor<[3, 2]> structurally. */
  declare readonly __shape: S
  declare readonly __dtype: D

  readonly #node: Node
  #disposed = false

  constructor(node: Node) {
    this.#node = node
    track(this)
  }

  /** The graph node behind this tensor; every op reads it, so use after dispose fails here. */
  get node(): Node {
    if (this.#disposed) throw new DisposedError(`${this} was disposed and cannot be used`)
    return this.#node
  }

  get shape(): S {
    return this.#node.shape as unknown as S
  }
  get dtype(): D {
    return this.#node.dtype as D
  }
  get rank(): number {
    return this.#node.shape.length
  }
  get size(): number {
    return sizeOf(this.#node.shape)
  }
  /** Computes this tensor (and what it needs) on the device and returns its values. */
  async data(): Promise<TypedArrayOf<D>> {
    const [values] = await realize([this.node])
    return values as TypedArrayOf<D>
  }

  /** The values as nested arrays shaped like the tensor. */
  // Typed through `this` so that S stays covariant (NestedArray is a conditional type).
  async array<T extends Shape>(this: Tensor<T, D>): Promise<NestedArray<T>> {
    const flat = Array.from(await this.data() as ArrayLike<number>)
    const nest = (offset: number, dims: readonly number[]): unknown => {
      if (dims.length === 0) return flat[offset]
      const [d, ...rest] = dims
      const step = rest.reduce((a, b) => a * b, 1)
      return Array.from({ length: d }, (_, i) => nest(offset + i * step, rest))
    }
    return nest(0, this.node.shape) as NestedArray<T>
  }

  /** Frees the device memory of this tensor; using it afterwards is an error. */
  dispose(): void {
    if (this.#disposed) return
    untrack(this)
    this.#disposed = true
  }
  [Symbol.dispose](): void {
    this.dispose()
  }
  get isDisposed(): boolean {
    return this.#disposed
  }

  toString(): string {
    return `Tensor<${shapeText(this.#node.shape)}, ${this.#node.dtype}>`
  }
}

/** Wraps a node as a tensor of a statically known shape (for op implementations). */
export const wrap = <S extends Shape, D extends DType = 'float32'>(node: Node): Tensor<S, D> => new Tensor<S, D>(node)

const arrayFor = (dtype: DType, values: ArrayLike<number>): HostData =>
  dtype === 'float32' ? Float32Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Uint8Array.from(values, (v) => (v ? 1 : 0))


/** A tensor from a nested array literal; its shape is inferred from the literal. */
export function tensor<const A extends number | readonly unknown[], D extends DType = 'float32'>(
  value: Checked<A, ShapeOfNested<A>>,
  dtype?: D,
): Tensor<Output<ShapeOfNested<A>>, NoInfer<D>> {
  const shape = shapeOfNested(value)
  const flat = (Array.isArray(value) ? (value as unknown[]).flat(Infinity) : [value]) as number[]
  return wrap(makeNode('constant', [], {}, shape, dtype ?? 'float32', arrayFor(dtype ?? 'float32', flat)))
}

/** A tensor from flat values and a shape; the data length must match the shape. */
export function fromArray<const S extends Shape, D extends DType = 'float32'>(
  values: ArrayLike<number>,
  shape: S,
  dtype?: D,
): Tensor<Mutable<S>, NoInfer<D>> {
  const expected = sizeOf(shape)
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new RuntimeShapeError(`fromArray: invalid shape ${shapeText(shape)}`)
  if (values.length !== expected)
    throw new RuntimeShapeError(`fromArray: ${values.length} values cannot fill shape ${shapeText(shape)} (${expected} elements)`)
  return wrap(makeNode('constant', [], {}, shape, dtype ?? 'float32', arrayFor(dtype ?? 'float32', values)))
}

/**
 * Narrows a tensor of unknown (or wider) shape to S after a run-time check,
 * in the spirit of zod's parse. `number` in S accepts any size on that dim.
 */
export function assertShape<const S extends Shape, D extends DType>(x: Tensor<Shape, D>, shape: S): Tensor<WidenShape<S>, D> {
  const actual = x.shape
  const ok = actual.length === shape.length && shape.every((d, i) => d === -1 || d === actual[i])
  if (!ok) throw new RuntimeShapeError(`assertShape: expected ${shapeText(shape)}, got ${shapeText(actual)}`)
  return x as never
}
/** -1 in an asserted shape stands for "any size": it becomes `number`. */
export type WidenShape<S extends Shape> = { -readonly [I in keyof S]: S[I] extends -1 ? number : S[I] }

export type { NestedArray, ShapeText, ShapeError }
