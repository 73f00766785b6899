/**
 * Reads the PyTorch fixtures of the training side, written by
 * tests/fixtures/generate_training.py into tests/fixtures/training/*.json
 * (same tensor encoding as tests/fixtures/forward: see the generator's header).
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import type { Tree } from '../../src/tree.ts'
import { tensorOf, values, type FixtureTensor } from '../helpers/fixtures.ts'

export { expectClose, values, tensorOf, type FixtureTensor } from '../helpers/fixtures.ts'

export type TensorRecord = Record<string, FixtureTensor>

export interface LossCase {
  readonly name: string
  readonly op: 'crossEntropy' | 'nllLoss' | 'mseLoss' | 'binaryCrossEntropyWithLogits'
  readonly attrs: { reduction?: 'mean' | 'sum' | 'none'; labelSmoothing?: number }
  readonly inputs: [FixtureTensor, FixtureTensor]
  readonly output: FixtureTensor
  readonly grads: { seed: FixtureTensor; inputs: [FixtureTensor, FixtureTensor | null] }
}

export interface OptimizerStep {
  readonly lr: number
  readonly grads: TensorRecord
  readonly params: TensorRecord
  readonly slots: { momentum?: TensorRecord; m?: TensorRecord; v?: TensorRecord }
}
export interface OptimizerCase {
  readonly name: string
  readonly optimizer: 'sgd' | 'adam' | 'adamW'
  readonly options: Record<string, number | boolean>
  readonly params: TensorRecord
  readonly steps: OptimizerStep[]
}

export interface ScheduleCase {
  readonly name: string
  readonly schedule: 'stepDecay' | 'cosineDecay'
  readonly options: Record<string, number>
  readonly lrs: number[]
}

export interface LenetStep {
  readonly x: FixtureTensor
  readonly y: FixtureTensor
  readonly loss: FixtureTensor
  readonly logits: FixtureTensor
  readonly grads?: TensorRecord
  readonly params: TensorRecord
}
export interface LenetCase {
  readonly name: string
  readonly options: { lr: number; momentum: number }
  readonly params: TensorRecord
  readonly steps: LenetStep[]
}

interface Files {
  losses: LossCase
  optimizers: OptimizerCase
  schedules: ScheduleCase
  lenet: LenetCase
}

export const loadTraining = <F extends keyof Files>(file: F): Files[F][] =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/training/${file}.json`, import.meta.url)), 'utf8')).cases


/**
 * The tree a record of flattenTree paths describes: "conv.weight" nests
 * records, a numeric segment ("blocks.0.gamma") an array.
 */
export const treeOf = (record: TensorRecord): Tree => {
  const root: Record<string, unknown> = {}
  for (const [path, t] of Object.entries(record)) {
    const parts = path.split('.')
    let node: Record<string, unknown> = root
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = tensorOf(t)
      else node = (node[part] ??= /^\d+$/.test(parts[i + 1]) ? [] : {}) as Record<string, unknown>
    })
  }
  return root as Tree
}

/**
 * Normwise check: max|a − e| ≤ rtol · max|e| + atol over the whole tensor.
 * Unlike an elementwise relative error it stays meaningful for tensors whose
 * entries are all much smaller than 1 (gradients, updates), where
 * expectClose's absolute floor of 1 would let a 10% error through. atol
 * (default 0) covers what float32 cannot resolve, e.g. the rounding of a
 * parameter when the update is the difference of two parameters.
 */
export const expectNormClose = (actual: ArrayLike<number>, expected: FixtureTensor | ArrayLike<number>, name: string, rtol: number, atol = 0) => {
  const want = 'data' in expected ? values(expected) : Array.from(expected)
  expect(actual.length, `${name}: length`).toBe(want.length)
  let scale = 0
  let worst = 0
  let at = -1
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]))
    const d = Math.abs(actual[i] - want[i])
    if (!(d <= worst)) { worst = Number.isNaN(d) ? Infinity : d; at = i }
  }
  expect(worst, `${name}: max error ${worst} at ${at} (got ${actual[at]}, want ${want[at]}) against scale ${scale}`).toBeLessThanOrEqual(rtol * scale + atol)
}
