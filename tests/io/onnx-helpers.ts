/** Runs exported models in onnxruntime-node and compares them with shapewise at several input sizes. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import * as ort from 'onnxruntime-node'
import { randn, type Tensor } from '../../src/index.ts'
import { exportOnnx, type DimSpec, type ExportOnnxOptions } from '../../src/io/index.ts'
import { realize } from '../../src/realize.ts'
import type { AnyTensor } from '../../src/tree.ts'
import { relativeToScale, runGenerator } from './helpers.ts'

/** Agreement with shapewise: 1e-4 of the output's scale (float32 kernels that sum in different orders). */
export const ONNX_TOLERANCE = 1e-4

export interface OnnxCase {
  readonly name: string
  readonly shapes: readonly (readonly DimSpec[])[]
  readonly fn: (...inputs: any[]) => AnyTensor | readonly AnyTensor[]
  readonly options?: ExportOnnxOptions
  /** Sizes of the dynamic dims for the runs (default N = 1 and N = 4). */
  readonly runs?: readonly Record<string, number>[]
}

const concrete = (shape: readonly DimSpec[], sizes: Record<string, number>) => shape.map((d) => (typeof d === 'string' ? sizes[d] : d))

/** Exports `c`, saves it in `dir` for the checker, runs it in ONNX Runtime at each size and compares every output with shapewise's. */
export const exportAndCompare = async (c: OnnxCase, dir: string): Promise<{ file: string; bytes: Uint8Array }> => {
  const bytes = await exportOnnx(c.fn as never, c.shapes, c.options)
  const file = join(dir, `${c.name.replace(/[^A-Za-z0-9]+/g, '-')}.onnx`)
  writeFileSync(file, bytes)
  const session = await ort.InferenceSession.create(bytes)
  let seed = 100
  for (const sizes of c.runs ?? [{ N: 1 }, { N: 4 }]) {
    const inputs = c.shapes.map((shape) => randn(concrete(shape, sizes), { seed: seed++ }) as AnyTensor)
    const result = c.fn(...inputs)
    const ours = Array.isArray(result) ? result : [result]
    const values = await realize([...inputs, ...ours].map((t) => t.node))
    const feeds = Object.fromEntries(session.inputNames.map((name, i) => [name, new ort.Tensor('float32', values[i] as Float32Array, concrete(c.shapes[i], sizes))]))
    const out = await session.run(feeds)
    session.outputNames.forEach((name, i) => {
      const mine = ours[i] as Tensor<number[]>
      const theirs = out[name]
      const label = `${c.name} at ${JSON.stringify(sizes)}, output ${name}`
      expect(theirs.dims, label).toEqual(mine.shape)
      const got = values[inputs.length + i]
      if (mine.dtype === 'float32') expect(relativeToScale(theirs.data as Float32Array, got), label).toBeLessThanOrEqual(ONNX_TOLERANCE)
      else expect(Array.from(theirs.data as ArrayLike<number>, Number), label).toEqual(Array.from(got, Number))
    })
  }
  return { file, bytes }
}

/** onnx.checker.check_model(full_check=True) on every file, through the fixture generator (Debian's python3-onnx). */
export const expectValidOnnx = async (files: readonly string[]) => {
  const result = await runGenerator('check-onnx', ...files)
  const reports = result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { file: string; ok: boolean; error?: string })
  expect(reports.filter((r) => !r.ok), result.stderr).toEqual([])
  expect(reports.map((r) => r.file)).toEqual(files)
  expect(result.code).toBe(0)
}

/** One test per case (exported, run in ONNX Runtime, compared), then one that checks every exported file. */
export const onnxCaseTests = (cases: readonly OnnxCase[], dir: string) => {
  const files: string[] = []
  for (const c of cases)
    it(c.name, async () => {
      files.push((await exportAndCompare(c, dir)).file)
    })
  it('every exported file passes onnx.checker.check_model(full_check=True)', async () => {
    expect(files.length).toBe(cases.length)
    await expectValidOnnx(files)
  })
}
