// The primitive definitions: the registry lists each once under its own name, and `bind` computes a
// node's shape and dtype with its primitive's rule (the rule's ShapeError when the inputs do not fit).
import { describe, expect, it } from 'vitest'
import { bind } from '../../src/core/bind.ts'
import { addPrimitive, greaterPrimitive, sumPrimitive } from '../../src/core/ops.ts'
import { OP_NAMES, PRIMITIVES } from '../../src/core/registry.ts'
import { conv2dPrimitive } from '../../src/ops/conv.ts'
import activations from '../../src/ops/activations.ts'
import { fromArray, randn } from '../../src/index.ts'

describe('primitive definitions', () => {
  it('the registry holds each primitive once, under its own name, with a rule, a VJP and a lowering', () => {
    expect(new Set(OP_NAMES).size).toBe(OP_NAMES.length)
    for (const [name, definition] of Object.entries(PRIMITIVES)) {
      expect(definition.name).toBe(name)
      for (const part of ['shape', 'vjp', 'lower'] as const) expect(typeof definition[part], `${name}.${part}`).toBe('function')
    }
    // The activations added in src/ops/activations.ts are listed without an edit to the registry.
    expect(OP_NAMES).toEqual(expect.arrayContaining(['elu', 'silu', 'hardswish', 'conv2d', 'convWeightGrad']))
  })

  it('bind computes shape and dtype with the rule and keeps the params on the node', () => {
    const a = fromArray([1, 2, 3, 4, 5, 6], [2, 3])
    const b = fromArray([10, 20, 30], [3])
    expect(bind(addPrimitive, [a.node, b.node], {})).toMatchObject({ op: 'add', shape: [2, 3], dtype: 'float32' })
    expect(bind(greaterPrimitive, [a.node, b.node], {})).toMatchObject({ shape: [2, 3], dtype: 'bool' })
    expect(bind(sumPrimitive, [a.node], { axes: [1], keepDims: true })).toMatchObject({ shape: [2, 1], params: { axes: [1], keepDims: true } })
    const conv = bind(conv2dPrimitive, [randn([1, 3, 8, 8]).node, randn([4, 3, 3, 3]).node], { rank: 2, stride: 2, padding: 1 })
    expect(conv).toMatchObject({ op: 'conv2d', shape: [1, 4, 4, 4], params: { stride: 2, padding: 1 } })
    expect(conv.primitive).toBe(conv2dPrimitive)
    expect(bind(activations.elu, [a.node], { alpha: 0.5 })).toMatchObject({ op: 'elu', shape: [2, 3], params: { alpha: 0.5 } })
  })

  it('bind throws the rule’s error when the inputs do not fit', () => {
    const a = fromArray([1, 2, 3, 4, 5, 6], [2, 3])
    expect(() => bind(addPrimitive, [a.node, fromArray([1, 2], [2]).node], {})).toThrow('add: shapes [2, 3] and [2] cannot be broadcast')
    expect(() => bind(conv2dPrimitive, [randn([1, 2, 8, 8]).node, randn([4, 3, 3, 3]).node], { rank: 2 })).toThrow(/conv2d: .*channels/)
  })
})
