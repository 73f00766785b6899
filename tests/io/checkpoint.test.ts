/**
 * Checkpoints: round trips with and without templates, keep-last-N, a
 * resumed run that is bit-identical to an uninterrupted one, and atomicity
 * under kill -9 at random moments of a save, many times.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pipe } from 'fp-ts/lib/function.js'
import { describe, expect, it } from 'vitest'
import { conv2d, flatten, fromArray, jit, linear, relu, valueAndGrad, randn, type Tensor } from '../../src/index.ts'
import { conv2dParams, crossEntropy, linearParams } from '../../src/nn/index.ts'
import { adam, sgd, type OptimizerState } from '../../src/optim/index.ts'
import { CheckpointError, SafetensorsError, listCheckpoints, loadCheckpoint, pytorchNames, saveCheckpoint } from '../../src/io/index.ts'
import { realize } from '../../src/realize.ts'
import type { Tree } from '../../src/tree.ts'
import { temporaryFolder } from './helpers.ts'

const dir = temporaryFolder('checkpoint')

const makeParams = () => ({
  conv: conv2dParams({ inChannels: 1, outChannels: 4, kernelSize: 3 }, { seed: 21 }),
  fc: linearParams({ inFeatures: 4 * 6 * 6, outFeatures: 3 }, { seed: 23 }),
})
type Params = ReturnType<typeof makeParams>
const model = (p: Params) => (x: Tensor<[number, 1, 8, 8]>) => pipe(x, conv2d(p.conv), relu, flatten, linear(p.fc))
const optimizer = adam({ lr: 0.05 })
type State = OptimizerState<{ m: Tree; v: Tree }>

/** Every tensor's values by PyTorch name (null leaves, as in SGD's empty slots, are skipped). */
const valuesOf = async (tree: unknown) => {
  const leaves = pytorchNames(tree)
  const values = await realize(leaves.map(([, t]) => t.node))
  return Object.fromEntries(leaves.map(([path], i) => [path, Array.from(values[i])]))
}

describe('save and load', () => {
  it('round-trips params, optimizer state, step and metadata, with and without a template', async () => {
    const params = makeParams()
    const optimizerState = optimizer.init(params)
    const path = await saveCheckpoint(join(dir, 'plain'), { params, optimizerState, step: 12, metadata: { epoch: 3, note: 'warm-up done' } })
    expect(path).toMatch(/ckpt-000001-step-12$/)
    const typed = await loadCheckpoint(join(dir, 'plain'), { like: { params: makeParams(), optimizerState: optimizer.init(makeParams()) } })
    const weight: Tensor<[4, 1, 3, 3]> = typed.params.conv.weight
    expect(weight.shape).toEqual([4, 1, 3, 3])
    expect(typed.step).toBe(12)
    expect(typed.metadata).toEqual({ epoch: 3, note: 'warm-up done' })
    expect(await valuesOf(typed.params)).toEqual(await valuesOf(params))
    expect(await valuesOf(typed.optimizerState)).toEqual(await valuesOf(optimizerState))
    const untyped = await loadCheckpoint(join(dir, 'plain'))
    expect(await valuesOf(untyped.params)).toEqual(await valuesOf(params))
    expect(Object.keys(untyped.optimizerState as object)).toEqual(Object.keys(optimizerState))
    expect(await valuesOf(untyped.optimizerState)).toEqual(await valuesOf(optimizerState))
  })

  it('an optimizer state with empty slots (SGD without momentum) round-trips its nulls', async () => {
    const params = makeParams()
    const optimizerState = sgd({ lr: 0.1 }).init(params)
    expect(optimizerState.slots).toBeNull()
    await saveCheckpoint(join(dir, 'sgd'), { params, optimizerState, step: 1 })
    const typed = await loadCheckpoint(join(dir, 'sgd'), { like: { params: makeParams(), optimizerState: sgd({ lr: 0.1 }).init(makeParams()) } })
    const untyped = await loadCheckpoint(join(dir, 'sgd'))
    for (const loaded of [typed, untyped]) {
      expect((loaded.optimizerState as typeof optimizerState).slots).toBeNull()
      expect(await valuesOf(loaded.optimizerState)).toEqual(await valuesOf(optimizerState))
    }
  })

  it('keeps the last N and loads the newest, or the newest of a given step', async () => {
    const folder = join(dir, 'keep')
    for (const step of [1, 2, 3, 4]) await saveCheckpoint(folder, { params: { w: fromArray([step], [1]) }, step }, { keep: 2 })
    expect((await listCheckpoints(folder)).map((c) => c.step)).toEqual([3, 4])
    expect(readdirSync(folder).sort()).toEqual(['ckpt-000003-step-3', 'ckpt-000004-step-4'])
    expect((await loadCheckpoint(folder)).step).toBe(4)
    const third = await loadCheckpoint(folder, { step: 3 })
    expect(await valuesOf(third.params)).toEqual({ w: [3] })
    // Saving an earlier step again (a resumed run) makes it the newest.
    await saveCheckpoint(folder, { params: { w: fromArray([30], [1]) }, step: 3 }, { keep: 2 })
    const latest = await loadCheckpoint(folder)
    expect(latest.step).toBe(3)
    expect(await valuesOf(latest.params)).toEqual({ w: [30] })
  })

  it('concurrent saves into one folder each get their own checkpoint', async () => {
    const folder = join(dir, 'concurrent')
    await Promise.all([1, 2, 3].map((step) => saveCheckpoint(folder, { params: { w: fromArray([step], [1]) }, step })))
    const saved = await listCheckpoints(folder)
    expect(saved.map((c) => c.step).sort()).toEqual([1, 2, 3])
    for (const c of saved) expect(await valuesOf((await loadCheckpoint(folder, { step: c.step })).params)).toEqual({ w: [c.step] })
  })

  it('named errors: no checkpoint, a step that is not there, a template that does not fit, bad options', async () => {
    await expect(loadCheckpoint(join(dir, 'absent'))).rejects.toThrow(new CheckpointError(join(dir, 'absent'), 'no such folder'))
    await expect(loadCheckpoint(join(dir, 'keep'), { step: 9 })).rejects.toThrow('no checkpoint of step 9 (steps here: 4, 3)')
    const wrong = { params: { w: fromArray([1, 2], [2]) } }
    await expect(loadCheckpoint(join(dir, 'keep'), { like: wrong })).rejects.toThrow(SafetensorsError)
    await expect(loadCheckpoint(join(dir, 'keep'), { like: wrong })).rejects.toThrow('w: the file has [1] but the model expects [2]')
    await expect(saveCheckpoint(join(dir, 'bad'), { params: { w: fromArray([1], [1]) }, step: -1 })).rejects.toThrow('step must be a non-negative integer, got -1')
    await expect(saveCheckpoint(join(dir, 'bad'), { params: { w: fromArray([1], [1]) }, step: 1 }, { keep: 0 })).rejects.toThrow('keep must be a positive integer, got 0')
  })
})

describe('resume', () => {
  it('training resumed from a checkpoint at step k gives bit-identical losses and weights', async () => {
    const x = randn([6, 1, 8, 8], { seed: 5 })
    const y = fromArray([0, 1, 2, 0, 1, 2], [6], 'int32')
    const step = jit((params: Params, state: State) => {
      const [loss, grads] = valueAndGrad((p: Params) => crossEntropy(model(p)(x as Tensor<[number, 1, 8, 8]>), y))(params)
      const [next, nextState] = optimizer.update(params, grads, state)
      return { params: next, state: nextState, loss }
    })
    const run = async (params: Params, state: State, steps: number) => {
      const losses: number[] = []
      for (let i = 0; i < steps; i++) {
        const out = await step(params, state)
        ;[params, state] = [out.params, out.state]
        losses.push((await out.loss.data())[0])
      }
      return { params, state, losses }
    }
    const uninterrupted = await run(makeParams(), optimizer.init(makeParams()), 6)
    const first = await run(makeParams(), optimizer.init(makeParams()), 3)
    await saveCheckpoint(join(dir, 'resume'), { params: first.params, optimizerState: first.state, step: 3 })
    const resumed = await loadCheckpoint(join(dir, 'resume'), { like: { params: makeParams(), optimizerState: optimizer.init(makeParams()) } })
    expect(resumed.step).toBe(3)
    const second = await run(resumed.params, resumed.optimizerState as State, 3)
    // Exact equality: float32 values are stored bit for bit and the step is deterministic.
    expect([...first.losses, ...second.losses]).toEqual(uninterrupted.losses)
    expect(await valuesOf(second.params)).toEqual(await valuesOf(uninterrupted.params))
    expect(await valuesOf(second.state)).toEqual(await valuesOf(uninterrupted.state))
    expect(new Set(uninterrupted.losses).size).toBe(6)
  })
})

describe('atomic under kill -9', () => {
  const writer = fileURLToPath(new URL('./checkpoint-writer.ts', import.meta.url))
  const ROUNDS = 3
  const PARALLEL = 4

  /** Starts a writer, waits for its first completed save, kills it with SIGKILL after a random delay. */
  const killDuringSaves = (folder: string, first: number) =>
    new Promise<{ lastSaved: number }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, folder, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] })
      let lastSaved = -1
      let stderr = ''
      child.stderr.on('data', (d) => (stderr += d))
      child.stdout.on('data', (chunk: Buffer) => {
        const saves = [...chunk.toString().matchAll(/saved (\d+)/g)].map((m) => Number(m[1]))
        if (lastSaved < 0 && saves.length) setTimeout(() => child.kill('SIGKILL'), Math.random() * 400)
        if (saves.length) lastSaved = saves.at(-1)!
      })
      child.on('exit', (_, signal) => (signal === 'SIGKILL' ? resolve({ lastSaved }) : reject(new Error(`writer ended without being killed: ${stderr}`))))
    })

  it(`leaves the previous or the new checkpoint, never a mix or nothing (${ROUNDS * PARALLEL} kills)`, async () => {
    const folders = Array.from({ length: PARALLEL }, (_, i) => join(dir, `kill-${i}`))
    const next = folders.map(() => 1)
    let interruptedSaves = 0
    for (let round = 0; round < ROUNDS; round++) {
      const results = await Promise.all(folders.map((folder, i) => killDuringSaves(folder, next[i])))
      for (const [i, folder] of folders.entries()) {
        if (readdirSync(folder).some((name) => name.startsWith('.tmp-'))) interruptedSaves++
        const loaded = await loadCheckpoint(folder)
        // Never older than the last save the writer reported finished.
        expect(loaded.step).toBeGreaterThanOrEqual(results[i].lastSaved)
        expect(loaded.metadata).toEqual({ step: loaded.step })
        // Every value of both files comes from the same save.
        const values = Object.values({ ...(await valuesOf(loaded.params)), ...(await valuesOf(loaded.optimizerState)) }).flat()
        expect(values.length).toBe(64 * 32 * 9 + 64 + 10 * 4096 + 1 + 64 * 32 * 9)
        expect(values.every((v) => v === loaded.step)).toBe(true)
        // keep: 2, plus at most one old checkpoint whose removal was interrupted.
        expect((await listCheckpoints(folder)).length).toBeLessThanOrEqual(3)
        next[i] = loaded.step + 1
      }
    }
    // The kills did land inside saves (a temporary folder was left behind), not only between them.
    expect(interruptedSaves).toBeGreaterThan(0)
  }, 300_000)
})
