import { describe, expect, it } from 'vitest'
import { execute, getGpu, memory, padRows, pipelineCompilations, textureOperandLayout, type Plan } from '../../src/runtime/index.ts'
import { iota, textureToBufferWgsl } from './helpers/kernels.ts'

/** Expected texture contents: row r, texel c = columns 4c..4c+3, zeros past cols. */
function packed(m: Float32Array, rows: number, cols: number): number[] {
  const w = Math.ceil(cols / 4)
  const out: number[] = []
  for (let r = 0; r < rows; r++) for (let c = 0; c < 4 * w; c++) out.push(c < cols ? m[r * cols + c]! : 0)
  return out
}

/** Uploads `src` (rows with `stride` floats), copies it into a texture, dumps the texture. */
async function roundTrip(rows: number, cols: number, src: Float32Array, stride = cols, srcOffset = 0): Promise<Float32Array> {
  const L = textureOperandLayout(rows, cols)
  const plan: Plan = {
    buffers: [{ bytes: src.byteLength }, { bytes: L.width * rows * 16 }],
    textures: [{ width: L.width, height: rows }],
    steps: [
      { kind: 'writeBuffer', dst: 0, data: src },
      { kind: 'copyBufferToTexture', src: 0, dst: 0, rows, cols, srcRowStride: stride, srcOffset },
      { kind: 'dispatch', wgsl: textureToBufferWgsl(L.width, rows), bindings: [{ texture: 0, access: 'read' }, { buffer: 1, access: 'read_write' }], workgroups: [Math.ceil(L.width / 8), Math.ceil(rows / 8)] },
    ],
  }
  const [out] = await execute(plan, [1])
  return out
}

describe('textureOperandLayout', () => {
  it('computes texture size and the 256-byte row pitch', () => {
    expect(textureOperandLayout(5, 7)).toMatchObject({ width: 2, height: 5, bytesPerRow: 256, rowStride: 64, paddedBytes: 1280, packedIsAligned: false })
    expect(textureOperandLayout(3, 64)).toMatchObject({ width: 16, bytesPerRow: 256, packedIsAligned: true })
    expect(textureOperandLayout(3, 65)).toMatchObject({ width: 17, bytesPerRow: 512, rowStride: 128, packedIsAligned: false })
    expect(textureOperandLayout(2, 1024)).toMatchObject({ width: 256, bytesPerRow: 4096, packedIsAligned: true })
    expect(() => textureOperandLayout(20000, 4)).toThrow(/maxTextureDimension2D/)
  })
})

describe('copyBufferToTexture', () => {
  it.each([
    [1, 1],
    [3, 5],
    [5, 7],
    [9, 63],
    [4, 65],
    [17, 100],
    [6, 64], // aligned: direct copy
    [3, 128], // aligned: direct copy
  ])('%i×%i from a packed buffer', async (rows, cols) => {
    const m = iota(rows * cols, (i) => i + 0.5)
    expect(Array.from(await roundTrip(rows, cols, m))).toEqual(packed(m, rows, cols))
  })

  it('packs matrices of any size with one pipeline, which reads the sizes at run time (a larger source buffer too)', async () => {
    // 7 columns: not a multiple of 4, so not a direct copy; the first shape compiles the pack kernel (unless cached).
    const first = iota(5 * 7, (i) => i + 0.25)
    expect(Array.from(await roundTrip(5, 7, first))).toEqual(packed(first, 5, 7))
    const before = pipelineCompilations()
    const second = iota(11 * 13, (i) => -i)
    expect(Array.from(await roundTrip(11, 13, second))).toEqual(packed(second, 11, 13))
    // The source buffer holds more than the matrix: the columns still come out as 3.
    const larger = iota(64, (i) => i * 3)
    expect(Array.from(await roundTrip(9, 3, larger))).toEqual(packed(larger, 9, 3))
    // The test's own texture dumps are one kernel per size (two new ones); the pack kernel compiles no more.
    expect(pipelineCompilations() - before).toBe(2)
  })

  it('copies directly from a producer that wrote the padded layout', async () => {
    const rows = 6
    const cols = 20
    const L = textureOperandLayout(rows, cols)
    const m = iota(rows * cols, (i) => -i)
    const padded = padRows(m, L)
    expect(padded.length).toBe(rows * L.rowStride)
    expect(Array.from(await roundTrip(rows, cols, padded, L.rowStride))).toEqual(packed(m, rows, cols))
  })

  it('honours a source offset and overwrites stale pooled textures', async () => {
    const rows = 4
    const cols = 6
    const m = iota(rows * cols + 3, (i) => i * 2)
    // Offset of 3 floats: not 16-byte aligned, so it goes through the pack kernel.
    const got = await roundTrip(rows, cols, m, cols, 12)
    expect(Array.from(got)).toEqual(packed(m.subarray(3), rows, cols))
    // Same texture size again, from the pool, with other data: no leftovers.
    const m2 = iota(rows * cols, () => 1)
    expect(Array.from(await roundTrip(rows, cols, m2))).toEqual(packed(m2, rows, cols))
    expect((await getGpu()).textures.stats().reused).toBeGreaterThan(0)
    expect(memory().inUseBytes).toBe(0)
  })
})
