import { describe, expect, it } from 'vitest'
import { permutation, rng, uniformInt } from '../../src/data/index.ts'

describe('seeded randomness', () => {
  it('gives the same stream for the same seed, pinned so a change to the generator cannot go unnoticed', () => {
    // Pinned values: a shuffle order is part of what a run reproduces.
    const r = rng(0)
    expect([r(), r(), r()]).toEqual([3730044130, 3083387320, 505635900])
    expect(Array.from(permutation(10, 42))).toEqual([5, 7, 8, 9, 6, 2, 0, 3, 4, 1])
  })

  it('gives different streams for different seeds, including ones that collide after a 32-bit cast', () => {
    const first = (seed: number) => Array.from({ length: 4 }, rng(seed))
    const seeds = [0, 1, -1, 1.5, 2 ** 32, 2 ** 32 + 1, 12345]
    const streams = new Set(seeds.map((s) => first(s).join()))
    expect(streams.size).toBe(seeds.length)
    expect(() => rng(Number.NaN)).toThrow(/finite/)
  })

  it('permutes 0..n-1 exactly once each, for edge sizes too', () => {
    for (const n of [0, 1, 2, 7, 1000]) {
      const p = permutation(n, 9)
      expect(p.length).toBe(n)
      expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
    }
    expect(Array.from(permutation(50, 1))).not.toEqual(Array.from(permutation(50, 2)))
  })

  it('draws uniform integers without modulo bias (loose chi-square over 7 buckets)', () => {
    const next = rng(7)
    const counts = new Array(7).fill(0)
    const draws = 70_000
    for (let i = 0; i < draws; i++) counts[uniformInt(next, 7)]++
    const expected = draws / 7
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0)
    expect(chi2).toBeLessThan(22.5) // p ≈ 0.001 for 6 degrees of freedom
    expect(() => uniformInt(next, 0)).toThrow(RangeError)
  })

  it('places every element everywhere about equally often (Fisher–Yates, not a biased swap)', () => {
    const n = 4
    const where = Array.from({ length: n }, () => new Array(n).fill(0))
    const trials = 8000
    for (let s = 0; s < trials; s++) permutation(n, s).forEach((v, pos) => where[v][pos]++)
    for (const row of where) for (const c of row) expect(Math.abs(c - trials / n)).toBeLessThan(150)
  })
})
