// How a row-major M×K f32 matrix becomes an rgba32float texture operand.
//
// Why textures: on llvmpipe, textureLoad from a read-only storage texture is
// ~10× faster than loading the same data from a storage buffer (measured with bench/matmul-kernels.ts).
// Each texel packs 4 consecutive columns, so the texture is ceil(K/4) texels
// wide and M rows high. WebGPU's buffer↔texture copies want bytesPerRow to be
// a multiple of 256, which a packed matrix only satisfies when K % 64 === 0.

/** WebGPU's bytesPerRow alignment for buffer↔texture copies. */
export const COPY_BYTES_PER_ROW_ALIGNMENT = 256
const TEXEL_BYTES = 16

export interface TextureOperandLayout {
  readonly rows: number
  readonly cols: number
  /** Texture width in texels: ceil(cols / 4). */
  readonly width: number
  /** Texture height: rows. */
  readonly height: number
  /** Source row pitch a direct copy needs: width·16 rounded up to 256. */
  readonly bytesPerRow: number
  /** The same in floats — the row stride a producer should write with. */
  readonly rowStride: number
  /** Size of a buffer holding the matrix with that pitch. */
  readonly paddedBytes: number
  /** True when the packed (unpadded) matrix can be copied as is. */
  readonly packedIsAligned: boolean
}

/**
 * Layout of a rows×cols operand as a texture, and the padded row pitch that
 * makes a direct copyBufferToTexture legal. A producer kernel that writes its
 * output with `rowStride` floats per row (zeros past `cols`) lets the copy be
 * a plain DMA; otherwise the executor packs through a kernel.
 */
export function textureOperandLayout(rows: number, cols: number, maxTextureDimension2D = 16384): TextureOperandLayout {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new RangeError(`texture operand: rows and cols must be positive integers, got ${rows}×${cols}`)
  }
  const width = Math.ceil(cols / 4)
  if (rows > maxTextureDimension2D || width > maxTextureDimension2D) {
    throw new RangeError(
      `texture operand ${rows}×${cols} needs a ${width}×${rows} texture, over this device's maxTextureDimension2D (${maxTextureDimension2D}); split it`,
    )
  }
  const bytesPerRow = roundUp(width * TEXEL_BYTES, COPY_BYTES_PER_ROW_ALIGNMENT)
  return {
    rows,
    cols,
    width,
    height: rows,
    bytesPerRow,
    rowStride: bytesPerRow / 4,
    paddedBytes: bytesPerRow * rows,
    packedIsAligned: cols % 4 === 0 && (cols * 4) % COPY_BYTES_PER_ROW_ALIGNMENT === 0,
  }
}

/** Host-side padding: copies a packed rows×cols matrix into the layout's row pitch, zeros elsewhere. */
export function padRows(data: Float32Array, layout: TextureOperandLayout): Float32Array {
  const { rows, cols, rowStride } = layout
  if (data.length < rows * cols) throw new RangeError(`padRows: expected ${rows * cols} floats, got ${data.length}`)
  const out = new Float32Array(rows * rowStride)
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * cols, r * cols + cols), r * rowStride)
  return out
}

/**
 * WGSL that packs a (possibly unaligned) row-major matrix from a storage
 * buffer into an rgba32float texture: one invocation per texel, lanes past
 * `cols` set to zero so a matmul over the padded K adds nothing. Constants
 * are baked in, so the source is also the pipeline-cache key.
 */
export function packToTextureWgsl(rows: number, cols: number, rowStride: number, offsetFloats: number): string {
  return packWgsl(
    `pack ${rows}x${cols} stride ${rowStride} offset ${offsetFloats}`,
    `let width = ${Math.ceil(cols / 4)}u;
  let rows = ${rows}u;
  let cols = ${cols}u;
  let stride = ${rowStride}u;
  let offset = ${offsetFloats}u;`,
  )
}

/** Workgroup of the pack kernel: x a multiple of 8 (llvmpipe's SIMD width). */
export const PACK_WORKGROUP = [8, 8] as const

/**
 * The pack kernel with its sizes read at run time, for the usual copy (rows stored back to back
 * from the start of the source, into a texture of exactly ceil(cols/4)×rows texels): rows and
 * width come from the texture, and the columns from the source binding, which the executor
 * binds at exactly rows·cols floats. One shader serves every such copy, where the baked form
 * is one per size: each costs ~30 ms of CPU to compile on llvmpipe, and LeNet-5's training
 * step has ten copies of different sizes.
 */
export const PACK_TO_TEXTURE_ANY_SIZE_WGSL = packWgsl(
  'pack, sizes at run time',
  `let size = textureDimensions(dst); // (texels per row, rows)
  let width = size.x;
  let rows = size.y;
  let cols = arrayLength(&src) / rows;
  let stride = cols;
  let offset = 0u;`,
)

/** The pack kernel around `sizes`, statements defining width, rows, cols, stride and offset (u32). */
function packWgsl(label: string, sizes: string): string {
  return /* wgsl */ `// shapewise ${label}
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var dst: texture_storage_2d<rgba32float, write>;
@compute @workgroup_size(${PACK_WORKGROUP[0]}, ${PACK_WORKGROUP[1]})
fn main(@builtin(global_invocation_id) id: vec3u) {
  ${sizes}
  if (id.x >= width || id.y >= rows) { return; }
  let c = id.x * 4u;
  let base = offset + id.y * stride + c;
  var v = vec4f(0.0);
  if (c + 3u < cols) {
    v = vec4f(src[base], src[base + 1u], src[base + 2u], src[base + 3u]);
  } else {
    for (var i = 0u; i < 4u; i++) {
      if (c + i < cols) { v[i] = src[base + i]; }
    }
  }
  textureStore(dst, vec2u(id.x, id.y), v);
}
`
}

function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m
}
