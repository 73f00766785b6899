/**
 * Property tests: the run-time shape twins (src/shape/*) against brute-force
 * references (./brute-force.ts) on thousands of random small configurations.
 * Where the reference finds no valid output, the twin must throw a ShapeError
 * with exactly the message the type-level rule uses.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { convAxis, convPadding, convShape, convTransposeAxis, convTransposeShape } from '../../src/shape/conv.ts'
import { poolAxis, poolShape } from '../../src/shape/pool.ts'
import {
  broadcastShapes, reshapeShape, flattenShape, permuteShape, transposeShape, concatShape, reduceShape, matmulShape, linearShape,
} from '../../src/shape/layout.ts'
import { ShapeError, shapeText } from '../../src/shape/errors.ts'
import {
  bruteConvAxis, bruteConvTransposeAxis, brutePoolAxis, samePadding, countConvWindows, countElements, bruteBroadcast, bruteReshape,
  bruteMatmul, indices, type AxisResult,
} from './brute-force.ts'

const RUNS = { numRuns: 2000 }

/** Runs f; returns its value or the ShapeError it threw (anything else is re-thrown). */
const attempt = <T>(f: () => T): { ok: true; value: T } | { ok: false; message: string } => {
  try {
    return { ok: true, value: f() }
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e
    expect(e.name).toBe('ShapeError')
    return { ok: false, message: e.message }
  }
}

/** The twin's answer must match the reference: same value, or a ShapeError with the same message. */
const expectAgrees = <T>(actual: { ok: true; value: T } | { ok: false; message: string }, expected: { ok: true; value: T } | { ok: false; message: string }) => {
  if (expected.ok) {
    expect(actual).toEqual({ ok: true, value: expected.value })
  } else {
    expect(actual).toEqual({ ok: false, message: expected.message })
  }
}
const fromAxis = (r: AxisResult) => (r.ok ? { ok: true as const, value: r.out } : { ok: false as const, message: r.message })

// ------------------------------------------------------------------ arbitraries

const small = (min: number, max: number) => fc.integer({ min, max })

/** A spatial option: one number for every axis, a per-axis tuple, or left out when every axis has the default. */
type SpatialForm = 'number' | 'tuple' | 'one' | 'absent'
const encodeSpatial = (values: number[], fallback: number, form: SpatialForm): number | number[] | undefined => {
  if (form === 'absent' && values.every((v) => v === fallback)) return undefined
  if (form === 'number' && values.every((v) => v === values[0])) return values[0]
  // A one-element tuple means that value on every axis, as in PyTorch.
  if (form === 'one' && values.every((v) => v === values[0])) return [values[0]]
  return values
}
const spatialForm = fc.constantFrom<SpatialForm>('number', 'tuple', 'one', 'absent')

// ------------------------------------------------------------------ conv

describe('convAxis against counted windows', () => {
  it('agrees with the brute force, and throws exactly when no window fits', () => {
    fc.assert(
      fc.property(
        small(1, 16), small(1, 7), small(1, 5), fc.oneof(small(0, 5), fc.constant('same' as const)), small(1, 4), fc.constantFrom('conv1d', 'conv2d'),
        (input, kernel, stride, padding, dilation, op) => {
          expectAgrees(attempt(() => convAxis(op, input, kernel, stride, padding, dilation)), fromAxis(bruteConvAxis(op, input, kernel, stride, padding, dilation)))
        },
      ),
      RUNS,
    )
  })

  it("'same' padding: the split found by search, out = in at stride 1 and ⌈in/stride⌉ beyond", () => {
    fc.assert(
      fc.property(small(1, 20), small(1, 7), small(1, 5), small(1, 4), (input, kernel, stride, dilation) => {
        const same = samePadding(input, kernel, stride, dilation)
        expect(convPadding(input, kernel, stride, 'same', dilation)).toEqual([same.left, same.right])
        expect(convAxis('conv2d', input, kernel, stride, 'same', dilation)).toBe(same.out)
        // The counted windows with that padding are exactly the 'same' output.
        expect(countConvWindows(input, kernel, stride, same.left, same.right, dilation)).toBe(same.out)
        if (stride === 1) {
          expect(same.out).toBe(input)
          // PyTorch: total = dilation·(k − 1), left = total // 2, the extra element on the right.
          expect(same.left + same.right).toBe(dilation * (kernel - 1))
        }
        expect(same.right - same.left).toBeGreaterThanOrEqual(0)
        expect(same.right - same.left).toBeLessThanOrEqual(1)
      }),
      RUNS,
    )
  })

  it('numeric padding: convPadding is symmetric', () => {
    fc.assert(
      fc.property(small(1, 20), small(1, 7), small(1, 5), small(0, 6), small(1, 4), (input, kernel, stride, padding, dilation) => {
        expect(convPadding(input, kernel, stride, padding, dilation)).toEqual([padding, padding])
      }),
      RUNS,
    )
  })
})

interface ConvCase {
  rank: 1 | 2
  n: number
  c: number
  co: number
  cig: number
  groups: number
  spatial: number[]
  kernel: number[]
  stride: number[]
  padding: number[] | 'same' | 'valid'
  dilation: number[]
  bias: number[] | undefined
  forms: SpatialForm[]
}

const convCase = (transposed: boolean): fc.Arbitrary<ConvCase> =>
  fc
    .record({
      rank: fc.constantFrom<1 | 2>(1, 2),
      n: small(1, 3),
      groups: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: small(2, 3) }),
      perGroupIn: small(1, 3),
      perGroupOut: small(1, 3),
      channelSkew: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: small(-1, 1) }),
      outSkew: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: small(1, 2) }),
      axes: fc.array(fc.record({ input: small(1, 12), kernel: small(1, 5), stride: small(1, 4), padding: small(0, 3), dilation: small(1, 3) }), {
        minLength: 2, maxLength: 2,
      }),
      paddingKind: transposed ? fc.constant('numbers' as const) : fc.constantFrom('numbers' as const, 'same' as const, 'valid' as const),
      bias: fc.constantFrom('none', 'right', 'wrongSize', 'wrongRank'),
      forms: fc.array(spatialForm, { minLength: 3, maxLength: 3 }),
    })
    .map((r) => {
      const axes = r.axes.slice(0, r.rank)
      // conv: weight [Co, Ci/groups, k…], input C = Ci; transposed: weight [Ci, Co/groups, k…].
      const ci = r.perGroupIn * r.groups
      const co = r.perGroupOut * r.groups + r.outSkew
      // The input's channels are what the weight expects, give or take the skew.
      const c = Math.max(1, (transposed ? ci + r.outSkew : ci) + r.channelSkew)
      const outChannels = transposed ? r.perGroupOut * r.groups : co
      const bias =
        r.bias === 'none' ? undefined : r.bias === 'right' ? [outChannels] : r.bias === 'wrongSize' ? [outChannels + 1] : [outChannels, 1]
      return {
        rank: r.rank,
        n: r.n,
        c,
        co: transposed ? ci + r.outSkew : co,
        cig: transposed ? r.perGroupOut : r.perGroupIn,
        groups: r.groups,
        spatial: axes.map((a) => a.input),
        kernel: axes.map((a) => a.kernel),
        stride: axes.map((a) => a.stride),
        padding: r.paddingKind === 'numbers' ? axes.map((a) => a.padding) : r.paddingKind,
        dilation: axes.map((a) => a.dilation),
        bias,
        forms: r.forms,
      }
    })

const convOptions = (k: ConvCase) => ({
  stride: encodeSpatial(k.stride, 1, k.forms[0]),
  padding: typeof k.padding === 'string' ? k.padding : encodeSpatial(k.padding, 0, k.forms[1]),
  dilation: encodeSpatial(k.dilation, 1, k.forms[2]),
  ...(k.groups === 1 && k.forms[0] === 'absent' ? {} : { groups: k.groups }),
})

/** The rule checks, in the order the type-level rule applies them, with the axes counted by brute force. */
const expectedConv = (op: string, k: ConvCase, x: number[], w: number[]) => {
  const fail = (message: string) => ({ ok: false as const, message })
  const expectedChannels = k.cig * k.groups
  const groupsText = k.groups === 1 ? '' : ` (groups ${k.groups} × ${k.cig} channels per group)`
  if (k.c !== expectedChannels) return fail(`${op}: input has ${k.c} channels but weight expects ${expectedChannels}${groupsText}`)
  if (!Number.isInteger(w[0] / k.groups)) return fail(`${op}: ${w[0]} output channels are not divisible by groups ${k.groups}`)
  if (k.bias !== undefined && k.bias.length !== 1) return fail(`${op}: bias must be [${w[0]}], got ${shapeText(k.bias)}`)
  if (k.bias !== undefined && k.bias[0] !== w[0]) return fail(`${op}: bias has ${k.bias[0]} values but weight has ${w[0]} output channels`)
  const out: number[] = []
  for (let i = 0; i < k.rank; i++) {
    const padding = k.padding === 'same' ? 'same' : k.padding === 'valid' ? 0 : k.padding[i]
    const r = bruteConvAxis(op, x[2 + i], k.kernel[i], k.stride[i], padding, k.dilation[i])
    if (!r.ok) return fail(r.message)
    out.push(r.out)
  }
  return { ok: true as const, value: [x[0], w[0], ...out] }
}

const expectedConvTranspose = (op: string, k: ConvCase, x: number[], w: number[], outputPadding: number[]) => {
  const fail = (message: string) => ({ ok: false as const, message })
  const co = k.cig * k.groups
  if (k.c !== w[0]) return fail(`${op}: input has ${k.c} channels but weight expects ${w[0]}`)
  if (!Number.isInteger(w[0] / k.groups)) return fail(`${op}: ${w[0]} input channels are not divisible by groups ${k.groups}`)
  if (k.bias !== undefined && k.bias.length !== 1) return fail(`${op}: bias must be [${co}], got ${shapeText(k.bias)}`)
  if (k.bias !== undefined && k.bias[0] !== co) return fail(`${op}: bias has ${k.bias[0]} values but weight has ${co} output channels`)
  const out: number[] = []
  for (let i = 0; i < k.rank; i++) {
    const padding = (k.padding as number[])[i]
    const r = bruteConvTransposeAxis(op, x[2 + i], k.kernel[i], k.stride[i], padding, outputPadding[i], k.dilation[i])
    if (!r.ok) return fail(r.message)
    out.push(r.out)
  }
  return { ok: true as const, value: [x[0], co, ...out] }
}

describe('convShape against the brute force', () => {
  it('output shape and the first failing check, for conv1d and conv2d with every option form', () => {
    fc.assert(
      fc.property(convCase(false), (k) => {
        const op = k.rank === 1 ? 'conv1d' : 'conv2d'
        const x = [k.n, k.c, ...k.spatial]
        const w = [k.co, k.cig, ...k.kernel]
        expectAgrees(attempt(() => convShape(op, k.rank, x, w, k.bias, convOptions(k))), expectedConv(op, k, x, w))
      }),
      RUNS,
    )
  })

  it('rejects an input or weight of the wrong rank, naming the layout', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2), fc.array(small(1, 4), { maxLength: 6 }), fc.array(small(1, 4), { maxLength: 6 }), (rank, x, w) => {
        const op = rank === 1 ? 'conv1d' : 'conv2d'
        const layout = rank === 1 ? '[N, C, L]' : '[N, C, H, W]'
        const r = attempt(() => convShape(op, rank, x, w, undefined, {}))
        if (x.length !== rank + 2) expect(r).toEqual({ ok: false, message: `${op}: expects input ${layout}, got ${shapeText(x)}` })
        else if (w.length !== rank + 2)
          expect(r).toEqual({ ok: false, message: `${op}: weight must be [Co, Ci/groups, ${rank} kernel dims], got ${shapeText(w)}` })
      }),
      RUNS,
    )
  })
})

describe('convTransposeAxis against the simulated scatter', () => {
  it('agrees with the scatter, and throws exactly when the output is empty or outputPadding is too large', () => {
    fc.assert(
      fc.property(
        small(1, 12), small(1, 6), small(1, 4), small(0, 6), small(0, 4), small(1, 4), fc.constantFrom('convTranspose1d', 'convTranspose2d'),
        (input, kernel, stride, padding, outputPadding, dilation, op) => {
          expectAgrees(
            attempt(() => convTransposeAxis(op, input, kernel, stride, padding, outputPadding, dilation)),
            fromAxis(bruteConvTransposeAxis(op, input, kernel, stride, padding, outputPadding, dilation)),
          )
        },
      ),
      RUNS,
    )
  })

  it('inverts the conv size: conv of the transposed output (same k, s, p, d) gives the input back', () => {
    fc.assert(
      fc.property(small(1, 12), small(1, 6), small(1, 4), small(0, 3), small(0, 3), small(1, 3), (input, kernel, stride, padding, outputPadding, dilation) => {
        // outputPadding below the stride only picks among the inputs that conv maps to the same size.
        if (outputPadding >= stride) return
        const t = bruteConvTransposeAxis('t', input, kernel, stride, padding, outputPadding, dilation)
        if (!t.ok) return
        expect(convTransposeAxis('t', input, kernel, stride, padding, outputPadding, dilation)).toBe(t.out)
        const back = bruteConvAxis('c', t.out, kernel, stride, padding, dilation)
        expect(back).toEqual({ ok: true, out: input })
      }),
      RUNS,
    )
  })
})

describe('convTransposeShape against the brute force', () => {
  it('output shape and the first failing check', () => {
    fc.assert(
      fc.property(convCase(true), fc.array(small(0, 3), { minLength: 2, maxLength: 2 }), spatialForm, (k, op2, form) => {
        const op = k.rank === 1 ? 'convTranspose1d' : 'convTranspose2d'
        const outputPadding = op2.slice(0, k.rank)
        const x = [k.n, k.c, ...k.spatial]
        const w = [k.co, k.cig, ...k.kernel]
        const base = convOptions(k)
        const options = { ...base, padding: base.padding as number | number[] | undefined, outputPadding: encodeSpatial(outputPadding, 0, form) }
        expectAgrees(attempt(() => convTransposeShape(op, k.rank, x, w, k.bias, options)), expectedConvTranspose(op, k, x, w, outputPadding))
      }),
      RUNS,
    )
  })
})

// ------------------------------------------------------------------ pooling

describe('poolAxis against counted windows', () => {
  it('agrees with the brute force (PyTorch ceilMode rule included) and throws exactly when no window is taken', () => {
    let ceilChecked = 0
    let dropped = 0
    fc.assert(
      fc.property(
        small(1, 16), small(1, 6), small(1, 5), small(0, 3), small(1, 3), fc.boolean(), fc.constantFrom('maxPool1d', 'maxPool2d', 'avgPool2d'),
        (input, kernel, stride, padding, dilation, ceilMode, op) => {
          const expected = brutePoolAxis(op, input, kernel, stride, padding, dilation, ceilMode)
          expectAgrees(attempt(() => poolAxis(op, input, kernel, stride, padding, dilation, ceilMode)), fromAxis(expected))
          if (ceilMode && expected.ok) {
            ceilChecked++
            const floor = brutePoolAxis(op, input, kernel, stride, padding, dilation, false)
            // ceil mode adds at most one window; PyTorch's drop rule can take it back.
            if (floor.ok) expect(expected.out - floor.out).toBeGreaterThanOrEqual(0)
            if (floor.ok) expect(expected.out - floor.out).toBeLessThanOrEqual(1)
            if (floor.ok && expected.out === floor.out && (input + 2 * padding - (dilation * (kernel - 1) + 1)) % stride !== 0) dropped++
          }
        },
      ),
      RUNS,
    )
    // The generator does reach ceil mode and the dropped-last-window rule.
    expect(ceilChecked).toBeGreaterThan(100)
    expect(dropped).toBeGreaterThan(0)
  })

  it('stride defaults to the kernel size in poolShape', () => {
    fc.assert(
      fc.property(small(1, 16), small(1, 6), fc.boolean(), (input, kernel, ceilMode) => {
        const expected = brutePoolAxis('maxPool1d', input, kernel, kernel, 0, 1, ceilMode)
        expectAgrees(attempt(() => poolShape('maxPool1d', 1, [1, 1, input], { kernelSize: kernel, ceilMode })), expected.ok
          ? { ok: true, value: [1, 1, expected.out] }
          : { ok: false, message: expected.message })
      }),
      RUNS,
    )
  })
})

describe('poolShape against the brute force', () => {
  it('output shape and the first failing axis, with every option form', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<1 | 2>(1, 2), small(1, 3), small(1, 4),
        fc.array(fc.record({ input: small(1, 12), kernel: small(1, 5), stride: small(1, 4), padding: small(0, 3), dilation: small(1, 3) }), { minLength: 2, maxLength: 2 }),
        fc.boolean(), fc.boolean(), fc.array(spatialForm, { minLength: 4, maxLength: 4 }), fc.constantFrom('maxPool', 'avgPool'),
        (rank, n, c, allAxes, ceilMode, strideGiven, forms, family) => {
          const op = `${family}${rank}d`
          const axes = allAxes.slice(0, rank)
          // avgPool has no dilation option.
          if (family === 'avgPool') axes.forEach((a) => (a.dilation = 1))
          const kernel = axes.map((a) => a.kernel)
          const options = {
            kernelSize: encodeSpatial(kernel, -1, forms[0] === 'absent' ? 'tuple' : forms[0]) as number | number[],
            stride: strideGiven ? encodeSpatial(axes.map((a) => a.stride), -1, forms[1]) : undefined,
            padding: encodeSpatial(axes.map((a) => a.padding), 0, forms[2]),
            ...(family === 'maxPool' ? { dilation: encodeSpatial(axes.map((a) => a.dilation), 1, forms[3]) } : {}),
            ceilMode,
          }
          let expected: { ok: true; value: number[] } | { ok: false; message: string } = { ok: true, value: [n, c] }
          for (const a of axes) {
            const r = brutePoolAxis(op, a.input, a.kernel, strideGiven ? a.stride : a.kernel, a.padding, a.dilation, ceilMode)
            if (!r.ok) {
              expected = { ok: false, message: r.message }
              break
            }
            if (expected.ok) expected.value.push(r.out)
          }
          expectAgrees(attempt(() => poolShape(op, rank, [n, c, ...axes.map((a) => a.input)], options)), expected)
        },
      ),
      RUNS,
    )
  })
})

// ------------------------------------------------------------------ layout

/** Two shapes that often broadcast: b is a (suffix of a) with some dims replaced by 1 or by anything. */
const shapePair = fc
  .record({
    a: fc.array(small(0, 4), { maxLength: 4 }),
    drop: small(0, 4),
    edits: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant('keep' as const) }, { weight: 3, arbitrary: fc.constant('one' as const) }, { weight: 1, arbitrary: small(0, 4) }), { minLength: 4, maxLength: 4 }),
    extra: fc.array(small(1, 3), { maxLength: 2 }),
    swap: fc.boolean(),
  })
  .map(({ a, drop, edits, extra, swap }) => {
    const b = [...extra, ...a.slice(Math.min(drop, a.length)).map((d, i) => (edits[i] === 'keep' ? d : edits[i] === 'one' ? 1 : edits[i]))]
    return swap ? { a: b, b: a } : { a, b }
  })

describe('broadcastShapes against the brute-force index check', () => {
  it('agrees with the brute force and names both shapes when they clash', () => {
    fc.assert(
      fc.property(shapePair, fc.constantFrom('add', 'mul', 'where', 'matmul'), ({ a, b }, op) => {
        const expected = bruteBroadcast(a, b)
        expectAgrees(
          attempt(() => broadcastShapes(op, a, b)),
          expected ? { ok: true, value: expected } : { ok: false, message: `${op}: shapes ${shapeText(a)} and ${shapeText(b)} cannot be broadcast` },
        )
      }),
      RUNS,
    )
  })

  it('is commutative, has [] as identity and is idempotent', () => {
    fc.assert(
      fc.property(shapePair, ({ a, b }) => {
        const ab = attempt(() => broadcastShapes('add', a, b))
        const ba = attempt(() => broadcastShapes('add', b, a))
        expect(ab.ok).toBe(ba.ok)
        if (ab.ok && ba.ok) expect(ab.value).toEqual(ba.value)
        expect(broadcastShapes('add', a, [])).toEqual(a)
        expect(broadcastShapes('add', [], a)).toEqual(a)
        expect(broadcastShapes('add', a, a)).toEqual(a)
      }),
      RUNS,
    )
  })
})

describe('reshapeShape against element counts', () => {
  const reshapeCase = fc
    .record({
      from: fc.array(small(0, 4), { maxLength: 4 }),
      split: fc.array(small(1, 4), { maxLength: 4 }),
      noise: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.array(small(0, 5), { maxLength: 4 }) }),
      wildcards: fc.array(small(0, 5), { maxLength: 3 }),
    })
    .map(({ from, split, noise, wildcards }) => {
      // A target with the right count most of the time: factor the count greedily by split's dims.
      let rest = countElements(from)
      const target: number[] = []
      for (const f of split) if (rest % f === 0 && rest > 0) (target.push(f), (rest /= f))
      target.push(rest)
      const t = noise ?? target
      for (const pos of wildcards) t.splice(Math.min(pos, t.length), pos < t.length ? 1 : 0, -1)
      return { from, target: t }
    })

  it('infers -1 from the count, rejects a wrong count or two -1s with the message', () => {
    fc.assert(
      fc.property(reshapeCase, ({ from, target }) => {
        const expected = bruteReshape(from, target)
        const message = target.filter((d) => d === -1).length > 1
          ? `reshape: at most one -1 is allowed, got ${shapeText(target)}`
          : `reshape: ${countElements(from)} elements cannot become ${shapeText(target)}`
        expectAgrees(attempt(() => reshapeShape(from, target)), expected ? { ok: true, value: expected } : { ok: false, message })
        if (expected) expect(countElements(reshapeShape(from, target))).toBe(countElements(from))
      }),
      RUNS,
    )
  })
})

describe('flattenShape', () => {
  it('multiplies the dims from startDim on (counted), or names the bad axis', () => {
    fc.assert(
      fc.property(fc.array(small(0, 4), { maxLength: 5 }), small(-7, 7), (shape, startDim) => {
        const rank = shape.length
        const expected =
          startDim < -rank || startDim >= rank
            ? { ok: false as const, message: `flatten: axis ${startDim} is out of range for rank ${rank}` }
            : (() => {
                const start = startDim < 0 ? startDim + rank : startDim
                return { ok: true as const, value: [...shape.slice(0, start), countElements(shape.slice(start))] }
              })()
        expectAgrees(attempt(() => flattenShape(shape, startDim)), expected)
        if (expected.ok) expect(countElements(expected.value)).toBe(countElements(shape))
      }),
      RUNS,
    )
  })
})

describe('permuteShape', () => {
  const permutation = fc.array(small(0, 4), { maxLength: 5 }).chain((shape) =>
    fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }).map((dims) => ({ shape, dims })),
  )

  it('moves every element to the permuted index (checked over the whole index space)', () => {
    fc.assert(
      fc.property(permutation, ({ shape, dims }) => {
        const out = permuteShape(shape, dims)
        let count = 0
        const seen = new Set<string>()
        for (const idx of indices(shape)) {
          const moved = dims.map((d) => idx[d])
          if (moved.some((v, i) => v >= out[i])) throw new Error(`index ${idx} moves outside ${shapeText(out)}`)
          seen.add(moved.join(','))
          count++
        }
        // A bijection: every input element lands on its own output element, and they fill the output.
        expect(seen.size).toBe(count)
        expect(countElements(out)).toBe(count)
        // Permuting back with the inverse permutation restores the shape.
        const inverse = dims.map((_, i) => dims.indexOf(i))
        expect(permuteShape(out, inverse)).toEqual(shape)
      }),
      RUNS,
    )
  })

  it('accepts negative dims like PyTorch, and rejects anything that is not a permutation with the message', () => {
    fc.assert(
      fc.property(fc.array(small(1, 4), { maxLength: 4 }), fc.array(small(-5, 5), { maxLength: 5 }), (shape, dims) => {
        const rank = shape.length
        const inRange = dims.every((d) => d >= -rank && d < rank)
        const normalized = dims.map((d) => (d < 0 ? d + rank : d))
        const isPermutation = inRange && dims.length === rank && [...normalized].sort((p, q) => p - q).every((d, i) => d === i)
        expectAgrees(
          attempt(() => permuteShape(shape, dims)),
          isPermutation
            ? { ok: true, value: normalized.map((d) => shape[d]) }
            : { ok: false, message: `permute: ${shapeText(dims)} is not a permutation of the ${shape.length} dims of ${shapeText(shape)}` },
        )
      }),
      RUNS,
    )
  })

  it('transpose is the permutation that swaps two axes', () => {
    fc.assert(
      fc.property(fc.array(small(1, 5), { minLength: 1, maxLength: 5 }), small(-6, 5), small(-6, 5), (shape, d0, d1) => {
        const rank = shape.length
        const bad = [d0, d1].find((d) => d < -rank || d >= rank)
        if (bad !== undefined) {
          expect(attempt(() => transposeShape(shape, d0, d1))).toEqual({ ok: false, message: `transpose: axis ${bad} is out of range for rank ${rank}` })
          return
        }
        const [a, b] = [d0, d1].map((d) => (d + rank) % rank)
        const dims = shape.map((_, i) => (i === a ? b : i === b ? a : i))
        expect(transposeShape(shape, d0, d1)).toEqual(permuteShape(shape, dims))
      }),
      RUNS,
    )
  })
})

describe('concatShape', () => {
  const concatCase = fc
    .record({
      base: fc.array(small(0, 4), { minLength: 1, maxLength: 4 }),
      sizes: fc.array(small(0, 4), { minLength: 1, maxLength: 4 }),
      axis: small(-5, 4),
      spoil: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ which: small(0, 3), dim: small(0, 3), kind: fc.constantFrom('dim', 'rank') }) }),
    })
    .map(({ base, sizes, axis, spoil }) => {
      const rank = base.length
      const a = axis < 0 ? axis + rank : axis
      const shapes = sizes.map((s) => base.map((d, i) => (i === a ? s : d)))
      if (spoil && spoil.which < shapes.length) {
        const s = shapes[spoil.which]
        if (spoil.kind === 'rank') s.push(1)
        else s[spoil.dim % rank] += 1
      }
      return { shapes, axis }
    })

  it('adds the sizes along the axis, and names the first clash with the shape accumulated so far', () => {
    fc.assert(
      fc.property(concatCase, ({ shapes, axis }) => {
        const rank = shapes[0].length
        let expected: { ok: true; value: number[] } | { ok: false; message: string }
        if (axis < -rank || axis >= rank) expected = { ok: false, message: `concat: axis ${axis} is out of range for rank ${rank}` }
        else {
          const a = axis < 0 ? axis + rank : axis
          let acc = [...shapes[0]]
          expected = { ok: true, value: acc }
          for (const s of shapes.slice(1)) {
            if (s.length !== acc.length) {
              expected = { ok: false, message: `concat: shapes ${shapeText(acc)} and ${shapeText(s)} have different ranks` }
              break
            }
            if (s.some((d, i) => i !== a && d !== acc[i])) {
              expected = { ok: false, message: `concat: shapes ${shapeText(acc)} and ${shapeText(s)} differ outside axis ${a}` }
              break
            }
            acc = acc.map((d, i) => (i === a ? d + s[i] : d))
            expected = { ok: true, value: acc }
          }
          // The element count of the result is the sum of the parts' counts.
          if (expected.ok) expect(countElements(expected.value)).toBe(shapes.reduce((n, s) => n + countElements(s), 0))
        }
        expectAgrees(attempt(() => concatShape(shapes, axis)), expected)
      }),
      RUNS,
    )
  })
})

describe('reduceShape', () => {
  it('drops (or keeps as 1) exactly the reduced axes; an out-of-range axis is named', () => {
    fc.assert(
      fc.property(
        fc.array(small(0, 4), { maxLength: 5 }),
        fc.oneof(fc.constant(undefined), small(-6, 5), fc.array(small(-6, 5), { maxLength: 3 })),
        fc.boolean(), fc.constantFrom('sum', 'mean', 'max', 'argmax'),
        (shape, axis, keepDims, op) => {
          const rank = shape.length
          const list = axis === undefined ? shape.map((_, i) => i) : typeof axis === 'number' ? [axis] : axis
          const bad = list.find((d) => d < -rank || d >= rank)
          if (bad !== undefined) {
            expect(attempt(() => reduceShape(op, shape, axis, keepDims))).toEqual({ ok: false, message: `${op}: axis ${bad} is out of range for rank ${rank}` })
            return
          }
          // An axis named twice (e.g. 1 and -rank+1) is an error, as in PyTorch.
          const normalized = list.map((d) => (d + rank) % rank)
          const twice = normalized.find((d, i) => normalized.indexOf(d) !== i)
          if (twice !== undefined) {
            expect(attempt(() => reduceShape(op, shape, axis, keepDims))).toEqual({ ok: false, message: `${op}: axis ${twice} appears twice` })
            return
          }
          const reduced = shape.map((_, i) => list.some((d) => (d + rank) % rank === i))
          const expected = keepDims ? shape.map((d, i) => (reduced[i] ? 1 : d)) : shape.filter((_, i) => !reduced[i])
          expect(reduceShape(op, shape, axis, keepDims)).toEqual(expected)
          // Every reduced element lands in exactly one output element: counts multiply back.
          const reducedCount = countElements(shape.filter((_, i) => reduced[i]))
          expect(countElements(expected) * reducedCount).toBe(countElements(shape))
        },
      ),
      RUNS,
    )
  })
})

describe('matmulShape against torch.matmul spelled out', () => {
  const matmulCase = fc
    .record({
      batchA: fc.array(small(1, 3), { maxLength: 2 }),
      batchB: fc.array(small(1, 3), { maxLength: 2 }),
      m: small(1, 4),
      k: small(1, 4),
      k2: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: small(1, 4) }),
      n: small(1, 4),
      oneA: fc.boolean(),
      oneB: fc.boolean(),
      scalar: fc.constantFrom(null, 'a', 'b'),
    })
    .map((r) => {
      const a = r.scalar === 'a' ? [] : r.oneA ? [r.k] : [...r.batchA, r.m, r.k]
      const kb = r.k2 ?? r.k
      const b = r.scalar === 'b' ? [] : r.oneB ? [kb] : [...r.batchB, kb, r.n]
      return { a, b }
    })

  it('agrees with the reference and names the operands when it refuses', () => {
    fc.assert(
      fc.property(matmulCase, ({ a, b }) => {
        const expected = bruteMatmul(a, b)
        const r = attempt(() => matmulShape(a, b))
        if (expected) {
          expect(r).toEqual({ ok: true, value: expected })
          return
        }
        expect(r.ok).toBe(false)
        if (a.length === 0 || b.length === 0)
          expect(r).toEqual({ ok: false, message: `matmul: operands must have rank ≥ 1, got ${shapeText(a)} and ${shapeText(b)}` })
        else if (a[a.length - 1] !== (b.length === 1 ? b[0] : b[b.length - 2]))
          expect(r).toEqual({
            ok: false,
            message: `matmul: inner dims differ: ${shapeText(a)} has ${a[a.length - 1]} but ${shapeText(b)} has ${b.length === 1 ? b[0] : b[b.length - 2]}`,
          })
        else
          expect(r).toEqual({ ok: false, message: `matmul: shapes ${shapeText(a.slice(0, -2))} and ${shapeText(b.slice(0, -2))} cannot be broadcast` })
      }),
      RUNS,
    )
  })

  it('linear is matmul with the transposed weight', () => {
    fc.assert(
      fc.property(fc.array(small(1, 3), { maxLength: 3 }), small(1, 4), small(1, 4), fc.oneof(fc.constant(0), small(-1, 1)), (lead, inF, outF, skew) => {
        const x = [...lead, inF + skew]
        const r = attempt(() => linearShape(x, [outF, inF]))
        if (inF + skew < 1) return
        if (skew !== 0) {
          expect(r).toEqual({ ok: false, message: `linear: input has ${inF + skew} features but weight expects ${inF}` })
          return
        }
        expect(r).toEqual({ ok: true, value: bruteMatmul(x, [inF, outF]) })
      }),
      RUNS,
    )
  })
})
