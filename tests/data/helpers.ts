/**
 * Byte-wise equality of typed arrays. vitest's toEqual walks big typed arrays
 * element by element through its generic differ (seconds for 6 MB), so the
 * data tests compare bytes and assert the boolean.
 */
export const sameBytes = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  a.constructor === b.constructor && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))

/** How many values are not exactly k/255 for an integer k in 0..255 (as float32), i.e. not a decoded byte. */
export const notBytePixels = (a: Float32Array): number => {
  let bad = 0
  for (let i = 0; i < a.length; i++) {
    const k = Math.round(a[i] * 255)
    if (k < 0 || k > 255 || a[i] !== Math.fround(k / 255)) bad++
  }
  return bad
}
