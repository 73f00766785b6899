/**
 * Tensor<S, D>: a handle on a lazy graph node whose shape S is known to the
 * type system. A dim is a number literal when known and `number` when not.
 */
// Tensors are `Disposable` (`using t = …`): this keeps the declarations of
// Symbol.dispose in a consumer's program whatever its `lib` setting.
/// <reference lib="esnext.disposable" preserve="true" />
import type { Shape, Mutable, NestedArray, ShapeText, ShapeOfNested, ShapeError, Checked, Output } from '../types/index.ts'
import { makeNode, type DType, type HostData, type Node } from './graph.ts'
import { constant } from './core/leaves.ts'
import { ShapeError as RuntimeShapeError, shapeText } from './shape/errors.ts'
import { shapeOfNested, sizeOf } from './shape/layout.ts'
import { realize } from './realize.ts'
import { track, untrack } from './memory.ts'
import { peekGpu } from './runtime/device.ts'
import { bytesPerElement } from './compiler/kernel.ts'

export type { DType } from './graph.ts'

/** The host array a tensor of dtype D reads back as. */
export type TypedArrayOf<D extends DType> = D extends 'float32' ? Float32Array : D extends 'int32' ? Int32Array : Uint8Array

/**
 * Use of a tensor after dispose() (or after it was donated to a jitted step).
 *
 * @example
 * import { tensor, DisposedError } from 'shapewise'
 * const x = tensor([1, 2])
 * x.dispose()
 * let error: unknown
 * try { x.node } catch (e) { error = e }
 * error instanceof DisposedError // → true
 */
export class DisposedError extends Error {
  override readonly name = 'DisposedError'
}

/**
 * A lazy tensor whose shape `S` and dtype `D` are part of its type. Ops build a graph;
 * `data()` and `array()` run it on the device and read the values back.
 *
 * @example
 * import { tensor, relu, type Tensor } from 'shapewise'
 * const x: Tensor<[2, 2]> = tensor([[1, -2], [-3, 4]])
 * x.shape // → [2, 2]
 * x.size // → 4
 * await relu(x).array() // → [[1, 0], [0, 4]]
 */
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

/**
 * Host data that cannot become a tensor of the asked dtype: a value that is not a number (a string,
 * `undefined`, an object), or int32 data that is not an integer in the int32 range. Thrown by
 * `tensor` and `fromArray` before anything is allocated, with the op, the index and the value.
 *
 * @example
 * import { fromArray, HostDataError } from 'shapewise'
 * let error: unknown
 * try { fromArray([1.7, 3e10], [2], 'int32') } catch (e) { error = e }
 * error instanceof HostDataError // → true
 * const message = (error as Error).message // → 'fromArray: int32 data must be integers in -2147483648..2147483647; value 1.7 at index 0 is not'
 */
export class HostDataError extends TypeError {
  override readonly name = 'HostDataError'
}

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1
const describeValue = (v: unknown) => (typeof v === 'string' ? `the string ${JSON.stringify(v)}` : v === null || v === undefined ? String(v) : `a value of type ${typeof v}`)

/**
 * The host array a constant of `dtype` keeps, checked value by value. A typed array of the dtype's own
 * type is kept as it is (a view, no copy: 600M floats must not cost another 2.4 GB before the upload),
 * so a caller who changes it before the tensor is read changes the tensor, as with torch.from_numpy.
 */
const hostArray = (op: string, dtype: DType, values: ArrayLike<unknown>): HostData => {
  if (dtype === 'float32' && values instanceof Float32Array) return values
  if (dtype === 'int32' && values instanceof Int32Array) return values
  // Typed arrays hold numbers only; anything else is checked one value at a time.
  const numeric = ArrayBuffer.isView(values)
  const exactInt32 = values instanceof Int16Array || values instanceof Uint16Array || values instanceof Int8Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray
  const n = values.length
  if (dtype === 'float32') {
    const out = new Float32Array(n)
    for (let i = 0; i < n; i++) {
      const v = values[i]
      if (!numeric && typeof v !== 'number') throw new HostDataError(`${op}: float32 data must be numbers; value at index ${i} is ${describeValue(v)}`)
      out[i] = v as number
    }
    return out
  }
  if (dtype === 'int32') {
    const out = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      const v = values[i]
      if (!numeric && typeof v !== 'number') throw new HostDataError(`${op}: int32 data must be numbers; value at index ${i} is ${describeValue(v)}`)
      if (!exactInt32 && !(Number.isInteger(v) && (v as number) >= INT32_MIN && (v as number) <= INT32_MAX))
        throw new HostDataError(`${op}: int32 data must be integers in ${INT32_MIN}..${INT32_MAX}; value ${v} at index ${i} is not`)
      out[i] = v as number
    }
    return out
  }
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const v = values[i]
    if (!numeric && typeof v !== 'number' && typeof v !== 'boolean') throw new HostDataError(`${op}: bool data must be numbers or booleans; value at index ${i} is ${describeValue(v)}`)
    // Any non-zero number is true (NaN too), as in PyTorch.
    out[i] = v === 0 || v === false ? 0 : 1
  }
  return out
}

/**
 * Refuses a tensor larger than the device can hold before any host copy is made; without a device
 * yet, the same check happens when the tensor is first uploaded, still before anything is allocated.
 */
const checkDeviceSize = (op: string, shape: readonly number[], dtype: DType) => {
  const max = peekGpu()?.info.limits.maxBufferSize
  const bytes = sizeOf(shape) * bytesPerElement(dtype)
  if (max !== undefined && bytes > max)
    throw new RangeError(`${op}: ${shapeText(shape)} ${dtype} needs ${bytes} bytes, more than this device's maxBufferSize (${max}); split the tensor`)
}

/**
 * A tensor from a nested array literal; its shape is inferred from the literal.
 *
 * @example
 * import { tensor, type Tensor } from 'shapewise'
 * const x: Tensor<[2, 3]> = tensor([[1, 2, 3], [4, 5, 6]]) // the shape is inferred from the literal
 * x.shape // → [2, 3]
 * tensor([1, 0], 'bool').dtype // → 'bool'
 */
export function tensor<const A extends number | readonly unknown[], D extends DType = 'float32'>(
  value: Checked<A, ShapeOfNested<A>>,
  dtype?: D,
): Tensor<Output<ShapeOfNested<A>>, NoInfer<D>> {
  const shape = shapeOfNested(value)
  const flat = Array.isArray(value) ? (value as unknown[]).flat(Infinity) : [value]
  checkDeviceSize('tensor', shape, dtype ?? 'float32')
  return wrap(makeNode(constant, [], {}, shape, dtype ?? 'float32', hostArray('tensor', dtype ?? 'float32', flat)))
}

/**
 * A tensor from flat values and a shape; the data length must match the shape. A `Float32Array`
 * (float32) or `Int32Array` (int32) is taken as it is, not copied: do not change it while the tensor
 * may still be read. Other data is checked and converted (`HostDataError` for a value that is not a
 * number, or for int32 data that is not an integer in range).
 *
 * @example
 * import { fromArray } from 'shapewise'
 * const image = fromArray(new Float32Array(28 * 28), [1, 1, 28, 28])
 * image.shape // → [1, 1, 28, 28]
 * await fromArray([3, 1], [2], 'int32').data() // → [3, 1]
 */
export function fromArray<const S extends Shape, D extends DType = 'float32'>(
  values: ArrayLike<number>,
  shape: S,
  dtype?: D,
): Tensor<Mutable<S>, NoInfer<D>> {
  const expected = sizeOf(shape)
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new RuntimeShapeError(`fromArray: invalid shape ${shapeText(shape)}`)
  if (values.length !== expected)
    throw new RuntimeShapeError(`fromArray: ${values.length} values cannot fill shape ${shapeText(shape)} (${expected} elements)`)
  checkDeviceSize('fromArray', shape, dtype ?? 'float32')
  return wrap(makeNode(constant, [], {}, shape, dtype ?? 'float32', hostArray('fromArray', dtype ?? 'float32', values)))
}

/**
 * Narrows a tensor of unknown (or wider) shape to S after a run-time check,
 * in the spirit of zod's parse. `number` in S accepts any size on that dim.
 *
 * @example
 * import { assertShape, fromArray, type Tensor } from 'shapewise'
 * const loaded = fromArray([1, 2, 3, 4, 5, 6], [2, 3] as number[]) // shape unknown to the compiler
 * const x: Tensor<[number, 3]> = assertShape(loaded, [-1, 3])
 * x.shape // → [2, 3]
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
