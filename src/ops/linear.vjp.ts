/** Gradients of matmul and linear, as matmuls of the cotangent. */
import type { VjpTable } from '../autodiff/rule.ts'
import { sumTo } from '../autodiff/sum-to.ts'
import { matmul, reshape, permute, sum } from '../autodiff/untyped.ts'
import type { AnyTensor } from '../tree.ts'

/** Swaps the last two dims. */
const transposeLast = (x: AnyTensor) => {
  const dims = x.shape.map((_, i) => i)
  ;[dims[dims.length - 2], dims[dims.length - 1]] = [dims[dims.length - 1], dims[dims.length - 2]]
  return permute(x, dims)
}

export const linearVjp: VjpTable<'matmul' | 'linear'> = {
  matmul: ({ inputs: [a, b], dy }) => {
    // 1-D operands are matrices with a unit dim, as in the forward rule.
    const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a
    const b2 = b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b
    const m = a2.shape[a2.rank - 2]
    const n = b2.shape[b2.rank - 1]
    const dy2 = reshape(dy, [...dy.shape.slice(0, Math.max(0, dy.rank - (a.rank === 1 ? 0 : 1) - (b.rank === 1 ? 0 : 1))), m, n])
    const da = sumTo(matmul(dy2, transposeLast(b2)), a2.shape)
    const db = sumTo(matmul(transposeLast(a2), dy2), b2.shape)
    return [reshape(da, a.shape), reshape(db, b.shape)]
  },
  linear: ({ inputs: [x, w, bias], dy }) => {
    const [out, features] = w.shape
    const rows = dy.size / out
    const dx = matmul(dy, w)
    const dw = matmul(transposeLast(reshape(dy, [rows, out])), reshape(x, [rows, features]))
    const grads: (AnyTensor | null)[] = [dx, dw]
    if (bias) grads.push(reshape(sum(reshape(dy, [rows, out]), 0), [out]))
    return grads
  },
}
