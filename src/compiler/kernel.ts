/**
 * What an op definition gives the compiler: how to lower one graph node to
 * WGSL compute steps. Shapes and attributes are baked into the source as
 * constants, so the source alone keys the pipeline cache.
 */
import type { DType, Node, NodeOf } from '../graph.ts'
import type { Primitive } from '../core/params.ts'

/** A binding of one kernel step: an input of the node, its output, a scratch buffer, or a texture operand. */
export type KernelBinding =
  | { readonly input: number }
  | { readonly output: true }
  | { readonly scratch: number }
  /** Read-only `texture_storage_2d<rgba32float, read>`, filled by a TextureCopy step. */
  | { readonly texture: number }
  /** Read-only: the value of any scheduled node (kernels the compiler writes itself). */
  | { readonly value: Node }
  /** The device's fault status buffer (see src/faults.ts): a kernel records a bad input there for the next read to report. */
  | { readonly fault: true }

/**
 * Copies a row-major rows×cols f32 matrix (an input or scratch buffer) into
 * texture operand `texture`: ceil(cols/4) texels per row, lanes past cols
 * zero. On llvmpipe, operands read through read-only storage textures
 * measured several times faster than through storage buffers (bench/matmul-kernels.ts).
 */
export interface TextureCopy {
  readonly copyToTexture: { readonly source: KernelBinding; readonly texture: number; readonly rows: number; readonly cols: number }
}

export interface KernelStep {
  readonly wgsl: string
  readonly workgroups: readonly [number, number, number]
  /** Binding i of `@group(0)` is bindings[i]; inputs are read-only, output and scratch read_write. */
  readonly bindings: readonly KernelBinding[]
  /** Writes every output element through `epilogue(i, v)` (see compiler/fusion.ts), so a chain can fuse into it. */
  readonly epilogue?: boolean
  /**
   * Reads input 0 (bound at binding 0 as `in0`, same element type as the
   * output) only at the element it writes, `in0[i]`: the output may then
   * overwrite input 0's buffer (see inPlace in compiler/schedule.ts).
   */
  readonly inPlace?: boolean
}

/** How one node runs: a view of one of its inputs (no work), or kernel steps. */
export type Lowering =
  | { readonly alias: number }
  | {
      readonly scratchBytes?: readonly number[]
      /** Texture operands as [width in texels, height in rows]. */
      readonly textures?: readonly (readonly [number, number])[]
      readonly steps: readonly (KernelStep | TextureCopy)[]
    }

/** What an emitter may know of the device it compiles for; the compiler picks layouts from it. */
export interface KernelTarget {
  /** Read heavy operands through read-only storage textures (software adapters, where it measured fastest). */
  readonly textureOperands: boolean
  readonly maxTextureDimension2D: number
  /** Storage buffers one kernel may bind (fusion stops before exceeding it). */
  readonly maxStorageBuffersPerShaderStage: number
}

export const DEFAULT_TARGET: KernelTarget = { textureOperands: false, maxTextureDimension2D: 8192, maxStorageBuffersPerShaderStage: 8 }

/**
 * The lowering of a node: its primitive's definition (src/core/primitive.ts) holds it, so a
 * primitive without one does not compile. Without a target it lowers for DEFAULT_TARGET.
 */
export const lower = <P extends Primitive>(node: NodeOf<P>, target: KernelTarget = DEFAULT_TARGET): Lowering => node.primitive.lower(node, target)

/** The compute steps of a lowering (texture copies left out), e.g. to inspect generated WGSL. */
export const kernelSteps = (lowering: Lowering): KernelStep[] =>
  'alias' in lowering ? [] : lowering.steps.filter((s): s is KernelStep => 'wgsl' in s)

/** Bytes per element on the device: bool is stored as u32. */
export const bytesPerElement = (_dtype: DType): number => 4

/** WGSL element type of a dtype. */
export const wgslType = (dtype: DType): 'f32' | 'i32' | 'u32' => (dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32')
