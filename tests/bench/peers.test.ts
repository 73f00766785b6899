/**
 * Smoke test of the peer benchmark's plumbing (bench/peers.ts and its PyTorch side, bench/peers.py):
 * each runs its smallest workload and writes well-formed results. Nothing here asserts a timing:
 * only that the figures are there, finite and positive, and that the report's table is whole.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'shapewise-peers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const positive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0

describe('bench/peers.ts --quick', () => {
  it('times the batch-1 LeNet forward and writes JSON and a markdown table', () => {
    const [json, markdown] = [join(dir, 'peers.json'), join(dir, 'peers.md')]
    execFileSync(process.execPath, ['--import', 'tsx', 'bench/peers.ts', '--quick', '--only', 'W1b1', '--no-torch', '--json', json, '--markdown', markdown], { encoding: 'utf8', timeout: 120_000 })
    const result = JSON.parse(readFileSync(json, 'utf8'))
    expect(result.quick).toBe(true)
    expect(result.shapewise.map((m: { id: string }) => m.id)).toEqual(['W1b1'])
    const [w1] = result.shapewise
    for (const figure of [w1.timing.median, w1.timing.min, w1.timing.max, w1.flop]) expect(positive(figure), String(figure)).toBe(true)
    expect(w1.timing.min).toBeLessThanOrEqual(w1.timing.median)
    expect(w1.load).toMatch(/^\d+\.\d\d \d+\.\d\d \d+\.\d\d$/)
    const table = readFileSync(markdown, 'utf8').split('\n').filter((line) => line.startsWith('|'))
    expect(table).toHaveLength(3) // header, rule, one row
    const columns = table.map((line) => line.split(' | ').length)
    expect(new Set(columns).size).toBe(1)
    expect(table[2]).toContain('W1b1')
  })
})

describe('bench/peers.py', () => {
  it('times the same workload in PyTorch and names the BLAS it loaded', () => {
    const out = execFileSync('/usr/bin/python3', ['bench/peers.py', JSON.stringify({ only: ['W1b1', 'W5'], runs: 1, warmup: 0 })], { encoding: 'utf8', timeout: 120_000 })
    const result = JSON.parse(out.trim().split('\n').at(-1)!)
    expect(result.threads).toBe(1)
    expect(Object.keys(result.workloads).sort()).toEqual(['W1b1', 'W5'])
    for (const timing of Object.values(result.workloads) as { median: number }[]) expect(positive(timing.median)).toBe(true)
    // A matmul ran, so a BLAS library is mapped into the process (OpenBLAS where libopenblas0 is installed).
    expect(result.blas.length).toBeGreaterThan(0)
  })
})
