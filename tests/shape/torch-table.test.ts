/**
 * One-axis output sizes against PyTorch itself: torch-axis-table.json holds
 * every small configuration of one conv / transposed conv / pooling axis and
 * the length PyTorch 1.13 computes (null where it refuses). Both the
 * brute-force references and the run-time twins must reproduce it.
 *
 * Regenerate with: /usr/bin/python3 tests/shape/torch-axis-table.py
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { convAxis, convTransposeAxis } from '../../src/shape/conv.ts'
import { poolAxis } from '../../src/shape/pool.ts'
import { ShapeError } from '../../src/shape/errors.ts'
import { bruteConvAxis, bruteConvTransposeAxis, brutePoolAxis, type AxisResult } from './brute-force.ts'

interface Section<Row> {
  readonly columns: readonly string[]
  readonly rows: readonly Row[]
}
interface Table {
  readonly torch: string
  readonly conv: Section<[number, number, number, number | 'same', number, number | null]>
  readonly convTranspose: Section<[number, number, number, number, number, number, number | null]>
  readonly pool: Section<[number, number, number, number, number, boolean, number | null]>
}

const table = JSON.parse(readFileSync(new URL('./torch-axis-table.json', import.meta.url), 'utf8')) as Table

/** The twin's answer as PyTorch's table writes it: a length, or null for a ShapeError. */
const twin = (f: () => number): number | null => {
  try {
    return f()
  } catch (e) {
    if (e instanceof ShapeError) return null
    throw e
  }
}
const brute = (r: AxisResult): number | null => (r.ok ? r.out : null)

describe(`one-axis output sizes against PyTorch ${table.torch}`, () => {
  it('the table covers enough ground', () => {
    expect(table.conv.rows.length).toBeGreaterThan(1500)
    expect(table.convTranspose.rows.length).toBeGreaterThan(2000)
    expect(table.pool.rows.length).toBeGreaterThan(2000)
    expect(table.pool.rows.some((r) => r[6] === null)).toBe(true)
  })

  it('conv: counted windows and convAxis both give PyTorch’s length (null where PyTorch refuses)', () => {
    const mismatches: string[] = []
    for (const [input, kernel, stride, padding, dilation, out] of table.conv.rows) {
      const b = brute(bruteConvAxis('conv1d', input, kernel, stride, padding, dilation))
      const t = twin(() => convAxis('conv1d', input, kernel, stride, padding, dilation))
      if (b !== out || t !== out) mismatches.push(`in ${input} k ${kernel} s ${stride} p ${padding} d ${dilation}: torch ${out}, brute ${b}, twin ${t}`)
    }
    expect(mismatches).toEqual([])
  })

  it('convTranspose: the simulated scatter and convTransposeAxis both give PyTorch’s length', () => {
    const mismatches: string[] = []
    for (const [input, kernel, stride, padding, outputPadding, dilation, out] of table.convTranspose.rows) {
      const b = brute(bruteConvTransposeAxis('convTranspose1d', input, kernel, stride, padding, outputPadding, dilation))
      const t = twin(() => convTransposeAxis('convTranspose1d', input, kernel, stride, padding, outputPadding, dilation))
      if (b !== out || t !== out)
        mismatches.push(`in ${input} k ${kernel} s ${stride} p ${padding} op ${outputPadding} d ${dilation}: torch ${out}, brute ${b}, twin ${t}`)
    }
    expect(mismatches).toEqual([])
  })

  it('pool: counted windows give PyTorch’s length everywhere, ceilMode included', () => {
    const mismatches: string[] = []
    for (const [input, kernel, stride, padding, dilation, ceilMode, out] of table.pool.rows) {
      const b = brute(brutePoolAxis('avgPool1d', input, kernel, stride, padding, dilation, ceilMode))
      if (b !== out) mismatches.push(`in ${input} k ${kernel} s ${stride} p ${padding} d ${dilation} ceil ${ceilMode}: torch ${out}, brute ${b}`)
    }
    expect(mismatches).toEqual([])
  })

  it('pool: poolAxis gives PyTorch’s length', () => {
    const unexplained: string[] = []
    for (const [input, kernel, stride, padding, dilation, ceilMode, out] of table.pool.rows) {
      const t = twin(() => poolAxis('avgPool1d', input, kernel, stride, padding, dilation, ceilMode))
      if (t === out) continue
      unexplained.push(`in ${input} k ${kernel} s ${stride} p ${padding} d ${dilation} ceil ${ceilMode}: torch ${out}, twin ${t}`)
    }
    expect(unexplained).toEqual([])
  })
})
