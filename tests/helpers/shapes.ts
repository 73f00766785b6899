/** Shared helpers of the op and shape-rule tests: no device work, only graph nodes, their shapes and the errors of their rules. */
import { expect } from 'vitest'
import { ShapeError, DTypeError, type DType, type Shape, type Tensor } from '../../src/index.ts'

/** The message of the `expected` error f throws, checked by class and name (fails if f returns, or throws something else). */
const thrownMessage = (expected: typeof ShapeError | typeof DTypeError, f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(expected)
    expect((e as Error).name).toBe(expected.name)
    return (e as Error).message
  }
  throw new Error(`expected a ${expected.name}, but nothing was thrown`)
}

/** The message of the ShapeError f throws. */
export const messageOf = (f: () => unknown): string => thrownMessage(ShapeError, f)

/** The message of the DTypeError f throws, before any node is built. */
export const dtypeMessageOf = (f: () => unknown): string => thrownMessage(DTypeError, f)

/** The same tensor with its shape forgotten by the type system: checks move to run time. */
export const unknownShape = <D extends DType>(t: Tensor<Shape, D>): Tensor<number[], D> => t as unknown as Tensor<number[], D>

/** Checks the lazy node behind a tensor: op, inputs (by identity), shape and dtype. */
export const expectNode = (
  t: Tensor<Shape, DType>,
  expected: { op: string; inputs: readonly Tensor<Shape, DType>[]; shape: readonly number[]; dtype?: DType; attrs?: Record<string, unknown> },
) => {
  expect(t.node.op).toBe(expected.op)
  expect(t.node.inputs).toHaveLength(expected.inputs.length)
  expected.inputs.forEach((input, i) => expect(t.node.inputs[i]).toBe(input.node))
  expect([...t.shape]).toEqual([...expected.shape])
  expect([...t.node.shape]).toEqual([...expected.shape])
  expect(t.dtype).toBe(expected.dtype ?? 'float32')
  if (expected.attrs) expect(t.node.params).toMatchObject(expected.attrs)
  // Building a node is pure: the shape is frozen with it.
  expect(Object.isFrozen(t.node)).toBe(true)
  expect(Object.isFrozen(t.node.shape)).toBe(true)
}
