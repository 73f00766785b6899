/** Deterministic test data: a seeded generator, so that a failure can be replayed. */

/** A seeded xorshift32 generator of float32 values in [-1, 1). */
export const generator = (seed: number) => {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return Math.fround(((state >>> 0) / 4294967296) * 2 - 1)
  }
}

/** The number of elements of a shape. */
export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1)

/** `n` values of `generator(seed)`. */
export const randomValues = (n: number, seed: number) => Float32Array.from({ length: n }, generator(seed))
