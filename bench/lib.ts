/**
 * Helpers the peer benchmarks share: medians, the load average, the adapter
 * line, and a wait for the device that reads nothing back.
 */
import { cpus, loadavg } from 'node:os'
import { backendInfo, jit, valueAndGrad, fromArray, type Tensor } from '../src/index.ts'
import { getGpu } from '../src/runtime/device.ts'
import { crossEntropy } from '../src/nn/index.ts'
import type { Optimizer, OptimizerState } from '../src/optim/index.ts'
import { classic, type ClassicParams } from '../examples/lenet.ts'

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** The 1-, 5- and 15-minute load averages, as `uptime` prints them. */
export const loadAverage = (): string => loadavg().map((l) => l.toFixed(2)).join(' ')

export const hostLine = (): string => `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`

export const adapterLine = async (): Promise<string> => {
  const info = await backendInfo()
  return `${info.device} — ${info.description} [backend ${info.backend}, ${info.featureLevel}${info.software ? ', software' : ''}]`
}

/**
 * Resolves when the device has finished everything submitted so far. A
 * jitted call returns once its plan is submitted; this is how a timing of
 * device work waits for it without the cost of a readback.
 */
export const deviceIdle = async (): Promise<void> => {
  await (await getGpu()).device.queue.onSubmittedWorkDone()
}

/** One call of `f`: its wall time and the process's CPU time (llvmpipe's threads included), in ms. */
export async function timeOnce(f: () => Promise<unknown>): Promise<{ readonly ms: number; readonly cpu: number }> {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await f()
  const ms = performance.now() - t0
  const c = process.cpuUsage(c0)
  return { ms, cpu: (c.user + c.system) / 1000 }
}

/** Median, fastest and slowest of `runs` timed calls of `f` after `warmup` untimed ones, and the median CPU time. */
export async function timeCalls(f: () => Promise<unknown>, runs: number, warmup = 1): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await f()
  const calls: { ms: number; cpu: number }[] = []
  for (let i = 0; i < runs; i++) calls.push(await timeOnce(f))
  const times = calls.map((c) => c.ms)
  return { median: median(times), min: Math.min(...times), max: Math.max(...times), runs, cpuMedian: median(calls.map((c) => c.cpu)) }
}

/**
 * Each of `fs` once untimed, then `runs` rounds calling each in turn: other processes' load spreads
 * evenly over them. The median wall and CPU ms of each.
 */
export async function timeRoundRobin(fs: readonly (() => Promise<unknown>)[], runs: number): Promise<{ readonly median: number; readonly cpuMedian: number }[]> {
  for (const f of fs) await f()
  const calls = fs.map(() => [] as { ms: number; cpu: number }[])
  for (let r = 0; r < runs; r++) for (const [k, f] of fs.entries()) calls[k].push(await timeOnce(f))
  return calls.map((c) => ({ median: median(c.map((t) => t.ms)), cpuMedian: median(c.map((t) => t.cpu)) }))
}

export interface Timing {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly runs: number
  /**
   * Median CPU time of the process per call (ms), llvmpipe's threads included: on a software
   * adapter the device's work is this process's CPU time, which other processes' load disturbs
   * far less than wall time (half of it is about a quiet 2-core machine's wall time).
   */
  readonly cpuMedian?: number
}

export type LenetBatch = Tensor<[64, 1, 28, 28]>
export type LenetLabels = Tensor<[64], 'int32'>
/** The labels every LeNet benchmark uses (PyTorch's peers compute the same ones). */
export const lenetLabels = (): LenetLabels => fromArray(Int32Array.from({ length: 64 }, (_, i) => (i * 7 + 3) % 10), [64], 'int32')

/** One jitted LeNet-5 (classic) training step at batch 64: forward, crossEntropy, backward, `optimizer`; params and state donated. */
export const lenetTrainingStep = (optimizer: Optimizer<unknown>) =>
  jit(
    (params: ClassicParams, state: OptimizerState<unknown>, x: LenetBatch, y: LenetLabels) => {
      const [loss, grads] = valueAndGrad((p: ClassicParams) => crossEntropy(classic(p)(x), y))(params)
      const [next, nextState] = optimizer.update(params, grads, state)
      return { params: next, state: nextState, loss }
    },
    { donate: [0, 1] },
  )
