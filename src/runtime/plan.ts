// The contract between the compiler and the runtime: a Plan is a straight
// list of GPU steps over numbered buffers and textures. The compiler has
// already decided everything (kernel sources with shapes baked in as WGSL
// constants, buffer sizes, liveness); the executor only allocates, encodes
// the steps in order into one command buffer, submits once and reads back
// what was asked for. No uniforms: every kernel is specialised, so the WGSL
// source alone identifies a pipeline.

/** Index into Plan.buffers. */
export type BufferId = number
/** Index into Plan.textures. */
export type TextureId = number

export interface BufferDecl {
  /** Logical size in bytes (what is bound; the pooled buffer may be larger). */
  readonly bytes: number
  /** Clear to zero before the first step (pooled buffers hold stale data). */
  readonly zero?: boolean
  readonly label?: string
}

/** An rgba32float 2D texture, e.g. an M×K operand as (K/4)×M texels. */
export interface TextureDecl {
  /** Texels per row (K/4 for an M×K operand). */
  readonly width: number
  /** Rows (M for an M×K operand); at most the device's maxTextureDimension2D. */
  readonly height: number
  readonly label?: string
}

/**
 * One `@group(0) @binding(i)` resource, i being the position in
 * DispatchStep.bindings. The access must match the WGSL declaration:
 * - buffer 'read'       ↔ `var<storage, read>`
 * - buffer 'read_write' ↔ `var<storage, read_write>`
 * - texture 'read'      ↔ `texture_storage_2d<rgba32float, read>`
 * - texture 'write'     ↔ `texture_storage_2d<rgba32float, write>`
 */
export type Binding = BufferBinding | TextureBinding

export interface BufferBinding {
  readonly buffer: BufferId
  readonly access: 'read' | 'read_write'
  /** Byte offset (multiple of minStorageBufferOffsetAlignment). Default 0. */
  readonly offset?: number
  /** Bytes bound. Default: declared bytes minus offset. */
  readonly size?: number
}

export interface TextureBinding {
  readonly texture: TextureId
  readonly access: 'read' | 'write'
}

export interface DispatchStep {
  readonly kind: 'dispatch'
  /** Complete WGSL module. Also the pipeline-cache key (with the binding accesses). */
  readonly wgsl: string
  /** Default 'main'. */
  readonly entryPoint?: string
  readonly bindings: readonly Binding[]
  /** Workgroup counts [x, y, z]; missing ones are 1. */
  readonly workgroups: number | readonly [number, number?, number?]
  readonly label?: string
}

/**
 * Copies a row-major rows×cols f32 matrix from a buffer into an rgba32float
 * texture of ceil(cols/4)×rows texels (row r, texel c holds columns 4c..4c+3).
 * When the source rows are 256-byte aligned and cols % 4 === 0 this is a
 * plain copyBufferToTexture; otherwise the executor runs a small pack kernel
 * that also zero-fills the lanes past `cols`. See textureOperandLayout().
 */
export interface CopyBufferToTextureStep {
  readonly kind: 'copyBufferToTexture'
  readonly src: BufferId
  readonly dst: TextureId
  readonly rows: number
  readonly cols: number
  /** Floats between the starts of consecutive source rows. Default: cols. */
  readonly srcRowStride?: number
  /** Byte offset of row 0 in the source (multiple of 4). Default 0. */
  readonly srcOffset?: number
  readonly label?: string
}

/** Uploads host data. Applied in plan order relative to the other steps. */
export interface WriteBufferStep {
  readonly kind: 'writeBuffer'
  readonly dst: BufferId
  /** Byte length must be a multiple of 4. */
  readonly data: ArrayBufferView | ArrayBuffer
  /** Byte offset into dst (multiple of 4). Default 0. */
  readonly offset?: number
}

/** Buffer-to-buffer copy (e.g. keeping a parameter while a kernel overwrites its source). */
export interface CopyBufferStep {
  readonly kind: 'copyBuffer'
  readonly src: BufferId
  readonly dst: BufferId
  readonly bytes: number
  readonly srcOffset?: number
  readonly dstOffset?: number
}

export type Step = DispatchStep | CopyBufferToTextureStep | WriteBufferStep | CopyBufferStep

export interface Plan {
  readonly buffers: readonly BufferDecl[]
  readonly textures?: readonly TextureDecl[]
  readonly steps: readonly Step[]
}

export type ReadDType = 'f32' | 'i32' | 'u32'

/** A buffer to map back after the submit. A bare BufferId means the whole buffer as f32. */
export interface ReadRequest {
  readonly buffer: BufferId
  readonly dtype?: ReadDType
  /** Byte offset (multiple of 4). Default 0. */
  readonly offset?: number
  /** Elements. Default: the rest of the declared bytes. */
  readonly length?: number
}

export type ReadSpec = BufferId | ReadRequest

/** The array type a read produces. */
export type ReadResult<R extends ReadSpec> = R extends { readonly dtype: 'i32' }
  ? Int32Array
  : R extends { readonly dtype: 'u32' }
    ? Uint32Array
    : Float32Array

export type ReadResults<R extends readonly ReadSpec[]> = { -readonly [I in keyof R]: ReadResult<R[I]> }

export interface ExecuteOptions {
  /**
   * Buffers that live outside the plan (parameters, results kept on the
   * device), by BufferId. The caller owns them; the executor neither pools
   * nor releases them. Every other declared buffer is a temporary taken from
   * the pool for the duration of the call.
   */
  readonly buffers?: ReadonlyMap<BufferId, GPUBuffer> | Readonly<Record<number, GPUBuffer>>
  /** Same for textures. */
  readonly textures?: ReadonlyMap<TextureId, GPUTexture> | Readonly<Record<number, GPUTexture>>
  /** Wait for the GPU to finish even when nothing is read back. Default false. */
  readonly wait?: boolean
}
