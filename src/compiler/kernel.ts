/**
 * The kernel IR: what an op definition gives the compiler for one graph node.
 * A kernel step is data (its typed bindings, its dispatch) plus functions that
 * write its WGSL through a `KernelIO`: every read of an operand is
 * `io.load(operand, index)` and every write of the output `io.store(index,
 * value)`. The renderer (render.ts) owns everything else — the prelude,
 * binding numbers and declarations, the one-dimensional skeleton — so the
 * compiler's passes reason about these calls (epilogue fusion wraps the
 * stored value, in-place is decided from the recorded load indices), never
 * about finished text. Shapes and parameters are baked into the source as
 * constants, so the source alone keys the pipeline cache.
 */
import type { DType, Node, NodeOf } from '../graph.ts'
import type { Primitive } from '../core/params.ts'

/** A WGSL expression. */
export type Expr = string

/** Shared WGSL helpers a kernel may call; the renderer emits each one only if it was asked for. */
export type Helper = 'nonFinite' | 'erf' | 'tanh' | 'random'

/** What an elementwise expression may ask of the kernel it ends up in. */
export interface ExprIO {
  /** A literal of `dtype`; ±Infinity and NaN become run-time values (Tint rejects non-finite constants). */
  literal(value: number, dtype: DType): Expr
  /** Asks for a shared helper (its functions then exist in the module). */
  helper(name: Helper): void
}

/** All a kernel's code may do with its operands and output; the renderer implements it. */
export interface KernelIO extends ExprIO {
  /** Element `index` (u32) of operand `operand` (an input of the node). Recorded. */
  load(operand: number, index: Expr): Expr
  /** The statement writing `value` to element `index` of the output: the only write to it. Recorded. */
  store(index: Expr, value: Expr): string
  /** The statement writing the vec4f `value` to elements 4·index4 … 4·index4 + 3 (output declared as vec4f). */
  store4(index4: Expr, value: Expr): string
}

/** A routine's own typed view of a storage buffer (vec4 operands, exact-length arrays). */
export interface ArrayView {
  readonly name: string
  readonly type: 'f32' | 'i32' | 'u32' | 'vec4f'
  /** Exact element count, declared as `array<T, n>` (bounds checks fold); runtime-sized without. */
  readonly length?: number
}

/** A binding of one kernel step; binding numbers are the renderer's (position in this list). */
export type KernelBinding =
  /** Operand `input` of the node, read-only; read through `io.load`, or by a routine through its own `view`. */
  | { readonly input: number; readonly view?: ArrayView }
  /** The node's output, read_write; written through `io.store`/`io.store4` (`view` only for its type and length). */
  | { readonly output: true; readonly view?: Omit<ArrayView, 'name'> }
  /** A scratch buffer of the lowering, read_write, used by the routine under `view.name`. */
  | { readonly scratch: number; readonly view: ArrayView }
  /** Read-only `texture_storage_2d<rgba32float, read>`, filled by a TextureCopy step. */
  | { readonly texture: number; readonly name: string }
  /** The device's fault status buffer (see src/faults.ts), named `fault`: a kernel records a bad input there. */
  | { readonly fault: true }

/** How a step is dispatched: one invocation per element of a 1-D range (the renderer's skeleton) or a hand-laid grid. */
export type Dispatch =
  /**
   * `body` runs with the flat invocation index in `i` (u32), already bounds-checked against `threads`.
   * `perOutputElement`: `threads` is the output's element count, so the bound is read from the output
   * binding at run time and the size is not in the text: one pipeline serves every size of a body
   * that is itself size-free (same-shape elementwise kernels, an optimizer's update of each parameter).
   */
  | { readonly threads: number; readonly perOutputElement?: boolean }
  /** `body` is all of main, with the global invocation id `gid` and, when listed in `ids`, `lid` (local) and `wid` (workgroup). */
  | {
      readonly workgroupSize: readonly [number, number]
      readonly workgroups: readonly [number, number, number]
      readonly ids?: readonly ('lid' | 'wid')[]
    }

export interface KernelStep {
  /** The first line of the module, a comment naming the kernel (read in WGSL errors and tests). */
  readonly label?: string
  readonly bindings: readonly KernelBinding[]
  readonly dispatch: Dispatch
  /** Module-scope declarations the body uses: constants, helper functions, workgroup arrays. */
  readonly module?: (io: KernelIO) => string
  /** The statements of main. */
  readonly body: (io: KernelIO) => string
  /** Every value stored is an f32 element of the output: an elementwise chain may fuse into the store. */
  readonly epilogue?: boolean
}

/**
 * Copies a row-major rows×cols f32 matrix (an input or scratch buffer) into
 * texture operand `texture`: ceil(cols/4) texels per row, lanes past cols
 * zero. On llvmpipe, operands read through read-only storage textures
 * measured several times faster than through storage buffers (bench/matmul-kernels.ts).
 */
export interface TextureCopy {
  readonly copyToTexture: { readonly source: { readonly input: number } | { readonly scratch: number }; readonly texture: number; readonly rows: number; readonly cols: number }
}

/** An operand a routine can read as a texture: a row-major rows×cols f32 matrix in an input or scratch buffer. */
export interface TextureOperand {
  readonly source: { readonly input: number } | { readonly scratch: number }
  readonly rows: number
  readonly cols: number
}

/**
 * A routine's offer to read its heavy operands through read-only storage
 * textures rather than storage buffers; made only where the routine measured
 * that the copies pay for themselves. The lowering around it is the buffer
 * form. The choose-operand-layout pass decides against the target, per
 * operand, and where it takes the offer replaces the buffer form's scratch
 * buffers and steps with these: `prepare`, one TextureCopy per operand (the
 * pass writes them), then `step`, which reads operand k as texture k.
 */
export interface TextureOffer {
  readonly operands: readonly TextureOperand[]
  readonly scratchBytes: readonly number[]
  /** Steps that fill the scratch buffers the copies read (a repack, a transpose). */
  readonly prepare: readonly KernelStep[]
  readonly step: KernelStep
}

/** How one node runs: a view of one of its inputs (no work), or kernel steps. */
export type Lowering =
  | { readonly alias: number }
  | {
      /** The nodes `{ input: k }` bindings refer to; the node's own inputs unless given (compiler-written kernels). */
      readonly operands?: readonly Node[]
      readonly scratchBytes?: readonly number[]
      /** Texture operands as [width in texels, height in rows]. */
      readonly textures?: readonly (readonly [number, number])[]
      readonly steps: readonly (KernelStep | TextureCopy)[]
      /** Set by routines that can read their heavy operands as textures (see TextureOffer); the layout pass decides. */
      readonly textureOffer?: TextureOffer
    }

/** A lowering that runs kernel steps. */
export type KernelLowering = Exclude<Lowering, { readonly alias: number }>

/**
 * Register tiles the GEMM routines (src/ops/linear.wgsl.ts, src/ops/conv.wgsl.ts) use for
 * large products on an adapter, measured there (bench/matmul.ts --sweep, bench/conv2d.ts --sweep).
 * Smaller products keep the routines' own smaller tiles: a larger tile is a longer shader, which
 * costs compile time on a first call and wasted lanes at the edges.
 */
export interface LargeGemmTiles {
  /** Multiply-adds (M·N·K over the batch) from which a product takes these tiles. */
  readonly minWork: number
  /** matmul/linear: rows × columns of C per invocation; workgroup [x along columns, y along rows]. */
  readonly matmul: { readonly tileM: number; readonly tileN: number; readonly workgroup: readonly [number, number] }
  /** Implicit-GEMM convolutions: output pixels × output channels per invocation; workgroup [x along pixels, y along channel tiles]. */
  readonly conv: { readonly pixels: number; readonly channels: number; readonly workgroup: readonly [number, number] }
  /**
   * matmul/linear from `minWork` multiply-adds: a still larger tile, where one call runs long enough
   * that a faster steady state is worth the longer shader's one-time compile. Absent: none.
   */
  readonly hugeMatmul?: { readonly minWork: number; readonly tileM: number; readonly tileN: number; readonly workgroup: readonly [number, number] }
}

/** What an emitter may know of the device it compiles for: layouts and every limit come from here only. */
export interface KernelTarget {
  /** Read heavy operands through read-only storage textures (software adapters, where it measured fastest); the choose-operand-layout pass reads it. */
  readonly textureOperands: boolean
  readonly maxTextureDimension2D: number
  /** Storage buffers one kernel may bind (fusion stops before exceeding it). */
  readonly maxStorageBuffersPerShaderStage: number
  /** Bytes one storage binding may span (repacked operands and partials must fit). */
  readonly maxStorageBufferBindingSize: number
  /** Workgroups along one dispatch dimension (1-D kernels spill into y past it). */
  readonly maxComputeWorkgroupsPerDimension: number
  /** The GEMM routines' register tiles for large products on this adapter. */
  readonly largeTiles: LargeGemmTiles
  /**
   * Products of fewer multiply-adds take a compact 4×4 matmul tile: where a pipeline's first
   * dispatch compiles machine code (llvmpipe), a 16×8 tile's straight-line shader costs several
   * times a small product's own run time (see SOFTWARE_COMPACT_GEMM_MAX_WORK). 0: never.
   */
  readonly compactGemmMaxWork: number
  /** Convolutions (as implicit GEMMs) of fewer multiply-adds take 4-pixel × ≤8-channel tiles, for the same reason. 0: never. */
  readonly compactConvMaxWork: number
  /**
   * 3×3 stride-1 convolutions (and their stride-1 transposes) of at least this many multiply-adds, with
   * 16 or more channels in and out, run as Winograd's F(m×m, 3×3) (src/ops/conv-winograd.wgsl.ts). 0: never.
   */
  readonly winogradMinWork: number
  /** Elements each invocation of a per-output-element kernel computes (see renderKernel). */
  readonly elementsPerInvocation: number
}

/** WebGPU's guaranteed defaults. */
export const DEFAULT_TARGET: KernelTarget = {
  textureOperands: false,
  maxTextureDimension2D: 8192,
  maxStorageBuffersPerShaderStage: 8,
  maxStorageBufferBindingSize: 128 * 1024 * 1024,
  maxComputeWorkgroupsPerDimension: 65535,
  // The tiles the routines used before tiles were chosen per adapter (every product of at least ~1M multiply-adds).
  largeTiles: { minWork: 1 << 20, matmul: { tileM: 16, tileN: 8, workgroup: [8, 4] }, conv: { pixels: 8, channels: 16, workgroup: [8, 1] } },
  compactGemmMaxWork: 0,
  compactConvMaxWork: 0,
  // Not measured on a GPU yet: the implicit GEMM everywhere.
  winogradMinWork: 0,
  elementsPerInvocation: 1,
}

/**
 * llvmpipe's tiles, from round-robin sweeps of W5 (1024³ matmul) and W3 (conv 3×3 64→64, 56², batch 8)
 * on a 2-core AVX-512 machine, by CPU time per run (steadier than wall time while other processes
 * load the machine; bench/README.md): 12×16 matmul tiles took ~0.75 of 16×8's CPU time, 12-pixel ×
 * 32-channel conv tiles ~0.85 of 8×16's. Only from ~67M multiply-adds: the longer shaders of these
 * tiles cost compile time that small products (LeNet's layers) would not earn back.
 */
export const SOFTWARE_LARGE_TILES: LargeGemmTiles = {
  minWork: 1 << 26,
  matmul: { tileM: 12, tileN: 16, workgroup: [8, 4] },
  conv: { pixels: 12, channels: 32, workgroup: [8, 1] },
  // From 2³⁰ multiply-adds (1024³; a call of ~35 ms or more): 32×32 ran W5 in 35.4–35.6 ms against
  // 41.3–43.3 ms for 12×16 (bench/matmul.ts --sweep, two round-robin sweeps, load < 1). Its shader
  // compiles in 3.5 s with Mesa's shader cache off (12×16: 0.5 s): once per machine, as the cache
  // keeps it; 48×32 was no faster and took 9 s.
  hugeMatmul: { minWork: 1 << 30, tileM: 32, tileN: 32, workgroup: [8, 2] },
}

/**
 * llvmpipe compiles each kernel's machine code through LLVM at its first dispatch, so a user's
 * first training step pays for every distinct shader. LeNet-5's matmuls (54K–3.1M multiply-adds)
 * with 16×8 tiles took 190–770 ms of CPU each to compile with Mesa's shader cache off, 2.6 s of
 * a 6.6 s first step (bench/compile-cost.ts); with 4×4 tiles 50–160 ms each, and the step's
 * run time did not change measurably (bench/lenet-step.ts, alternated runs).
 */
export const SOFTWARE_COMPACT_GEMM_MAX_WORK = 1 << 22

/**
 * The same for convolutions: LeNet-5's second conv (15.4M multiply-adds) with 8-pixel × 16-channel
 * tiles took 0.9–1.5 s of CPU to compile cold, with 4 × 8 tiles 0.2 s, and ran in 7.3 / 7.1 ms CPU
 * against 6.9 / 6.6 (bench/conv2d.ts --shape 64,6,14,14,16,5,0 --sweep, two sittings, load 3.5–3.9):
 * ~0.5 ms a step for a second or so of the first one. Its input gradient (a 30M transposed conv)
 * keeps 8 × 8: with 4 × 8 the whole step's profile ran 3–6 ms slower, for ~0.1 s less compiling.
 */
export const SOFTWARE_COMPACT_CONV_MAX_WORK = 1 << 24

/**
 * llvmpipe: from the large tiles' threshold (~67M multiply-adds). W3 (3×3 64→64 at 56², batch 8)
 * took 42.3 ms as an implicit GEMM and 31.6 ms as F(4×4, 3×3) (bench/README.md, "Winograd"); its
 * three steps and copies are more shaders to compile, which small convs would not earn back.
 */
export const SOFTWARE_WINOGRAD_MIN_WORK = 1 << 26

/**
 * llvmpipe: 4 elements an invocation of a per-output-element kernel. It runs a workgroup as a call of
 * its compiled function, whose fixed cost outweighed a small body: a 2M-element add took 5.2–7.1 ms
 * at one element an invocation and 3.7–4.1 ms at four, strided as renderKernel lays them out (four
 * consecutive elements an invocation: 7.3–10.6 ms; eight strided: no faster than four).
 */
export const SOFTWARE_ELEMENTS_PER_INVOCATION = 4

/**
 * The lowering of a node: its primitive's definition (src/core/primitive.ts) holds it, so a
 * primitive without one does not compile. Without a target it lowers for DEFAULT_TARGET.
 */
export const lower = <P extends Primitive>(node: NodeOf<P>, target: KernelTarget = DEFAULT_TARGET): Lowering => node.primitive.lower(node, target)

/** The compute steps of a lowering (texture copies left out). */
export const kernelSteps = (lowering: Lowering): KernelStep[] =>
  'alias' in lowering ? [] : lowering.steps.filter((s): s is KernelStep => 'body' in s)

/** Bytes per element on the device: bool is stored as u32. */
export const bytesPerElement = (_dtype: DType): number => 4

/** WGSL element type of a dtype (the one dtype table). */
export const wgslType = (dtype: DType): 'f32' | 'i32' | 'u32' => (dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32')
