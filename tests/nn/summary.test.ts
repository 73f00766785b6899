/**
 * summary(): one row per op that depends on the input, with its output
 * shape and the parameters it owns; classic LeNet-5 has 61,706.
 */
import { describe, expect, it } from 'vitest'
import { pipelineCompilations, relu } from '../../src/index.ts'
import { summary, countParameters } from '../../src/nn/index.ts'
import { classic, classicParams } from '../../examples/lenet.ts'
import type { AnyTensor } from '../../src/tree.ts'

/** The table's body rows as [op, shape, params]. */
const rowsOf = (table: string) =>
  table
    .split('\n')
    .filter((line) => /^\d+\. /.test(line))
    .map((line) => {
      const m = /^(\d+)\. (\S+)\s+(\[[^\]]*\])\s+([\d,]+)$/.exec(line)
      expect(m, line).not.toBeNull()
      return [m![2], m![3], Number(m![4].replace(/,/g, ''))] as const
    })

const expectedRows = (n: number) => [
  ['conv2d', `[${n}, 6, 28, 28]`, 156],
  ['relu', `[${n}, 6, 28, 28]`, 0],
  ['maxPool2d', `[${n}, 6, 14, 14]`, 0],
  ['conv2d', `[${n}, 16, 10, 10]`, 2416],
  ['relu', `[${n}, 16, 10, 10]`, 0],
  ['maxPool2d', `[${n}, 16, 5, 5]`, 0],
  ['reshape', `[${n}, 400]`, 0],
  ['linear', `[${n}, 120]`, 48120],
  ['relu', `[${n}, 120]`, 0],
  ['linear', `[${n}, 84]`, 10164],
  ['relu', `[${n}, 84]`, 0],
  ['linear', `[${n}, 10]`, 850],
]

describe('summary', () => {
  const params = classicParams()
  const model = (x: AnyTensor) => classic(params)(x as never) as AnyTensor

  it('classic LeNet-5: 12 rows, their output shapes, 61,706 parameters', () => {
    const table = summary(model, [64, 1, 28, 28], params)
    expect(rowsOf(table)).toEqual(expectedRows(64))
    expect(table).toContain('Input: [64, 1, 28, 28]   Output: [64, 10]')
    expect(table).toContain('Total params: 61,706')
    expect(countParameters(params)).toBe(61706)
    expect(rowsOf(table).reduce((n, r) => n + r[2], 0)).toBe(61706)
  })

  it('without params, the constant inputs of each op count as its parameters', () => {
    const table = summary(model, [2, 1, 28, 28])
    expect(rowsOf(table)).toEqual(expectedRows(2))
    expect(table).toContain('Total params: 61,706')
  })

  it('a parameter-free model has rows of 0 and a total of 0', () => {
    const table = summary((x) => relu(x), [3, 4])
    expect(rowsOf(table)).toEqual([['relu', '[3, 4]', 0]])
    expect(table).toContain('Total params: 0')
  })

  it('the columns line up and the table is framed', () => {
    const lines = summary(model, [1, 1, 28, 28], params).split('\n')
    const rule = lines[0]
    expect(rule).toMatch(/^─+$/)
    expect(lines.filter((l) => l === rule)).toHaveLength(4)
    const body = lines.filter((line) => /^\d+\. /.test(line))
    // Right-aligned counts end in the same column; shapes start in the same column.
    expect(new Set(body.map((l) => l.length)).size).toBe(1)
    expect(new Set(body.map((l) => l.indexOf('[')))).toEqual(new Set([lines[1].indexOf('Output shape')]))
  })

  it('traces lazily: no kernel is compiled', () => {
    const before = pipelineCompilations()
    summary(model, [8, 1, 28, 28], params)
    expect(pipelineCompilations()).toBe(before)
  })
})
