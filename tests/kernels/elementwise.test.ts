import { describe, expect, it } from 'vitest'

describe('scalar literals in kernels', () => {
  // Regression: an integer-valued scalar of 1e21 or more was written '3e+38.0', which WGSL rejects.
  it('large scalars in exponent form compile and compare exactly', async () => {
    const { fromArray, less, mul, abs } = await import('../../src/index.ts')
    const x = fromArray(Float32Array.of(1, -2e38, Infinity, NaN), [4])
    expect(Array.from(await less(abs(x), 3.4028234663852886e38).data())).toEqual([1, 1, 0, 0])
    expect(Array.from(await mul(fromArray(Float32Array.of(2), [1]), 1e30).data())).toEqual([Math.fround(2e30)])
  })
})
