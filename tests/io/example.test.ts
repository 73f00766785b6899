/** examples/pytorch-interop.ts runs end to end: PyTorch weights in, fine-tuned in shapewise, back into PyTorch. */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { temporaryFolder } from './helpers.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const out = temporaryFolder('interop-example')

it('examples/pytorch-interop.ts: same outputs as PyTorch, learns, and PyTorch reproduces the fine-tuned model', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/pytorch-interop.ts', '--out', out], { cwd: root, timeout: 240_000 })
  const number = (label: string) => Number(new RegExp(`${label}: ([-+.\\de]+)`).exec(stdout)?.[1])
  expect(number("max difference from PyTorch's outputs")).toBeLessThan(1e-4)
  const before = number('held-out accuracy before fine-tuning')
  const after = number('held-out accuracy after one epoch on 3000 digits')
  expect(after, stdout).toBeGreaterThan(80)
  expect(after).toBeGreaterThan(before + 50)
  expect(number('PyTorch loaded it; relative error of its outputs'), stdout).toBeLessThanOrEqual(1e-4)
}, 300_000)
