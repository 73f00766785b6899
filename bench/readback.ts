// Benchmark: what reading a large result back costs next to a copy of its bytes.
//
//   npx tsx bench/readback.ts [--runs 15] [--mb 6.4]
//
// A value already on the device (W3's output size, 6.4 MB by default) is read with
// `await t.data()`, round-robin with two copies of the same bytes in plain JavaScript:
// into a new Float32Array (what any read that hands the caller fresh memory pays,
// page faults included) and into one reused array (the memory bandwidth alone). A
// 4-byte read gives the fixed cost of one read (submit, map, event-loop round trips).
// Wall and process CPU time, medians, with the load average.

import { fromArray, type Tensor } from '../src/index.ts'
import { backendInfo } from '../src/runtime/index.ts'
import { loadAverage, median } from './lib.ts'

const args = process.argv.slice(2)
const runs = Number(args[args.indexOf('--runs') + 1]) || 15
const megabytes = Number(args[args.indexOf('--mb') + 1]) || 6.4
const n = Math.round((megabytes * 1e6) / 4)

const info = await backendInfo()
console.log(`adapter: ${info.device} — ${info.description} [backend ${info.backend}${info.software ? ', software' : ''}]; load ${loadAverage()}`)

const values = Float32Array.from({ length: n }, (_, i) => i % 1000)
const big = fromArray(values, [n]) as Tensor
const tiny = fromArray(new Float32Array([1]), [1]) as Tensor
await big.data() // upload once; later reads copy it back
await tiny.data()
const reused = new Float32Array(n)

const cases: { label: string; run: () => unknown; times: number[]; cpu: number[] }[] = [
  { label: `await t.data(), ${(n * 4 / 1e6).toFixed(1)} MB`, run: () => big.data(), times: [], cpu: [] },
  { label: 'JS copy into a new Float32Array', run: () => new Float32Array(n).set(values), times: [], cpu: [] },
  { label: 'JS copy into one reused array', run: () => reused.set(values), times: [], cpu: [] },
  { label: 'await t.data(), 4 bytes (fixed cost)', run: () => tiny.data(), times: [], cpu: [] },
]
for (let r = 0; r < runs + 1; r++)
  for (const c of cases) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    await c.run()
    const ms = performance.now() - t0
    const cpu = process.cpuUsage(c0)
    if (r > 0) c.times.push(ms), c.cpu.push((cpu.user + cpu.system) / 1000) // the first round warms up
  }
const got = await big.data()
if (got[n - 1] !== values[n - 1]) throw new Error('readback returned wrong values')
for (const c of cases)
  console.log(`${c.label.padEnd(40)} median ${median(c.times).toFixed(2).padStart(7)} ms (min ${Math.min(...c.times).toFixed(2)}), CPU ${median(c.cpu).toFixed(2)} ms`)
console.log(`load average at the end: ${loadAverage()}`)
process.exit(0)
