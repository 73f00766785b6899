/** Parameter trees: flattenTree, mapTree, zipTrees, countParameters (host-side, no device work). */
import { describe, expect, it } from 'vitest'
import { zeros, ones, fromArray, type Tensor } from '../../src/index.ts'
import { flattenTree, mapTree, zipTrees, countParameters, leaves, type AnyTensor } from '../../src/nn/index.ts'

const tree = () => ({
  conv: { weight: zeros([4, 3, 3, 3]), bias: zeros([4]) },
  blocks: [{ gamma: ones([5]) }, { gamma: ones([2, 2]) }],
  scale: zeros([]),
})

describe('flattenTree', () => {
  it('lists every leaf with its dotted path, arrays by index, in a stable order', () => {
    const t = tree()
    const flat = flattenTree(t)
    expect(flat.map(([p]) => p)).toEqual(['conv.weight', 'conv.bias', 'blocks.0.gamma', 'blocks.1.gamma', 'scale'])
    expect(flat[0][1]).toBe(t.conv.weight)
    expect(flat[3][1]).toBe(t.blocks[1].gamma)
    expect(leaves(t)).toEqual(flat.map(([, l]) => l))
  })

  it('a lone tensor is one leaf with the empty path; an empty record has none', () => {
    const x = zeros([2])
    expect(flattenTree(x)).toEqual([['', x]])
    expect(flattenTree({})).toEqual([])
    expect(flattenTree([])).toEqual([])
  })
})

describe('mapTree', () => {
  it('keeps the structure, visits each leaf with its path, and types the result', () => {
    const t = tree()
    const seen: string[] = []
    const shapes = mapTree(t, (leaf, path) => {
      seen.push(path)
      return leaf.shape.join('x')
    })
    const typed: { conv: { weight: string; bias: string }; blocks: { gamma: string }[]; scale: string } = shapes
    expect(typed).toEqual({ conv: { weight: '4x3x3x3', bias: '4' }, blocks: [{ gamma: '5' }, { gamma: '2x2' }], scale: '' })
    expect(Array.isArray(typed.blocks)).toBe(true)
    expect(seen).toEqual(['conv.weight', 'conv.bias', 'blocks.0.gamma', 'blocks.1.gamma', 'scale'])
  })

  it('maps tensors to tensors (a tree of the same type)', () => {
    const t = { w: zeros([2, 3]) as Tensor<[2, 3]> }
    const doubled = mapTree(t, (x) => x)
    expect(doubled.w).toBe(t.w)
  })
})

describe('zipTrees', () => {
  it('combines matching leaves of trees with one structure', () => {
    const a = { x: fromArray([1, 2], [2]), y: [fromArray([3], [1])] }
    const b = { x: fromArray([10, 20], [2]), y: [fromArray([30], [1])] }
    const pairs = zipTrees([a, b], (ls: AnyTensor[], path) => `${path}:${ls.map((l) => Array.from(l.node.data as Float32Array)).join('|')}`)
    expect(pairs).toEqual({ x: 'x:1,2|10,20', y: ['y.0:3|30'] })
  })

  it('refuses trees of different structures', () => {
    // Trees of different types: the check is at run time.
    const zipAny = zipTrees as unknown as (trees: unknown[], f: () => number) => unknown
    expect(() => zipAny([{ a: zeros([1]) }, { b: zeros([1]) }], () => 0)).toThrow('zipTrees: trees have different structures')
    expect(() => zipAny([{ a: zeros([1]) }, { a: zeros([1]), b: zeros([1]) }], () => 0)).toThrow('zipTrees: trees have different structures')
    expect(() => zipAny([[zeros([1])], [zeros([1]), zeros([1])]], () => 0)).toThrow('zipTrees: trees have different structures')
  })
})

describe('countParameters', () => {
  it('sums the sizes of the leaves (a scalar counts 1)', () => {
    expect(countParameters(tree())).toBe(108 + 4 + 5 + 4 + 1)
    expect(countParameters({})).toBe(0)
    expect(countParameters(zeros([0, 3]))).toBe(0)
    expect(countParameters(zeros([7]))).toBe(7)
  })
})
