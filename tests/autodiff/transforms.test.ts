/**
 * valueAndGrad, grad, vjp and valueAndGradWithAux as function transformations
 * over trees of tensors: argnums, the structure of what comes back, zeros for
 * leaves the output ignores, the errors, and stopGradient. Every number is
 * checked against a float64 twin of the function (finite differences) or a
 * hand-derived gradient.
 */
import { describe, expect, it } from 'vitest'
import {
  add, fromArray, grad, matmul, mean, memory, mul, relu, scope, ShapeError, stopGradient, sum, tanh, tensor, valueAndGrad, valueAndGradWithAux,
  vjp, flattenTree, type AnyTensor, type Tensor, type Tree,
} from '../../src/index.ts'
import { expectClose, finiteDifferences, matmul64, transpose64, values } from '../helpers/reference.ts'

const read = async (t: AnyTensor) => Array.from((await t.data()) as Float32Array)
const shapes = (tree: Tree) => flattenTree(tree).map(([path, t]) => [path, [...t.shape]])

// ---------------------------------------------------------------- a small model and its float64 twin
// loss(p, x) = mean(tanh(x·w + b)²) with x [3, 4], w [4, 2], b [2].
const X = values(12, 1)
const W = values(8, 2)
const B = values(2, 3)
const makeParams = () => ({ w: fromArray(W, [4, 2]), b: fromArray(B, [2]) })
type Params = ReturnType<typeof makeParams>
const loss = (p: Params, x: Tensor<[3, 4]>) => {
  const y = tanh(add(matmul(x, p.w), p.b))
  return mean()(mul(y, y))
}
const loss64 = ([x, w, b]: number[][]) => {
  const xw = matmul64(x, w, 3, 4, 2)
  return xw.reduce((s, v, i) => s + Math.tanh(v + b[i % 2]) ** 2, 0) / 6
}
const [dX, dW, dB] = finiteDifferences(loss64, [X, W, B])

describe('valueAndGrad', () => {
  it('returns the value and gradients shaped like the parameter record, matching float64 finite differences', async () => {
    const p = makeParams()
    const [value, g] = valueAndGrad(loss)(p, fromArray(X, [3, 4]))
    expect(Object.keys(g)).toEqual(['w', 'b'])
    expect(shapes(g)).toEqual([['w', [4, 2]], ['b', [2]]])
    expect(value.shape).toEqual([])
    expectClose(await read(value), [loss64([X, W, B])], { name: 'value' })
    expectClose(await read(g.w), dW, { name: 'dw' })
    expectClose(await read(g.b), dB, { name: 'db' })
  })

  it('argnums as a number differentiates that argument only', async () => {
    const gx = grad(loss, { argnums: 1 })(makeParams(), fromArray(X, [3, 4]))
    expect(gx.shape).toEqual([3, 4])
    expectClose(await read(gx), dX, { name: 'dx' })
  })

  it('argnums as a tuple gives a tuple of gradients, in the order asked for', async () => {
    // f(p, s, x) = s · loss(p, x): ∂f/∂s = loss, ∂f/∂x = s · ∂loss/∂x, ∂f/∂p = s · ∂loss/∂p.
    const f = (p: Params, s: Tensor<[]>, x: Tensor<[3, 4]>) => mul(loss(p, x), s)
    const [value, [gx, gs, gp]] = valueAndGrad(f, { argnums: [2, 1, 0] })(makeParams(), tensor(3), fromArray(X, [3, 4]))
    expect([gx.shape, gs.shape]).toEqual([[3, 4], []])
    expect(Object.keys(gp)).toEqual(['w', 'b'])
    expectClose(await read(value), [3 * loss64([X, W, B])], { name: 'value' })
    expectClose(await read(gs), [loss64([X, W, B])], { name: 'ds' })
    expectClose(await read(gx), dX.map((v) => 3 * v), { name: 'dx' })
    expectClose(await read(gp.w), dW.map((v) => 3 * v), { name: 'dw' })
    expectClose(await read(gp.b), dB.map((v) => 3 * v), { name: 'db' })
  })

  it('a one-element tuple of argnums still gives a tuple', async () => {
    const g = grad(loss, { argnums: [1] })(makeParams(), fromArray(X, [3, 4]))
    expect(Array.isArray(g)).toBe(true)
    expect(g).toHaveLength(1)
    expectClose(await read(g[0]), dX, { name: 'dx' })
  })

  it('gradients of nested records and arrays come back with the same structure', async () => {
    // Two layers in an array, a scalar in the record, and a nested record the loss never reads.
    const params = {
      layers: [
        { w: fromArray(values(6, 4), [3, 2]), b: fromArray(values(2, 5), [2]) },
        { w: fromArray(values(4, 6), [2, 2]), b: fromArray(values(2, 7), [2]) },
      ] as const,
      scale: tensor(0.5),
      extra: { unused: fromArray(values(6, 8), [2, 3]), deeper: [tensor([1, 2, 3])] },
    }
    const x = fromArray(values(6, 9), [2, 3])
    const f = (p: typeof params) => {
      const h = relu(add(matmul(x, p.layers[0].w), p.layers[0].b))
      const y = add(matmul(h, p.layers[1].w), p.layers[1].b)
      return mul(sum()(mul(y, y)), p.scale)
    }
    const g = grad(f)(params)
    expect(Array.isArray(g.layers)).toBe(true)
    expect(Array.isArray(g.extra.deeper)).toBe(true)
    expect(shapes(g)).toEqual(shapes(params))

    const f64 = ([w0, b0, w1, b1, s]: number[][]) => {
      const h = matmul64(values(6, 9), w0, 2, 3, 2).map((v, i) => Math.max(0, v + b0[i % 2]))
      const y = matmul64(h, w1, 2, 2, 2).map((v, i) => v + b1[i % 2])
      return y.reduce((a, v) => a + v * v, 0) * s[0]
    }
    const inputs = [values(6, 4), values(2, 5), values(4, 6), values(2, 7), [0.5]]
    const [dw0, db0, dw1, db1, ds] = finiteDifferences(f64, inputs)
    expectClose(await read(g.layers[0].w), dw0, { name: 'layers.0.w' })
    expectClose(await read(g.layers[0].b), db0, { name: 'layers.0.b' })
    expectClose(await read(g.layers[1].w), dw1, { name: 'layers.1.w' })
    expectClose(await read(g.layers[1].b), db1, { name: 'layers.1.b' })
    expectClose(await read(g.scale), ds, { name: 'scale' })
    expect(await read(g.extra.unused)).toEqual([0, 0, 0, 0, 0, 0])
    expect(await read(g.extra.deeper[0])).toEqual([0, 0, 0])
  })

  it('leaves and arguments the output does not depend on get zeros of their own shape', async () => {
    const f = (p: { used: Tensor<[2]>; unused: Tensor<[2, 3]> }, ignored: Tensor<[4]>) => sum()(mul(p.used, p.used))
    const [gp, gi] = grad(f, { argnums: [0, 1] })({ used: tensor([1, -2]), unused: fromArray(values(6), [2, 3]) }, tensor([1, 2, 3, 4]))
    expect(await read(gp.used)).toEqual([2, -4])
    expect(gp.unused.shape).toEqual([2, 3])
    expect(await gp.unused.array()).toEqual([[0, 0, 0], [0, 0, 0]])
    expect(await read(gi)).toEqual([0, 0, 0, 0])
  })

  it('a function that returns a constant has zero gradients and its own value', async () => {
    const [value, g] = valueAndGrad((_x: Tensor<[3]>) => tensor(7))(tensor([1, 2, 3]))
    expect(await read(value)).toEqual([7])
    expect(await read(g)).toEqual([0, 0, 0])
  })

  it('a one-element output of rank > 0 counts as a scalar', async () => {
    const g = grad((x: Tensor<[1, 3]>) => sum({ axis: 1, keepDims: true })(mul(x, x)))(tensor([[1, 2, 3]]))
    expect(await g.array()).toEqual([[2, 4, 6]])
  })

  it('a non-scalar output is a ShapeError naming its shape', () => {
    const f = (x: Tensor<[3, 2]>) => relu(x)
    const x = fromArray(values(6), [3, 2])
    expect(() => valueAndGrad(f)(x)).toThrow(ShapeError)
    expect(() => valueAndGrad(f)(x)).toThrow('valueAndGrad: the function must return a scalar, got shape [3, 2]')
    expect(() => grad(f)(x)).toThrow('got shape [3, 2]')
    expect(() => valueAndGradWithAux((y: Tensor<[3, 2]>) => [relu(y), 0] as const)(x)).toThrow('must return a scalar, got shape [3, 2]')
    expect(() => grad((y: Tensor<[0]>) => y)(fromArray([], [0]))).toThrow('got shape [0]')
  })

  it('a function that does not return a tensor, or a non-tensor argnum, is a named error', () => {
    expect(() => valueAndGrad((() => 3) as unknown as (x: AnyTensor) => AnyTensor)(tensor(1))).toThrow('valueAndGrad: the function must return a tensor')
    const f = (x: Tensor<[]>, k: number) => mul(x, k)
    expect(() => grad(f, { argnums: 1 })(tensor(2), 3)).toThrow('valueAndGrad: argument 1 is not a tensor or a tree of tensors')
    expect(() => grad(f, { argnums: [0, 1] })(tensor(2), 3)).toThrow(ShapeError)
  })

  it('does no device work until a result is read', () =>
    scope(async () => {
      const before = memory()
      const [value, g] = valueAndGrad(loss)(makeParams(), fromArray(X, [3, 4]))
      expect(memory().deviceTensors).toBe(before.deviceTensors)
      expect(memory().inUseBytes).toBe(before.inUseBytes)
      expectClose(await read(g.b), dB)
      expect(value.isDisposed).toBe(false)
    }))
})

describe('vjp', () => {
  // f(a, b) = a·b with a [2, 3], b [3, 4]: for a cotangent c [2, 4], ā = c·bᵀ and b̄ = aᵀ·c.
  const A = values(6, 11)
  const Bm = values(12, 12)
  const C = values(8, 13)

  it('pulls a given cotangent back to every primal (hand-derived matmul rule)', async () => {
    const [out, pullback] = vjp((a: AnyTensor, b: AnyTensor) => matmul(a as Tensor<[2, 3]>, b as Tensor<[3, 4]>), fromArray(A, [2, 3]), fromArray(Bm, [3, 4]))
    expect(out.shape).toEqual([2, 4])
    expectClose(await read(out), matmul64(A, Bm, 2, 3, 4), { name: 'out' })
    const [ga, gb] = pullback(fromArray(C, [2, 4]))
    expect([ga.shape, gb.shape]).toEqual([[2, 3], [3, 4]])
    expectClose(await read(ga), matmul64(C, transpose64(Bm, 3, 4), 2, 4, 3), { name: 'ā' })
    expectClose(await read(gb), matmul64(transpose64(A, 2, 3), C, 3, 2, 4), { name: 'b̄' })
  })

  it('the pullback is linear and can be called with several cotangents', async () => {
    const x = fromArray(values(4, 14), [4])
    const [, pullback] = vjp((t: AnyTensor) => tanh(mul(t, t)), x)
    const c1 = values(4, 15)
    const c2 = values(4, 16)
    const [g1] = pullback(fromArray(c1, [4]))
    const [g2] = pullback(fromArray(c2, [4]))
    const [g12] = pullback(fromArray(c1.map((v, i) => v + c2[i]), [4]))
    const xs = values(4, 14)
    // d tanh(x²)/dx = 2x (1 − tanh²(x²)).
    const d = xs.map((v) => 2 * v * (1 - Math.tanh(v * v) ** 2))
    expectClose(await read(g1), d.map((v, i) => v * c1[i]), { name: 'c1' })
    expectClose(await read(g2), d.map((v, i) => v * c2[i]), { name: 'c2' })
    expectClose(await read(g12), d.map((v, i) => v * (c1[i] + c2[i])), { name: 'c1 + c2' })
  })

  it('primals may be trees; each cotangent has its primal\'s structure', async () => {
    const p = { w: fromArray(values(6, 17), [3, 2]), rest: [fromArray(values(2, 18), [2])] }
    const x = fromArray(values(3, 19), [1, 3])
    const [out, pullback] = vjp((q: typeof p) => add(matmul(x, q.w), q.rest[0]), p)
    expect(out.shape).toEqual([1, 2])
    const [gp] = pullback(tensor([[1, -1]]))
    expect(shapes(gp)).toEqual(shapes(p))
    // w̄[i][j] = x[i] · c[j], bias gradient = c.
    const xs = values(3, 19)
    expectClose(await read(gp.w), xs.flatMap((v) => [v, -v]), { name: 'w̄' })
    expectClose(await read(gp.rest[0]), [1, -1], { name: 'b̄' })
  })

  it('a cotangent of the wrong shape is a ShapeError naming both shapes', () => {
    const [, pullback] = vjp((a: AnyTensor) => relu(a), fromArray(values(8), [2, 4]))
    expect(() => pullback(fromArray(values(8), [4, 2]))).toThrow(ShapeError)
    expect(() => pullback(fromArray(values(8), [4, 2]))).toThrow('vjp: cotangent has shape [4, 2] but the output has [2, 4]')
    expect(() => pullback(tensor(1))).toThrow('vjp: cotangent has shape [] but the output has [2, 4]')
  })
})

describe('valueAndGradWithAux', () => {
  it('returns aux untouched, from the same graph as the loss, calling the function once', async () => {
    let calls = 0
    let returned: { logits: AnyTensor; note: string } | undefined
    const f = (p: Params, x: Tensor<[3, 4]>) => {
      calls++
      const logits = add(matmul(x, p.w), p.b)
      const y = tanh(logits)
      returned = { logits, note: 'aux' }
      return [mean()(mul(y, y)), returned] as const
    }
    const [[value, aux], g] = valueAndGradWithAux(f)(makeParams(), fromArray(X, [3, 4]))
    expect(calls).toBe(1)
    expect(aux).toBe(returned)
    expect(aux.note).toBe('aux')
    // The loss is computed from the very node aux holds.
    const ancestors = new Set<unknown>()
    const walk = (n: AnyTensor['node']) => {
      if (ancestors.has(n)) return
      ancestors.add(n)
      n.inputs.forEach(walk)
    }
    walk(value.node)
    expect(ancestors.has(aux.logits.node)).toBe(true)
    expectClose(await read(value), [loss64([X, W, B])], { name: 'value' })
    expectClose(await read(aux.logits), matmul64(X, W, 3, 4, 2).map((v, i) => v + B[i % 2]), { name: 'logits' })
    expectClose(await read(g.w), dW, { name: 'dw' })
    expectClose(await read(g.b), dB, { name: 'db' })
  })

  it('takes argnums like valueAndGrad', async () => {
    const f = (p: Params, x: Tensor<[3, 4]>) => [loss(p, x), x.shape[0]] as const
    const [[, rows], [gx]] = valueAndGradWithAux(f, { argnums: [1] })(makeParams(), fromArray(X, [3, 4]))
    expect(rows).toBe(3)
    expectClose(await read(gx), dX, { name: 'dx' })
  })
})

describe('stopGradient', () => {
  it('blocks the gradient through its input: d/dx Σ x·sg(x) = x, not 2x', async () => {
    const x = tensor([1, -2, 3])
    const [value, g] = valueAndGrad((t: Tensor<[3]>) => sum()(mul(t, stopGradient(t))))(x)
    expect(await read(value)).toEqual([14])
    expect(await read(g)).toEqual([1, -2, 3])
  })

  it('a parameter reached only through stopGradient gets zeros', async () => {
    const p = { w: tensor([2, 3]), frozen: tensor([5, 7]) }
    const g = grad((q: typeof p) => sum()(mul(q.w, stopGradient(q.frozen))))(p)
    expect(await read(g.w)).toEqual([5, 7])
    expect(await read(g.frozen)).toEqual([0, 0])
    const all = grad((t: Tensor<[2]>) => sum()(stopGradient(mul(t, t))))(tensor([1, 2]))
    expect(await read(all)).toEqual([0, 0])
  })
})

describe('a tensor passed in several places', () => {
  it('gets the gradient of each place separately, as in JAX (tied weights are not counted twice)', async () => {
    const t = tensor([1, 2, 3])
    const g = grad((p: { a: Tensor<[3]>; b: Tensor<[3]> }) => sum()(add(mul(p.a, 2), mul(p.b, 3))))({ a: t, b: t })
    expect(await read(g.a)).toEqual([2, 2, 2])
    expect(await read(g.b)).toEqual([3, 3, 3])
    const both = grad((x: Tensor<[3]>, y: Tensor<[3]>) => sum()(mul(x, y)), { argnums: [0, 1] })(t, t)
    expect(await read(both[0])).toEqual([1, 2, 3])
    expect(await read(both[1])).toEqual([1, 2, 3])
  })
})
