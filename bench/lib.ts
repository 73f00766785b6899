/**
 * Helpers the peer benchmarks share: medians, the load average, the adapter
 * line, and a wait for the device that reads nothing back.
 */
import { cpus, loadavg } from 'node:os'
import { backendInfo } from '../src/index.ts'
import { getGpu } from '../src/runtime/device.ts'

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

/** Median, fastest and slowest of `runs` timed calls of `f` after `warmup` untimed ones. */
export async function timeCalls(f: () => Promise<unknown>, runs: number, warmup = 1): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await f()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await f()
    times.push(performance.now() - t0)
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times), runs }
}

export interface Timing {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly runs: number
}
