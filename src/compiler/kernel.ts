/**
 * What an op definition gives the compiler: how to lower one graph node to
 * WGSL compute steps. Shapes and attributes are baked into the source as
 * constants, so the source alone keys the pipeline cache.
 */
import type { DType, Node } from '../graph.ts'

/** A binding of one kernel step: an input of the node, its output, or a scratch buffer. */
export type KernelBinding = { readonly input: number } | { readonly output: true } | { readonly scratch: number }

export interface KernelStep {
  readonly wgsl: string
  readonly workgroups: readonly [number, number, number]
  /** Binding i of `@group(0)` is bindings[i]; inputs are read-only, output and scratch read_write. */
  readonly bindings: readonly KernelBinding[]
}

/** How one node runs: a view of one of its inputs (no work), or kernel steps. */
export type Lowering =
  | { readonly alias: number }
  | { readonly scratchBytes?: readonly number[]; readonly steps: readonly KernelStep[] }

export type Emitter = (node: Node) => Lowering

const emitters = new Map<string, Emitter>()

/** Registers the WGSL lowering of an op; each op module registers its own. */
export const defineKernel = (op: string, emit: Emitter): void => {
  if (emitters.has(op)) throw new Error(`kernel for ${op} is defined twice`)
  emitters.set(op, emit)
}

export const emitterFor = (op: string): Emitter => {
  const emit = emitters.get(op)
  if (!emit) throw new Error(`${op}: no WGSL kernel is defined for this op yet`)
  return emit
}

/** Bytes per element on the device: bool is stored as u32. */
export const bytesPerElement = (_dtype: DType): number => 4

/** WGSL element type of a dtype. */
export const wgslType = (dtype: DType): 'f32' | 'i32' | 'u32' => (dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32')
