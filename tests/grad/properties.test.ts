/**
 * Property tests of reverse mode: on random configurations, the gradients the
 * GPU computes for small composed functions match central finite differences
 * of a float64 reference interpreter of the same functions.
 *
 * Tolerance: |gpu − fd| ≤ 1e-3 · max(1, |fd|). The GPU works in float32
 * (unit roundoff 6e-8) and its gradients are sums of up to a few hundred O(1)
 * products, so they carry up to ~1e-5 of rounding error; the float64
 * differences (h = 1e-6) are good to ~1e-8. A wrong index or a missing term
 * is off by O(1e-1) or more, far beyond 1e-3.
 *
 * The functions are piecewise smooth (relu, max): configurations where the
 * float64 and float32 evaluations could take different branches (a
 * pre-activation within 1e-4 of zero) are rejected, and max-pool inputs are
 * distinct values so windows have no ties.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as sw from '../../src/index.ts'
import type { Node } from '../../src/graph.ts'
import { realize } from '../../src/realize.ts'
import type { AnyTensor } from '../../src/tree.ts'
import { generator, sizeOf } from '../helpers/random.ts'

const api = sw as unknown as Record<string, any>
type T = AnyTensor

const TOLERANCE = 1e-3
const H = 1e-6

const random = (shape: readonly number[], rand: () => number) => Float64Array.from({ length: sizeOf(shape) }, rand)
const tensorOf = (values: Float64Array, shape: readonly number[]) => sw.fromArray(Float32Array.from(values), shape) as unknown as T

/** Central differences of a scalar function of several float64 arrays, with respect to each. */
const finiteDifferences = (f: (args: Float64Array[]) => number, args: Float64Array[]): Float64Array[] =>
  args.map((arg) =>
    Float64Array.from(arg, (v, i) => {
      arg[i] = v + H
      const plus = f(args)
      arg[i] = v - H
      const minus = f(args)
      arg[i] = v
      return (plus - minus) / (2 * H)
    }),
  )

const compare = (gpu: ArrayLike<number>, fd: Float64Array, name: string) => {
  expect(gpu.length, `${name}: length`).toBe(fd.length)
  for (let i = 0; i < fd.length; i++) {
    const err = Math.abs(gpu[i] - fd[i]) / Math.max(1, Math.abs(fd[i]))
    if (!(err <= TOLERANCE)) throw new Error(`${name}: at ${i} the GPU gives ${gpu[i]}, finite differences ${fd[i]}`)
  }
}

// ---- float64 reference interpreter ----

interface ConvConfig {
  stride: [number, number]
  padding: [number, number]
  dilation: [number, number]
  groups: number
}

/** conv2d as PyTorch defines it (symmetric numeric padding). */
const conv2d = (x: Float64Array, xs: number[], w: Float64Array, ws: number[], b: Float64Array | undefined, o: ConvConfig) => {
  const [n, ci, h, wd] = xs
  const [co, cig, kh, kw] = ws
  const cog = co / o.groups
  const ho = Math.floor((h + 2 * o.padding[0] - o.dilation[0] * (kh - 1) - 1) / o.stride[0]) + 1
  const wo = Math.floor((wd + 2 * o.padding[1] - o.dilation[1] * (kw - 1) - 1) / o.stride[1]) + 1
  const out = new Float64Array(n * co * ho * wo)
  for (let bi = 0; bi < n; bi++)
    for (let oc = 0; oc < co; oc++) {
      const g = Math.floor(oc / cog)
      for (let oy = 0; oy < ho; oy++)
        for (let ox = 0; ox < wo; ox++) {
          let s = b ? b[oc] : 0
          for (let c = 0; c < cig; c++)
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * o.stride[0] - o.padding[0] + ky * o.dilation[0]
              if (iy < 0 || iy >= h) continue
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * o.stride[1] - o.padding[1] + kx * o.dilation[1]
                if (ix < 0 || ix >= wd) continue
                s += x[((bi * ci + g * cig + c) * h + iy) * wd + ix] * w[((oc * cig + c) * kh + ky) * kw + kx]
              }
            }
          out[((bi * co + oc) * ho + oy) * wo + ox] = s
        }
    }
  return { out, shape: [n, co, ho, wo] }
}

/** logSoftmax(x·Wᵀ + b) over the last axis, x [n, fin], W [fout, fin]. */
const linearLogSoftmax = (x: Float64Array, w: Float64Array, b: Float64Array, n: number, fin: number, fout: number) => {
  const out = new Float64Array(n * fout)
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < fout; o++) {
      let s = b[o]
      for (let i = 0; i < fin; i++) s += x[r * fin + i] * w[o * fin + i]
      out[r * fout + o] = s
    }
    let m = -Infinity
    for (let o = 0; o < fout; o++) m = Math.max(m, out[r * fout + o])
    let z = 0
    for (let o = 0; o < fout; o++) z += Math.exp(out[r * fout + o] - m)
    for (let o = 0; o < fout; o++) out[r * fout + o] -= m + Math.log(z)
  }
  return out
}

interface PoolAxis {
  kernel: number
  stride: number
  padding: number
  dilation: number
}

/** PyTorch's pooled size of one axis, including the ceilMode rule that drops a window starting in the right padding. */
const pooledSize = (input: number, a: PoolAxis, ceilMode: boolean) => {
  const span = input + 2 * a.padding - a.dilation * (a.kernel - 1) - 1
  if (!ceilMode) return Math.floor(span / a.stride) + 1
  const out = Math.ceil(span / a.stride) + 1
  return (out - 1) * a.stride >= input + a.padding ? out - 1 : out
}

/** max/avg pooling of [n, c, h, w] with PyTorch's window, tie and divisor rules. */
const pool2d = (x: Float64Array, xs: number[], kind: 'max' | 'avg', ay: PoolAxis, ax: PoolAxis, ceilMode: boolean, countIncludePad: boolean) => {
  const [n, c, h, w] = xs
  const ho = pooledSize(h, ay, ceilMode)
  const wo = pooledSize(w, ax, ceilMode)
  const out = new Float64Array(n * c * ho * wo)
  for (let p = 0; p < n * c; p++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++) {
        const hs = oy * ay.stride - ay.padding
        const ws = ox * ax.stride - ax.padding
        let r: number
        if (kind === 'max') {
          r = -Infinity
          for (let ky = 0; ky < ay.kernel; ky++)
            for (let kx = 0; kx < ax.kernel; kx++) {
              const iy = hs + ky * ay.dilation
              const ix = ws + kx * ax.dilation
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) r = Math.max(r, x[(p * h + iy) * w + ix])
            }
        } else {
          const he = Math.min(hs + ay.kernel, h + ay.padding)
          const we = Math.min(ws + ax.kernel, w + ax.padding)
          const divisor = countIncludePad ? (he - hs) * (we - ws) : (Math.min(he, h) - Math.max(hs, 0)) * (Math.min(we, w) - Math.max(ws, 0))
          r = 0
          for (let iy = Math.max(hs, 0); iy < Math.min(he, h); iy++)
            for (let ix = Math.max(ws, 0); ix < Math.min(we, w); ix++) r += x[(p * h + iy) * w + ix]
          r /= divisor
        }
        out[(p * ho + oy) * wo + ox] = r
      }
  return { out, shape: [n, c, ho, wo] }
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0)

// ---- properties ----

describe('gradients match float64 finite differences', () => {
  it('conv2d → relu → sum, with respect to x, weight and bias', async () => {
    const config = fc
      .record({
        n: fc.integer({ min: 1, max: 2 }),
        groups: fc.integer({ min: 1, max: 2 }),
        cig: fc.integer({ min: 1, max: 2 }),
        cog: fc.integer({ min: 1, max: 3 }),
        h: fc.integer({ min: 2, max: 7 }),
        w: fc.integer({ min: 2, max: 7 }),
        kh: fc.integer({ min: 1, max: 3 }),
        kw: fc.integer({ min: 1, max: 3 }),
        stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
        dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
        padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      })
      .filter((c) => c.h + 2 * c.padding[0] >= c.dilation[0] * (c.kh - 1) + 1 && c.w + 2 * c.padding[1] >= c.dilation[1] * (c.kw - 1) + 1)
    await fc.assert(
      fc.asyncProperty(config, async (c) => {
        const rand = generator(c.seed)
        const xs = [c.n, c.cig * c.groups, c.h, c.w]
        const ws = [c.cog * c.groups, c.cig, c.kh, c.kw]
        const args = [random(xs, rand), random(ws, rand), random([ws[0]], rand)]
        const options: ConvConfig = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups }
        const pre = conv2d(args[0], xs, args[1], ws, args[2], options).out
        fc.pre(pre.every((z) => Math.abs(z) >= 1e-4))
        const reference = ([x, w, b]: Float64Array[]) => conv2d(x, xs, w, ws, b, options).out.reduce((s, z) => s + Math.max(z, 0), 0)
        const f = (x: T, weight: T, bias: T): T => api.sum()(api.relu(api.conv2d({ weight, bias }, options)(x)))
        const grads = sw.grad(f, { argnums: [0, 1, 2] })(tensorOf(args[0], xs), tensorOf(args[1], ws), tensorOf(args[2], [ws[0]]))
        const got = await realize((grads as unknown as T[]).map((g) => g.node as Node))
        const fd = finiteDifferences(reference, args)
        ;['x', 'weight', 'bias'].forEach((name, k) => compare(got[k], fd[k], `${JSON.stringify(c)} d/d${name}`))
      }),
      { numRuns: 20, seed: 20260202 },
    )
  })

  it('linear → logSoftmax, pulled back with a random cotangent', async () => {
    const config = fc.record({
      n: fc.integer({ min: 1, max: 4 }),
      fin: fc.integer({ min: 1, max: 9 }),
      fout: fc.integer({ min: 1, max: 7 }),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    })
    await fc.assert(
      fc.asyncProperty(config, async ({ n, fin, fout, seed }) => {
        const rand = generator(seed)
        const args = [random([n, fin], rand), random([fout, fin], rand), random([fout], rand)]
        const cotangent = random([n, fout], rand)
        const reference = ([x, w, b]: Float64Array[]) => dot(linearLogSoftmax(x, w, b, n, fin, fout), cotangent)
        const f = (x: T, weight: T, bias: T): T => api.logSoftmax()(api.linear({ weight, bias })(x))
        const [, pullback] = sw.vjp(f, tensorOf(args[0], [n, fin]), tensorOf(args[1], [fout, fin]), tensorOf(args[2], [fout]))
        const grads = pullback(tensorOf(cotangent, [n, fout])) as unknown as T[]
        const got = await realize(grads.map((g) => g.node as Node))
        const fd = finiteDifferences(reference, args)
        ;['x', 'weight', 'bias'].forEach((name, k) => compare(got[k], fd[k], `${JSON.stringify({ n, fin, fout, seed })} d/d${name}`))
      }),
      { numRuns: 20, seed: 20260303 },
    )
  })

  const axis = (maxDilation: number) =>
    fc
      .record({
        kernel: fc.integer({ min: 1, max: 3 }),
        stride: fc.integer({ min: 1, max: 3 }),
        padding: fc.integer({ min: 0, max: 1 }),
        dilation: fc.integer({ min: 1, max: maxDilation }),
      })
      .map((a) => ({ ...a, padding: Math.min(a.padding, Math.floor(a.kernel / 2)) }))
  const poolConfig = (kind: 'max' | 'avg') =>
    fc
      .record({
        rank: fc.constantFrom(1, 2),
        n: fc.integer({ min: 1, max: 2 }),
        c: fc.integer({ min: 1, max: 3 }),
        h: fc.integer({ min: 1, max: 8 }),
        w: fc.integer({ min: 1, max: 9 }),
        ay: axis(kind === 'max' ? 2 : 1),
        ax: axis(kind === 'max' ? 2 : 1),
        ceilMode: fc.boolean(),
        countIncludePad: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      })
      .map((c) => (c.rank === 1 ? { ...c, h: 1, ay: { kernel: 1, stride: 1, padding: 0, dilation: 1 } } : c))
      .filter((c) => [[c.h, c.ay] as const, [c.w, c.ax] as const].every(([size, a]) => size + 2 * a.padding >= a.dilation * (a.kernel - 1) + 1))

  it.each(['max', 'avg'] as const)('%sPool1d/2d, pulled back with a random cotangent', async (kind) => {
    await fc.assert(
      fc.asyncProperty(poolConfig(kind), async (c) => {
        const rand = generator(c.seed)
        const planes = [c.n, c.c, c.h, c.w]
        const size = sizeOf(planes)
        // Distinct values, shuffled: no window has a tie for its maximum.
        const x = Float64Array.from({ length: size }, (_, i) => Math.fround(((i + 0.5) / size) * 4 - 2))
        for (let i = size - 1; i > 0; i--) {
          const j = Math.floor(((rand() + 1) / 2) * (i + 1))
          ;[x[i], x[j]] = [x[j], x[i]]
        }
        const pooled = pool2d(x, planes, kind, c.ay, c.ax, c.ceilMode, c.countIncludePad)
        const cotangent = random(pooled.shape, rand)
        const reference = ([v]: Float64Array[]) => dot(pool2d(v, planes, kind, c.ay, c.ax, c.ceilMode, c.countIncludePad).out, cotangent)
        const pick = <K extends keyof PoolAxis>(k: K) => (c.rank === 1 ? c.ax[k] : [c.ay[k], c.ax[k]])
        const options = {
          kernelSize: pick('kernel'),
          stride: pick('stride'),
          padding: pick('padding'),
          ceilMode: c.ceilMode,
          ...(kind === 'max' ? { dilation: pick('dilation') } : { countIncludePad: c.countIncludePad }),
        }
        const shape = c.rank === 1 ? [c.n, c.c, c.w] : planes
        const op = `${kind}Pool${c.rank}d`
        const [out, pullback] = sw.vjp((t: T): T => api[op](options)(t), tensorOf(x, shape))
        const outShape = c.rank === 1 ? [c.n, c.c, pooled.shape[3]] : pooled.shape
        expect(out.shape).toEqual(outShape)
        const [dx] = pullback(tensorOf(cotangent, outShape)) as unknown as T[]
        const [got] = await realize([dx.node as Node])
        compare(got, finiteDifferences(reference, [x])[0], `${op} ${JSON.stringify(options)} on ${JSON.stringify(shape)}`)
      }),
      { numRuns: 20, seed: kind === 'max' ? 20260404 : 20260505 },
    )
  })
})
