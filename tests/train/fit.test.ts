/** fit: trains, records, evaluates, schedules, calls back, and stops on a non-finite loss without losing anything. */
import { describe, expect, it } from 'vitest'
import { pipe } from 'fp-ts/lib/function.js'
import { fromArray, zeros, ones, linear, flatten, dropout, batchNorm2d, type Tensor } from '../../src/index.ts'
import { sgd } from '../../src/optim/index.ts'
import { stepDecay } from '../../src/optim/index.ts'
import { fit, checkpoint, earlyStopping, type LabelledBatch, type StepContext, type CheckpointContents, type EpochRecord, type Callback } from '../../src/train/index.ts'
import { rng } from '../../src/data/index.ts'

type Params = { fc: { weight: Tensor<[2, 4]>; bias: Tensor<[2]> } }
type X = [number, 1, 2, 2]
const initial = (): Params => ({ fc: { weight: zeros([2, 4]), bias: zeros([2]) } })
const model = (p: Params, x: Tensor<X>, context: StepContext) =>
  pipe(x, flatten, dropout({ rate: 0.25, ...context }), linear(p.fc)) as Tensor<[number, number]>

/** Two separable classes of 2×2 "images": class 0 bright on the left, class 1 on the right. */
const data = (count: number, seed: number, poison = false) => {
  const random = rng(seed)
  const images = new Float32Array(count * 4)
  const labels = new Int32Array(count)
  for (let i = 0; i < count; i++) {
    const c = i % 2
    labels[i] = c
    for (let k = 0; k < 4; k++) images[i * 4 + k] = (k % 2 === c ? 1 : -1) + 0.3 * (random() / 2 ** 32 - 0.5)
  }
  if (poison) images[0] = NaN
  return { images, labels, count }
}
const batchesOf = (d: ReturnType<typeof data>, size: number) =>
  function* (): Generator<LabelledBatch<X>> {
    for (let s = 0; s < d.count; s += size) {
      const n = Math.min(size, d.count - s)
      yield { x: fromArray(d.images.slice(s * 4, (s + n) * 4), [n, 1, 2, 2]), y: fromArray(d.labels.slice(s, s + n), [n], 'int32') }
    }
  }

const collector = (isTTY: boolean) => {
  const chunks: string[] = []
  return { stream: { isTTY, write: (t: string) => chunks.push(t) }, text: () => chunks.join('') }
}

describe('fit', () => {
  it('trains, keeps a history, evaluates each epoch, follows the schedule, checkpoints and prints one plain line per epoch', async () => {
    const train = data(64, 1)
    const test = data(32, 2)
    const out = collector(false)
    const saved: { dir: string; contents: CheckpointContents<Params, unknown> }[] = []
    const schedule = stepDecay({ initial: 0.5, stepSize: 8, gamma: 0.5 })
    const result = await fit({
      model, params: initial(), optimizer: sgd({ lr: 0.5 }), epochs: 3, stepsPerEpoch: 4, schedule,
      train: batchesOf(train, 16), validation: batchesOf(test, 32), progress: { stream: out.stream },
      callbacks: [checkpoint<Params, unknown>({ dir: 'runs/toy', save: async (dir, contents) => void saved.push({ dir, contents: { ...contents, metadata: { ...contents.metadata, w: await contents.params.fc.weight.data() } } }) })],
    })
    const h = result.history
    expect(result.stopped).toEqual({ reason: 'completed' })
    expect(h.epoch).toEqual([1, 2, 3])
    expect(h.stepLoss).toHaveLength(12)
    expect(h.stepLoss[0]).toBeCloseTo(Math.log(2), 5) // zero weights: uniform logits
    expect(h.loss[2]).toBeLessThan(h.loss[0])
    expect(h.valAccuracy[2]).toBe(1)
    expect(h.valLoss[2]).toBeLessThan(0.2)
    expect(h.lr).toEqual([schedule(3), schedule(7), schedule(11)])
    // Plain output: exactly one line per epoch, no carriage returns.
    const lines = out.text().trimEnd().split('\n')
    expect(out.text()).not.toContain('\r')
    expect(lines).toHaveLength(3)
    expect(lines[2]).toMatch(/^epoch 3\/3  4 steps  loss \d\.\d{4}  acc \d+\.\d{2}%  val_loss \d\.\d{4}  val_acc 100\.00%  [\d,]+ img\/s  \d+\.\d s$/)
    // A checkpoint per epoch, with the step count, the metrics and that epoch's weights.
    expect(saved.map((s) => s.dir)).toEqual(['runs/toy/epoch-001', 'runs/toy/epoch-002', 'runs/toy/epoch-003'])
    expect(saved.map((s) => s.contents.step)).toEqual([4, 8, 12])
    expect(saved[1].contents.metadata.loss).toBe(h.loss[1])
    expect(Array.from(saved[2].contents.metadata.w as Float32Array)).toEqual(Array.from(await result.params.fc.weight.data()))
    expect(Array.from(saved[0].contents.metadata.w as Float32Array)).not.toEqual(Array.from(saved[2].contents.metadata.w as Float32Array))
  })

  it('a non-finite loss stops training and returns the parameters and optimizer state from before that step', async () => {
    let afterEpoch1: number[] = []
    let stateAfterEpoch1: number[] = []
    const keep: Callback<Params> = {
      async onEpochEnd({ params, optimizerState }) {
        afterEpoch1 = Array.from(await params.fc.weight.data())
        stateAfterEpoch1 = Array.from(await optimizerState.step.data())
      },
    }
    const out = collector(false)
    const clean = batchesOf(data(32, 3), 16)
    const poisoned = batchesOf(data(32, 3, true), 16)
    const result = await fit({
      model, params: initial(), optimizer: sgd({ lr: 0.1, momentum: 0.9 }), epochs: 3,
      train: (epoch) => (epoch === 1 ? clean() : poisoned()), progress: { stream: out.stream }, callbacks: [keep],
    })
    expect(result.stopped).toEqual({ reason: 'non-finite loss', step: 3, loss: NaN })
    expect(Array.from(await result.params.fc.weight.data())).toEqual(afterEpoch1)
    expect(afterEpoch1.every(Number.isFinite)).toBe(true)
    expect(Array.from(await result.optimizerState.step.data())).toEqual(stateAfterEpoch1)
    expect(result.history.epoch).toEqual([1])
    expect(out.text()).toContain('stopped: loss is NaN at step 3 (epoch 2); the parameters from before that step are returned')
  })

  it('a callback can stop training; evaluation mode turns dropout off (the same parameters give the same validation loss)', async () => {
    const d = data(32, 4)
    const result = await fit({
      model, params: initial(), optimizer: sgd({ lr: 0.1 }), epochs: 5, progress: false,
      train: batchesOf(d, 32), validation: batchesOf(d, 8),
      callbacks: [earlyStopping({ monitor: 'loss', mode: 'max', patience: 1 })],
    })
    // Training loss falls, so under mode 'max' epoch 2 is no improvement and patience 1 stops there.
    expect(result.stopped).toEqual({ reason: 'callback', epoch: 2 })
    expect(result.history.epoch).toEqual([1, 2])
    const again = await fit({
      model, params: result.params, optimizer: sgd({ lr: 1e-30 }), epochs: 1, progress: false, train: batchesOf(d, 32), validation: batchesOf(d, 16),
    })
    expect(again.history.valLoss[0]).toBeCloseTo(result.history.valLoss[1], 5)
  })

  it("updates batch norm's running statistics as PyTorch's train mode does (momentum 0.1, unbiased variance), one blend per step", async () => {
    type BnParams = Params & { bn: { weight: Tensor<[1]>; bias: Tensor<[1]>; runningMean: Tensor<[1]>; runningVar: Tensor<[1]> } }
    const bnModel = (p: BnParams, x: Tensor<X>, context: StepContext) =>
      pipe(x, batchNorm2d(p.bn, context), flatten, linear(p.fc)) as Tensor<[number, number]>
    const train = data(16, 3)
    const result = await fit({
      model: bnModel, params: { ...initial(), bn: { weight: ones([1]), bias: zeros([1]), runningMean: zeros([1]), runningVar: ones([1]) } },
      optimizer: sgd({ lr: 0.1 }), epochs: 1, train: batchesOf(train, 8), progress: false,
    })
    // The two batches of 8 images (one channel, 4 values each) are what batch norm saw.
    const stats = (from: number) => {
      const v = Array.from(train.images.slice(from * 4, (from + 8) * 4))
      const mean = v.reduce((a, b) => a + b, 0) / v.length
      return [mean, v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)] as const
    }
    let [runningMean, runningVar] = [0, 1]
    for (const from of [0, 8]) {
      const [mean, variance] = stats(from)
      ;[runningMean, runningVar] = [0.9 * runningMean + 0.1 * mean, 0.9 * runningVar + 0.1 * variance]
    }
    expect((await result.params.bn.runningMean.data())[0]).toBeCloseTo(runningMean, 5)
    expect((await result.params.bn.runningVar.data())[0]).toBeCloseTo(runningVar, 5)
  })

  it('refuses bad options', async () => {
    const base = { model, params: initial(), optimizer: sgd({ lr: 0.1 }), train: batchesOf(data(4, 0), 4), progress: false as const }
    await expect(fit({ ...base, epochs: 0 })).rejects.toThrow('fit: epochs must be a positive integer, got 0')
    await expect(fit({ ...base, epochs: 1, train: () => [] })).rejects.toThrow('fit: epoch 1 has no training batches')
  })
})

describe('earlyStopping', () => {
  const record = (valLoss: number, valAccuracy = 0): EpochRecord => ({ epoch: 0, loss: 0, accuracy: 0, valLoss, valAccuracy, lr: 0, seconds: 0, imagesPerSecond: 0 })
  const run = (callback: Callback, records: EpochRecord[]) => records.map((r) => callback.onEpochEnd?.({ record: r } as never))

  it('stops after `patience` epochs without an improvement larger than minDelta', () => {
    expect(run(earlyStopping({ patience: 2 }), [1, 0.9, 0.95, 0.9, 0.8].map((v) => record(v)))).toEqual([undefined, undefined, undefined, 'stop', undefined])
    expect(run(earlyStopping({ patience: 1, minDelta: 0.2 }), [1, 0.9].map((v) => record(v)))).toEqual([undefined, 'stop'])
    expect(run(earlyStopping({ monitor: 'valAccuracy', patience: 1 }), [0.5, 0.6, 0.6].map((a) => record(0, a)))).toEqual([undefined, undefined, 'stop'])
    expect(run(earlyStopping({ patience: 2 }), [NaN, NaN].map((v) => record(v)))).toEqual([undefined, 'stop'])
    expect(() => earlyStopping({ patience: 0 })).toThrow('earlyStopping: patience must be a positive integer, got 0')
    expect(() => checkpoint({ save: async () => {}, dir: 'x', every: 0 })).toThrow('checkpoint: every must be a positive integer, got 0')
  })
})
