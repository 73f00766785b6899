// Issue 14, target 6: does an op's time and memory grow as its arithmetic says?
//
//   npx tsx bench/scale.ts [--batches 1,8,32,64] [--runs 5] [--resnet 8,32] [--no-torch]
//
// W3 (conv2d 3×3 64→64, 56², padding 1) at each batch: the jitted call timed to the
// device's end (median wall and CPU time), the bytes its compiled plan binds (inputs,
// output, scratch, textures), and PyTorch's time for the same conv in the same run
// (bench/peers.py, 2 threads). Per-sample figures are given relative to batch 8's: 1.00
// is linear. `--resnet` adds the ResNet-18 training step of peers.ts at those batches (one
// first step and two timed ones each; batch 256 takes minutes on a 2-core machine).
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { conv2d, fromArray, jit, type Tensor } from '../src/index.ts'
import { schedule } from '../src/compiler/schedule.ts'
import { kernelTarget } from '../src/compiler/program.ts'
import { backendInfo } from '../src/runtime/index.ts'
import { residentBuffer } from '../src/runtime/residency.ts'
import { adapterLine, deviceIdle, hostLine, loadAverage, timeCalls } from './lib.ts'
import { resnet18Training } from './resnet18.ts'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback)
const batches = arg('batches', '1,8,32,64').split(',').map(Number)
const resnetBatches = argv.includes('--resnet') ? arg('resnet', '8,32').split(',').map(Number) : []
const runs = Number(arg('runs', '5'))
const torch = !argv.includes('--no-torch')

console.log(`date: ${new Date().toISOString()}`)
console.log(`adapter: ${await adapterLine()}`)
console.log(`host: ${hostLine()}, load average at start ${loadAverage()}`)

const uniform = (count: number, seed: number, scale = 1) => {
  let s = seed
  return Float32Array.from({ length: count }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 * 2 - 1) * scale)
}
const weight = fromArray(uniform(64 * 64 * 9, 2, 0.05), [64, 64, 3, 3])
const bias = fromArray(uniform(64, 3), [64])
type Conv = (p: unknown, o: unknown) => (x: Tensor) => Tensor
const w3 = (x: Tensor) => (conv2d as unknown as Conv)({ weight, bias }, { padding: 1 })(x)
const w3Flop = (batch: number) => 2 * batch * 64 * 56 * 56 * 64 * 9
const target = kernelTarget(await backendInfo())

/** Bytes the compiled plan of W3 binds at `batch`: its buffers (input, weight, bias, output, scratch) and textures. */
const planBytes = (x: Tensor): number => {
  const y = w3(x)
  const { plan } = schedule([y.node], residentBuffer, () => true, target)
  return plan.buffers.reduce((a, b) => a + b.bytes, 0) + (plan.textures ?? []).reduce((a, t) => a + t.width * t.height * 16, 0)
}

const torchTimes = (names: string[]): Record<string, { median: number }> => {
  if (!torch || names.length === 0) return {}
  try {
    const out = execFileSync('/usr/bin/python3', [fileURLToPath(new URL('./peers.py', import.meta.url)), JSON.stringify({ threads: 2, runs, only: names, resnetRuns: 2 })], { encoding: 'utf8', timeout: 1_800_000 })
    return (JSON.parse(out.trim().split('\n').at(-1)!) as { workloads: Record<string, { median: number }> }).workloads
  } catch (error) {
    console.log(`PyTorch skipped: ${(error as Error).message.split('\n')[0]}`)
    return {}
  }
}

interface Row { batch: number; ms: number; cpu: number; bytes?: number; load: string }
const rows: Row[] = []
const run = jit(w3)
for (const batch of batches) {
  const x = fromArray(uniform(batch * 64 * 56 * 56, 1), [batch, 64, 56, 56])
  await x.data()
  const t = await timeCalls(async () => {
    const y = await run(x)
    await deviceIdle()
    y.dispose()
  }, runs, 1)
  rows.push({ batch, ms: t.median, cpu: t.cpuMedian ?? NaN, bytes: planBytes(x), load: loadAverage() })
  x.dispose()
  console.log(`W3 batch ${batch}: ${t.median.toFixed(1)} ms, CPU ${t.cpuMedian?.toFixed(1)} ms — load ${loadAverage()}`)
}
const peer = torchTimes(batches.map((b) => `W3@${b}`))
const reference = rows.find((r) => r.batch === 8) ?? rows[0]
const perSample = (r: { batch: number; ms: number }) => r.ms / r.batch / (reference.ms / reference.batch)
console.log('\n| W3 batch | GFLOP | shapewise ms (GFLOP/s) | CPU ms | ms per sample, relative to batch ' + reference.batch + ' | plan bytes | bytes per sample | PyTorch ms [2t] | shapewise / PyTorch | load average |')
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
for (const r of rows) {
  const p = peer[`W3@${r.batch}`]?.median
  console.log(`| ${r.batch} | ${(w3Flop(r.batch) / 1e9).toFixed(2)} | ${r.ms.toFixed(1)} (${(w3Flop(r.batch) / r.ms / 1e6).toFixed(1)}) | ${r.cpu.toFixed(1)} | ${perSample(r).toFixed(2)} | ${r.bytes} | ${Math.round(r.bytes! / r.batch)} | ${p?.toFixed(1) ?? '—'} | ${p ? `${(r.ms / p).toFixed(2)}×` : '—'} | ${r.load} |`)
}

if (resnetBatches.length) {
  const resnetRows: (Row & { first: number })[] = []
  for (const batch of resnetBatches) {
    const training = resnet18Training(batch)
    const t0 = performance.now()
    await training.run()
    const first = performance.now() - t0
    const t = await timeCalls(training.run, 2, 0)
    resnetRows.push({ batch, ms: t.median, cpu: t.cpuMedian ?? NaN, first, load: loadAverage() })
    console.log(`ResNet-18 step batch ${batch}: first ${first.toFixed(0)} ms, then ${t.min.toFixed(0)} and ${t.max.toFixed(0)} ms — load ${loadAverage()}`)
  }
  const peerResnet = torchTimes(resnetBatches.map((b) => `resnet18@${b}`))
  const ref = resnetRows.find((r) => r.batch === 32) ?? resnetRows[0]
  console.log(`\n| ResNet-18 step batch | first step ms | step ms | CPU ms | ms per sample, relative to batch ${ref.batch} | PyTorch ms [2t] | shapewise / PyTorch | load average |`)
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const r of resnetRows) {
    const p = peerResnet[`resnet18@${r.batch}`]?.median
    console.log(`| ${r.batch} | ${r.first.toFixed(0)} | ${r.ms.toFixed(0)} | ${r.cpu.toFixed(0)} | ${(r.ms / r.batch / (ref.ms / ref.batch)).toFixed(2)} | ${p?.toFixed(0) ?? '—'} | ${p ? `${(r.ms / p).toFixed(2)}×` : '—'} | ${r.load} |`)
  }
}
console.log(`\nload average at the end: ${loadAverage()}`)
