/**
 * The lazy graph: a tensor is a handle on a Node. Building a node does no
 * device work; materialising a tensor (runtime) compiles what it needs.
 */
import type { OpName } from './ops/names.ts'

export type DType = 'float32' | 'int32' | 'bool'

export type HostData = Float32Array | Int32Array | Uint8Array

export interface Node {
  readonly id: number
  /** The name of the op definition that computes this node ('constant' for host data). */
  readonly op: OpName
  readonly inputs: readonly Node[]
  readonly attrs: Readonly<Record<string, unknown>>
  readonly shape: readonly number[]
  readonly dtype: DType
  /** Host values of a constant node. */
  readonly data?: HostData
}

let nextId = 0

export const makeNode = (
  op: OpName,
  inputs: readonly Node[],
  attrs: Readonly<Record<string, unknown>>,
  shape: readonly number[],
  dtype: DType,
  data?: HostData,
): Node => Object.freeze({ id: nextId++, op, inputs, attrs, shape: Object.freeze([...shape]), dtype, data })
