/** Gradients of the layout ops: each is the inverse movement of the cotangent. */
import type { VjpTable } from '../autodiff/rule.ts'
import { sumTo } from '../autodiff/sum-to.ts'
import { reshape, permute, slice, pad, concat, full } from '../autodiff/untyped.ts'
import type { AnyTensor } from '../tree.ts'
import { sliceRange } from '../shape/layout.ts'

/** Scatters dy back into zeros of x's shape along one sliced dim with a step (zeros interleaved). */
const unstride = (dy: AnyTensor, dim: number, step: number): AnyTensor => {
  if (step === 1) return dy
  const n = dy.shape[dim]
  const expanded = reshape(dy, [...dy.shape.slice(0, dim + 1), 1, ...dy.shape.slice(dim + 1)])
  const gaps = full([...dy.shape.slice(0, dim + 1), step - 1, ...dy.shape.slice(dim + 1)], 0)
  const interleaved = reshape(concat([expanded, gaps], dim + 1), [...dy.shape.slice(0, dim), n * step, ...dy.shape.slice(dim + 1)])
  // Keep up to the last picked element: (n − 1)·step + 1 entries.
  return slice(interleaved, dy.shape.map(() => 0), dy.shape.map((d, i) => (i === dim ? (n - 1) * step + 1 : d)))
}

export const layoutVjp: VjpTable<'reshape' | 'permute' | 'concat' | 'pad' | 'slice' | 'broadcastTo' | 'stopGradient' | 'oneHot'> = {
  reshape: ({ inputs: [x], dy }) => [reshape(dy, x.shape)],
  permute: ({ node, dy }) => {
    const dims = node.attrs.dims as number[]
    const inverse = dims.map((_, i) => dims.indexOf(i))
    return [permute(dy, inverse)]
  },
  concat: ({ node, inputs, dy }) => {
    const axis = node.attrs.axis as number
    let offset = 0
    return inputs.map((x) => {
      const start = dy.shape.map((_, i) => (i === axis ? offset : 0))
      const end = dy.shape.map((d, i) => (i === axis ? offset + x.shape[axis] : d))
      offset += x.shape[axis]
      return slice(dy, start, end)
    })
  },
  pad: ({ node, inputs: [x], dy }) => {
    const pads = node.attrs.pads as [number, number][]
    return [slice(dy, x.shape.map((_, i) => pads[i]?.[0] ?? 0), x.shape.map((d, i) => (pads[i]?.[0] ?? 0) + d))]
  },
  slice: ({ node, inputs: [x], dy }) => {
    const { start, end, step } = node.attrs as { start: number[]; end: number[]; step?: number[] }
    let g = dy
    const pads = x.shape.map((d, i) => {
      const r = sliceRange(d, start[i], end[i], step?.[i])
      if (r.size === 0) return [0, d] as [number, number]
      g = unstride(g, i, r.step)
      const covered = (r.size - 1) * r.step + 1
      return [r.start, d - r.start - covered] as [number, number]
    })
    return [pad(g, pads)]
  },
  broadcastTo: ({ inputs: [x], dy }) => [sumTo(dy, x.shape)],
  stopGradient: 'none',
  oneHot: 'none',
}
