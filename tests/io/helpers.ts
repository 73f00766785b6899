/** Shared by the shapewise/io tests: fixture paths, temporary folders, the Python tooling. */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll } from 'vitest'

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/io/${name}`, import.meta.url))
export const generator = fileURLToPath(new URL('../fixtures/generate_io.py', import.meta.url))

/** A temporary folder removed after the file's tests. */
export const temporaryFolder = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `shapewise-${prefix}-`))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Runs the fixture generator's check modes with Debian's Python (python3-torch, python3-onnx). */
export const runGenerator = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)('/usr/bin/python3', [generator, ...args], { maxBuffer: 1 << 24 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) }
  }
}

/** Largest |a − b| over the largest |b|: agreement within a tolerance of the output's scale. */
export const relativeToScale = (actual: ArrayLike<number>, expected: ArrayLike<number>): number => {
  if (actual.length !== expected.length) return Infinity
  let worst = 0
  let scale = 0
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]))
    scale = Math.max(scale, Math.abs(expected[i]))
  }
  return Number.isNaN(worst) ? Infinity : worst / Math.max(scale, 1e-12)
}
