// The module graph's two rules: no import cycles (checked by dpdm, the same command anyone can run
// with `npm run check:cycles`), and no module imports the public barrel src/index.ts except the
// package entry itself: library code is built on src/core, never on the public API.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))

describe('the module graph', () => {
  it('has no import cycles in src or types (dpdm)', () => {
    const dpdm = join(dirname(createRequire(import.meta.url).resolve('dpdm/package.json')), 'lib/bin/dpdm.js')
    // -T: type-only imports are erased from the JavaScript and cannot form a run-time cycle.
    const report = execFileSync(process.execPath, [dpdm, '--no-warning', '--no-tree', '-T', '--exit-code', 'circular:1', 'src/**/*.ts', 'types/**/*.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    })
    expect(report).toContain('Circular Dependencies')
    // Each cycle is listed as "  1) a.ts -> b.ts".
    expect(report.match(/^\s*\d+\) .*$/gm) ?? []).toEqual([])
  }, 120_000)

  it('imports the public barrel src/index.ts only from the package entry', () => {
    const barrel = join(root, 'src/index.ts')
    const importers = sourceFiles(join(root, 'src')).filter((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bfrom '(\.[^']*)'|\bimport '(\.[^']*)'/g)].some((m) => resolve(dirname(file), m[1] ?? m[2]) === barrel),
    )
    expect(importers).toEqual([])
  })
})
