/**
 * Compile-time budget, pinned by instantiation counts from
 * `tsc --extendedDiagnostics` (deterministic, unlike check time). Each file is
 * compiled alone and compared with a file that has the same imports and
 * applies nothing, so the number is what the model itself costs the checker.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const work = `${root}node_modules/.cache/shapewise-budget/`

interface Diagnostics {
  readonly instantiations: number
  readonly checkSeconds: number
  readonly errors: string
}

/** Type-checks one file with the project's options and TypeScript 7's tsc. */
const check = (name: string, file: string): Diagnostics => {
  mkdirSync(`${work}${name}`, { recursive: true })
  const config = `${work}${name}/tsconfig.json`
  writeFileSync(config, JSON.stringify({ extends: `${root}tsconfig.json`, include: [], files: [`${root}${file}`] }))
  let out: string
  try {
    out = execFileSync(`${root}node_modules/.bin/tsc`, ['-p', config, '--extendedDiagnostics'], { encoding: 'utf8' })
  } catch (error) {
    out = (error as { stdout: string }).stdout
  }
  const number = (label: string) => Number(new RegExp(`${label}:\\s+([\\d.]+)`).exec(out)?.[1])
  return { instantiations: number('Instantiations'), checkSeconds: number('Check time'), errors: out.split('\n').filter((l) => l.includes('error TS')).join('\n') }
}

describe('compile-time budget', () => {
  // A file with exactly the ResNet-50 test's imports, applying nothing.
  const baseline = check('baseline', 'type-tests/measure/baseline.ts')

  it('ResNet-50 forward costs at most 60,000 instantiations', () => {
    const resnet = check('resnet50', 'type-tests/resnet50.test-d.ts')
    expect(resnet.errors).toBe('')
    const cost = resnet.instantiations - baseline.instantiations
    console.log(`ResNet-50: ${cost} instantiations over the import-only baseline (${baseline.instantiations}); check ${resnet.checkSeconds}s`)
    expect(cost).toBeGreaterThan(0)
    expect(cost).toBeLessThanOrEqual(60_000)
  }, 120_000)

  it('a 1024×1024, 4096-channel, dilation-2 configuration type-checks', () => {
    const large = check('large', 'tests/types/large-config.ts')
    expect(large.errors).toBe('')
    console.log(`large configuration: ${large.instantiations - baseline.instantiations} instantiations, check ${large.checkSeconds}s`)
  }, 120_000)
})
