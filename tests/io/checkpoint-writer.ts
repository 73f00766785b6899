/**
 * A training-like process for the kill -9 test (tests/io/checkpoint.test.ts):
 * saves checkpoints in a loop, forever, with every parameter and optimizer
 * value equal to the step, and prints "saved <step>" after each save returns.
 * Usage: tsx tests/io/checkpoint-writer.ts <dir> <first step>
 */
import { full } from '../../src/index.ts'
import { saveCheckpoint } from '../../src/io/index.ts'

const [dir, first] = process.argv.slice(2)
for (let step = Number(first); ; step++) {
  const value = (shape: number[]) => full(shape, step)
  const params = { conv: { weight: value([64, 32, 3, 3]), bias: value([64]) }, fc: { weight: value([10, 4096]) } }
  const optimizerState = { step: value([]), slots: { m: { conv: { weight: value([64, 32, 3, 3]) } } } }
  await saveCheckpoint(dir, { params, optimizerState, step, metadata: { step } }, { keep: 2 })
  process.stdout.write(`saved ${step}\n`)
}
