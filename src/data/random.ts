/**
 * Host-side seeded randomness for the data pipeline (shuffling, splits).
 *
 * Why not Math.random: a training run must see the same example order every
 * time it is started with the same seed, on any machine and Node version.
 * Why not the GPU RNG in src/ops: shuffling happens on the host before any
 * tensor exists, and must not depend on a device being present.
 */

/**
 * A counter-based 32-bit generator: the n-th output is a fixed mixing function
 * of (seed, n), so the stream is fully determined by the seed and cheap to
 * restart. The mixer is a multiply–xorshift avalanche (the shape of the
 * MurmurHash3 finaliser); stepping the counter by the golden-ratio constant
 * (an odd number) visits all 2^32 counter values before repeating.
 *
 * @example
 * import { rng } from 'shapewise/data'
 * const a = rng(42)
 * const b = rng(42)
 * a() === b() // → true
 * Number.isInteger(a()) // → true
 */
export function rng(seed: number): () => number {
  let counter = hashSeed(seed)
  return () => {
    counter = (counter + 0x9e3779b9) | 0
    let z = counter
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

/**
 * Any finite number is a valid seed (negative, fractional, > 2^32): fold it
 * to 32 bits through its float64 bits, so that 1 and 1.5 or 0 and 2^32 give
 * different streams instead of silently colliding after `>>> 0`.
 */
function hashSeed(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`)
  const words = new Uint32Array(new Float64Array([seed]).buffer)
  let h = 0x6a09e667
  for (const w of words) {
    h = Math.imul(h ^ w, 0x2c1b3c6d)
    h ^= h >>> 15
  }
  return h
}

/**
 * A uniform integer in [0, n) for n ≤ 2^32. Rejection sampling instead of
 * `next() % n`, whose low values would be slightly more likely whenever n
 * does not divide 2^32.
 *
 * @example
 * import { rng, uniformInt } from 'shapewise/data'
 * const next = rng(1)
 * const rolls = Array.from({ length: 100 }, () => uniformInt(next, 6))
 * rolls.every((r) => r >= 0 && r < 6) // → true
 */
export function uniformInt(next: () => number, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`uniformInt: n must be an integer in [1, 2^32], got ${n}`)
  const limit = 2 ** 32 - (2 ** 32 % n)
  for (;;) {
    const u = next()
    if (u < limit) return u % n
  }
}

/**
 * A seeded permutation of 0..n-1 (Fisher–Yates, walking down from the end).
 *
 * @example
 * import { permutation } from 'shapewise/data'
 * const order = Array.from(permutation(5, 7))
 * order.slice().sort() // → [0, 1, 2, 3, 4]
 */
export function permutation(n: number, seed: number): Uint32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`permutation: n must be a non-negative integer, got ${n}`)
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  const next = rng(seed)
  for (let i = n - 1; i > 0; i--) {
    const j = uniformInt(next, i + 1)
    const t = order[i]
    order[i] = order[j]
    order[j] = t
  }
  return order
}
