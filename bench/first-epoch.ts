// Probe: why the demo's first epoch is slower than later ones.
//
//   npx tsx bench/first-epoch.ts [--epochs 2] [--show 20] [--limit 0] [--constant-lr]
//
// Runs `fit` with the options of `npm run demo` (examples/train-lenet.ts: the
// classic LeNet-5, batch 64, Adam with a cosine schedule over 10 epochs,
// shuffled MNIST batches, evaluation after each epoch) and wraps the training
// batches so that each step is observed from the outside: the time between two
// batches fit asks for is one step as fit runs it (step, two readbacks,
// progress). Per step it prints wall time, the process's CPU time (user + sys,
// llvmpipe's threads included: steadier than wall time on a loaded machine),
// and how many jit traces and pipeline compilations happened in it.
// --constant-lr drops the schedule (the optimizer's own rate every step).
import { cpuUsage } from 'node:process'
import { loadavg } from 'node:os'
import { jitTraces, pipelineCompilations, backendInfo, type Tensor } from '../src/index.ts'
import { classic, classicParams, type ClassicParams } from '../examples/lenet.ts'
import { adam, cosineDecay } from '../src/optim/index.ts'
import { loadMnist, splitTrainTest, subset, permutation, batches, batchCount, normalize, type Dataset } from '../src/data/index.ts'
import { fit, type LabelledBatch } from '../src/train/index.ts'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const epochs = Number(arg('epochs', '2'))
const show = Number(arg('show', '20'))
const limit = Number(arg('limit', '0'))
const constantLr = process.argv.includes('--constant-lr')
const batchSize = 64
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')

const info = await backendInfo()
console.log(`adapter: ${info.device} [${info.backend}]; load average ${load()}`)
const sample = (ds: Dataset) => (limit > 0 && limit < ds.count ? subset(ds, permutation(ds.count, 0).subarray(0, limit)) : ds)
const split = splitTrainTest(loadMnist(), 2000, 0)
const [train, test] = [sample(split.train), sample(split.test)]
for (const ds of [train, test]) ds.images.set(normalize(ds.images))

interface StepRecord { epoch: number; wall: number; cpu: number; traces: number; pipelines: number }
const records: StepRecord[] = []
const counters = () => ({ at: performance.now(), cpu: cpuUsage(), traces: jitTraces(), pipelines: pipelineCompilations() })
/** The demo's batches, timing the gap between consecutive requests: one step of fit's loop. */
async function* observed(epoch: number): AsyncGenerator<LabelledBatch<[number, 1, 28, 28]>> {
  for (const batch of batches(train, { batchSize, shuffle: true, seed: epoch, dropLast: true })) {
    const before = counters()
    yield batch as LabelledBatch<[number, 1, 28, 28]>
    const after = counters()
    const cpu = cpuUsage(before.cpu)
    records.push({ epoch, wall: after.at - before.at, cpu: (cpu.user + cpu.system) / 1000, traces: after.traces - before.traces, pipelines: after.pipelines - before.pipelines })
  }
}

const learningRate = 2e-3
const stepsPerEpoch = batchCount(train.count, { batchSize, dropLast: true })
const result = await fit({
  model: (p: ClassicParams, x: Tensor<[number, 1, 28, 28]>) => classic(p)(x),
  params: classicParams(),
  optimizer: adam({ lr: learningRate }),
  epochs,
  stepsPerEpoch,
  ...(constantLr ? {} : { schedule: cosineDecay({ initial: learningRate, total: 10 * stepsPerEpoch }) }),
  train: observed,
  validation: () => batches(test, { batchSize: 500 }),
  progress: false,
})

const fmt = (ms: number) => ms.toFixed(1).padStart(7)
console.log(`\n${constantLr ? 'constant learning rate' : 'cosine schedule (as the demo)'}: first ${show} steps`)
console.log('step     wall ms   cpu ms  traces  pipelines')
records.slice(0, show).forEach((r, i) => console.log(`${String(i + 1).padStart(4)}  ${fmt(r.wall)}  ${fmt(r.cpu)}  ${String(r.traces).padStart(6)}  ${String(r.pipelines).padStart(9)}`))
for (let e = 1; e <= epochs; e++) {
  const rs = records.filter((r) => r.epoch === e)
  const sum = (f: (r: StepRecord) => number) => rs.reduce((s, r) => s + f(r), 0)
  const first10 = rs.slice(0, 10).reduce((s, r) => s + r.wall, 0)
  const first10Cpu = rs.slice(0, 10).reduce((s, r) => s + r.cpu, 0)
  console.log(
    `epoch ${e}: ${rs.length} steps, wall ${(sum((r) => r.wall) / 1000).toFixed(2)} s (fit says ${result.history.seconds[e - 1]?.toFixed(2)} s), cpu ${(sum((r) => r.cpu) / 1000).toFixed(2)} s, ` +
      `first 10 steps ${(first10 / 1000).toFixed(2)} s (cpu ${(first10Cpu / 1000).toFixed(2)} s), steps 2-10 ${((first10 - rs[0].wall) / 1000).toFixed(2)} s (cpu ${((first10Cpu - rs[0].cpu) / 1000).toFixed(2)} s), traces ${sum((r) => r.traces)}, pipelines compiled ${sum((r) => r.pipelines)}`,
  )
}
console.log(`load average ${load()}`)
process.exit(0)
