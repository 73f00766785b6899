// Soak benchmark: a long eager LeNet-5 training loop, then a long jitted one,
// printing at intervals the step time, device bytes in use, pooled bytes, JS
// heap after a full collection and the process RSS. Memory that grows step
// after step (a graph that keeps its history, a pool that never shrinks, a
// leaked buffer) shows here as a column that climbs.
//
//   npx tsx bench/soak.ts [--eager 500] [--jit 5000] [--batch 16] [--every-eager 50] [--every-jit 500]
//
// The eager loop is written as a PyTorch user would: valueAndGrad, update,
// read only the loss, and let the old parameters go (no dispose: the
// collector frees them). Each step uploads a new batch (cycling through 8)
// and disposes it. The jitted loop is bench/lenet-step.ts's step (donated
// parameters and Adam state), with the same batches.

import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { setTimeout as sleep } from 'node:timers/promises'
import { cpus, loadavg } from 'node:os'
import { backendInfo, fromArray, jit, memory, valueAndGrad, type Tensor } from '../src/index.ts'
import { crossEntropy } from '../src/nn/index.ts'
import { adam, type OptimizerState } from '../src/optim/index.ts'
import { classic, classicParams, type ClassicParams } from '../examples/lenet.ts'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const eagerSteps = arg('eager', 500)
const jitSteps = arg('jit', 5000)
const batchSize = arg('batch', 16)
const everyEager = arg('every-eager', 50)
const everyJit = arg('every-jit', 500)

// A full collection on demand, without --expose-gc on the command line.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const collect = async () => {
  for (let i = 0; i < 3; i++) {
    gc()
    await sleep(5) // finalizers (which free dropped tensors' device memory) run in tasks of their own
  }
}

type Batch = Tensor<[number, 1, 28, 28]>
type Labels = Tensor<[number], 'int32'>
type State = OptimizerState<unknown>
// Host data of 8 batches; each step uploads one as a new tensor and disposes it afterwards, as a data loader would.
let seed = 1
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1
const hostBatches = Array.from({ length: 8 }, (_, b) => ({
  x: Float32Array.from({ length: batchSize * 28 * 28 }, random),
  y: Int32Array.from({ length: batchSize }, (_, i) => (i * 7 + b) % 10),
}))
const batchAt = (step: number) => {
  const host = hostBatches[step % hostBatches.length]
  return { x: fromArray(host.x, [batchSize, 1, 28, 28]) as Batch, y: fromArray(host.y, [batchSize], 'int32') as Labels }
}

const MiB = (bytes: number) => (bytes / 2 ** 20).toFixed(2).padStart(8)
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const header = () => console.log('   step   ms/step (median of interval)   in use MiB   pooled MiB   heap MiB   RSS MiB   load')
const report = async (step: number, times: number[]) => {
  await collect()
  const m = memory()
  const heap = process.memoryUsage().heapUsed
  const rss = process.memoryUsage().rss
  console.log(
    `${String(step).padStart(7)}   ${median(times).toFixed(1).padStart(8)}                       ${MiB(m.inUseBytes)}     ${MiB(m.pooledBytes)}   ${MiB(heap)}  ${MiB(rss)}   ${loadavg()[0].toFixed(1)}`,
  )
  return median(times)
}

const info = await backendInfo()
console.log(`adapter: ${info.device} [backend ${info.backend}${info.software ? ', software' : ''}]`)
console.log(`host: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
const optimizer = adam({ lr: 1e-3 })
const lossOf = (x: Batch, y: Labels) => (p: ClassicParams) => crossEntropy(classic(p)(x), y)

// ---------------------------------------------------------------- eager
console.log(`\neager: ${eagerSteps} steps of LeNet-5 (classic), batch ${batchSize}, Adam`)
header()
{
  let params = classicParams()
  let state = optimizer.init(params) as State
  let times: number[] = []
  const medians = new Map<number, number>()
  for (let step = 1; step <= eagerSteps; step++) {
    const { x, y } = batchAt(step)
    const t0 = performance.now()
    const [loss, grads] = valueAndGrad(lossOf(x, y))(params)
    ;[params, state] = optimizer.update(params, grads, state as never) as unknown as [ClassicParams, State]
    await loss.data()
    times.push(performance.now() - t0)
    x.dispose()
    y.dispose()
    if (step === 10 || step % everyEager === 0) {
      medians.set(step, await report(step, times))
      times = []
    }
  }
  const first = medians.get(10)
  const last = medians.get(eagerSteps)
  if (first && last) console.log(`eager step time, last interval / steps 1–10: ${(last / first).toFixed(2)}×`)
}

// ---------------------------------------------------------------- jit
console.log(`\njit: ${jitSteps} steps of the same model, one plan per step (donated parameters and state)`)
header()
{
  const step = jit(
    (params: ClassicParams, state: State, x: Batch, y: Labels) => {
      const [loss, grads] = valueAndGrad(lossOf(x, y))(params)
      const [next, nextState] = optimizer.update(params, grads, state as never)
      return { params: next, state: nextState as State, loss }
    },
    { donate: [0, 1] },
  )
  let params = classicParams()
  let state = optimizer.init(params) as State
  let times: number[] = []
  for (let i = 1; i <= jitSteps; i++) {
    const { x, y } = batchAt(i)
    const t0 = performance.now()
    const out = await step(params, state, x, y)
    params = out.params
    state = out.state
    await out.loss.data()
    times.push(performance.now() - t0)
    out.loss.dispose()
    x.dispose()
    y.dispose()
    if (i === 10 || i % everyJit === 0) {
      await report(i, times)
      times = []
    }
  }
}
