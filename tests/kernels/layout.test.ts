import { describe, expect, it } from 'vitest'
import { concat, fromArray, pad, permute, reshape, slice, transpose, type Tensor } from '../../src/index.ts'
import { makeNode } from '../../src/graph.ts'
import { lower } from '../../src/compiler/kernel.ts'
import { constant } from '../../src/core/leaves.ts'
import { reshapePrimitive } from '../../src/core/ops.ts'
import { realize } from '../../src/realize.ts'

type AnyTensor = Tensor<readonly number[], any>
const api = { concat, pad, permute, reshape, slice, transpose } as unknown as Record<string, any>

describe('layout kernels', () => {
  it('reshape is a view: no kernel, same buffer', () => {
    const x = makeNode(constant, [], {}, [2, 3], 'float32', new Float32Array(6))
    expect(lower(makeNode(reshapePrimitive, [x], { shape: [3, 2] }, [3, 2], 'float32'))).toEqual({ alias: 0 })
  })

  it('concat of many inputs (more than one kernel step), with empty ones, int32 and bool', async () => {
    const parts = Array.from({ length: 10 }, (_, k) => fromArray(Array.from({ length: 2 * k * 3 }, (_, i) => 100 * k + i), [2, k, 3]))
    const y = api.concat(parts, 1) as AnyTensor
    expect(y.shape).toEqual([2, 45, 3])
    const node = y.node
    const lowering = lower(node)
    expect('steps' in lowering && lowering.steps.length).toBe(2)
    const ints = api.concat([fromArray([1, 2], [2], 'int32'), fromArray([-3], [1], 'int32')], 0) as AnyTensor
    const bools = api.concat([fromArray([1, 0], [1, 2], 'bool'), fromArray([0, 1, 1, 1], [2, 2], 'bool')], 0) as AnyTensor
    const [v, iv, bv] = await realize([node, ints.node, bools.node])
    const want: number[] = []
    for (let b = 0; b < 2; b++) for (let k = 0; k < 10; k++) for (let i = 0; i < k * 3; i++) want.push(100 * k + b * k * 3 + i)
    expect(Array.from(v)).toEqual(want)
    expect(Array.from(iv)).toEqual([1, 2, -3])
    expect(Array.from(bv)).toEqual([1, 0, 0, 1, 1, 1])
  })

  it('pad with a -Infinity value, negative pads (cropping) and int32', async () => {
    const x = fromArray([1, 2, 3, 4, 5, 6], [2, 3]) as AnyTensor
    const a = api.pad([[0, 0], [1, 0]], -Infinity)(x) as AnyTensor
    const b = api.pad([[-1, 1], [0, -1]], 9)(x) as AnyTensor
    const c = api.pad([[1, 0]], 7)(fromArray([1, 2], [1, 2], 'int32')) as AnyTensor
    const [av, bv, cv] = await realize([a.node, b.node, c.node])
    expect(Array.from(av)).toEqual([-Infinity, 1, 2, 3, -Infinity, 4, 5, 6])
    expect(b.shape).toEqual([2, 2])
    expect(Array.from(bv)).toEqual([4, 5, 9, 9])
    expect(Array.from(cv)).toEqual([7, 7, 1, 2])
  })

  it('slice with omitted trailing dims and an empty result; permute of int32', async () => {
    const x = fromArray(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]) as AnyTensor
    const a = api.slice({ start: [1], end: [2] })(x) as AnyTensor
    const b = api.slice({ start: [0, 3], end: [2, 5] })(x) as AnyTensor
    const p = api.permute([1, 0])(fromArray([1, 2, 3, 4, 5, 6], [2, 3], 'int32')) as AnyTensor
    expect(b.shape).toEqual([2, 0, 4])
    const [av, pv] = await realize([a.node, p.node])
    expect(Array.from(av)).toEqual(Array.from({ length: 12 }, (_, i) => 12 + i))
    expect(Array.from(pv)).toEqual([1, 4, 2, 5, 3, 6])
    // (Reading an empty tensor back is refused by the executor — 'nothing to read' — so only its lowering is checked.)
    const empty = lower(b.node)
    expect('steps' in empty && empty.steps.length).toBe(0)
  })
})
