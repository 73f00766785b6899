// Benchmark: issue 14's workloads, each beside its peers in the same run.
//
//   npx tsx bench/peers.ts [--quick] [--only W1,W1b1,W2,W3,W4,W5,W5big,first,resnet18] [--runs 9]
//                          [--torch-threads 1,2] [--torch-python /usr/bin/python3] [--torch-device cpu|cuda]
//                          [--no-torch] [--no-ort] [--cold-cache] [--json FILE] [--markdown FILE]
//
// Workloads (batch, shapes and optimizers as issue 14 defines them):
//   W1        LeNet-5 (classic) forward, batch 64, jitted; the call plus reading the 64×10 logits back
//   W1b1      the same at batch 1: the latency of one jitted inference
//   W2        LeNet-5 training step, batch 64, crossEntropy, SGD lr 0.01, jitted (params donated); plus the loss read back
//   W3        conv2d 3×3, 64→64, 56×56, batch 8, padding 1 (1.85 GFLOP)
//   W4        convTranspose2d 4×4 stride 2 padding 1, 128→64, 16×16→32×32, batch 8 (0.54 GFLOP)
//   W5        matmul 1024³ (2.15 GFLOP)
//   W5big     matmul 4096³ (137 GFLOP; for a GPU, bench/gpu/run.sh: not in the default set)
//   first     the first call (trace + compile + run) of W1 and of W2, each in a fresh process
//   resnet18  a CIFAR ResNet-18 (bench/resnet18.ts) training step, 32×32 input, batch 32, SGD with momentum
// W3–W5 are timed to the end of the device's work (no readback) and again with
// the result read back (`await y.data()`), which is what a user waits for.
//
// Peers: PyTorch (Debian's python3-torch through /usr/bin/python3, bench/peers.py)
// once per thread count, the faster taken for each workload; the BLAS library
// its process loaded is printed (PyTorch's convolutions go through oneDNN, its
// matmuls through that BLAS). The native CPU ceiling is PyTorch's matmul at
// 2048³ (or 1024³ if faster). ONNX Runtime (onnxruntime-node, CPU) runs the
// forward workloads, exported from the same shapewise functions by exportOnnx.
// --torch-device cuda runs the PyTorch peer on the GPU (bench/gpu/run.sh), where its ceiling is a
// 4096³ float32 matmul with TF32 off.
// --quick: 3 timed runs, no ResNet-18, no ONNX Runtime: a smoke run (about a
// minute on a loaded 2-core machine). The load average is printed beside each
// section: figures from a machine other processes load are noise.

import { execFileSync } from 'node:child_process'
import { cpus } from 'node:os'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  jit, jitTraces, pipelineCompilations, randn, fromArray, conv2d, convTranspose2d, matmul, Tensor as TensorClass, type Tensor,
} from '../src/index.ts'
import { sgd, type Optimizer, type OptimizerState } from '../src/optim/index.ts'
import { exportOnnx } from '../src/io/index.ts'
import { classic, classicParams, type ClassicParams } from '../examples/lenet.ts'
import { resnet18Training } from './resnet18.ts'
import { adapterLine, deviceIdle, hostLine, lenetLabels, lenetTrainingStep, loadAverage, timeCalls, type Timing } from './lib.ts'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : fallback
}
const quick = argv.includes('--quick')
const runs = Number(arg('runs', quick ? '3' : '9'))
const ALL = ['W1', 'W1b1', 'W2', 'W3', 'W4', 'W5', 'W5big', 'first', 'resnet18'] as const
const DEFAULT = ALL.filter((w) => w !== 'W5big' && !(quick && w === 'resnet18'))
const only = new Set(arg('only', DEFAULT.join(',')).split(',')) as Set<string>
for (const w of only) if (!(ALL as readonly string[]).includes(w)) throw new Error(`--only: unknown workload '${w}'; expected some of ${ALL.join(', ')}`)
const torchDevice = arg('torch-device', 'cpu')
const torchPython = arg('torch-python', '/usr/bin/python3')
const torchThreads = torchDevice === 'cpu' ? [...new Set(arg('torch-threads', `1,${cpus().length}`).split(',').map(Number))] : [1]
const useTorch = !argv.includes('--no-torch')
const useOrt = !argv.includes('--no-ort') && !quick
const self = fileURLToPath(import.meta.url)

// ---------------------------------------------------------------- workloads

/** Multiply-adds of a LeNet-5 (classic) forward per image: conv1 6·784·25, conv2 16·100·150, linears 400·120 + 120·84 + 84·10. */
const LENET_FORWARD_FLOP = 2 * (6 * 784 * 25 + 16 * 100 * 150 + 400 * 120 + 120 * 84 + 84 * 10)
const W3_FLOP = 2 * 8 * 64 * 56 * 56 * 64 * 9
const W4_FLOP = 2 * 8 * 128 * 16 * 16 * 64 * 16
const W5_FLOP = 2 * 1024 ** 3
const W5BIG_FLOP = 2 * 4096 ** 3
/**
 * The CIFAR ResNet-18's forward at 32×32 is 0.556 G multiply-adds per image (1.11 GFLOP: the sum over
 * its convs that bench/resnet-layers.ts prints); a training step is about three forwards.
 */
const RESNET_STEP_FLOP = 2 * 3 * 32 * 0.556e9

type Lenet64 = Tensor<[64, 1, 28, 28]>
const lenetForward = jit((p: ClassicParams, x: Tensor<[number, 1, 28, 28]>) => classic(p)(x))
const sgdOptimizer = sgd({ lr: 0.01 })
const lenetStep = lenetTrainingStep(sgdOptimizer as Optimizer<unknown>)
const labels64 = lenetLabels
/** Realizes every tensor in a tree (uploads or computes it) so that a later timing does not include that; null slots are skipped. */
const resident = async (tree: unknown): Promise<void> => {
  const tensors: Tensor[] = []
  const walk = (v: unknown): void => {
    if (v instanceof TensorClass) tensors.push(v as Tensor)
    else if (v && typeof v === 'object') Object.values(v).forEach(walk)
  }
  walk(tree)
  await Promise.all(tensors.map((t) => t.data()))
}

interface Measured {
  readonly id: string
  readonly title: string
  readonly flop?: number
  /** To the end of the device's work (W1, W1b1, W2: including the small readback of the result). */
  readonly timing: Timing
  /** W3–W5: the same with the result read back. */
  readonly withReadback?: Timing
  readonly firstCallMs?: number
  readonly note?: string
  readonly load: string
}

async function measureW1(batch: 64 | 1): Promise<Measured> {
  const params = classicParams()
  const x = randn([batch, 1, 28, 28], { seed: 42 })
  await resident([params, x])
  const timing = await timeCalls(async () => {
    const y = await lenetForward(params, x)
    await y.data()
    y.dispose()
  }, batch === 1 ? runs * 3 : runs, 2)
  return { id: batch === 64 ? 'W1' : 'W1b1', title: `LeNet-5 forward, batch ${batch} (jit, logits read back)`, flop: batch * LENET_FORWARD_FLOP, timing, load: loadAverage() }
}

async function measureW2(): Promise<Measured> {
  let params = classicParams()
  let state = sgdOptimizer.init(params) as OptimizerState<unknown>
  const x: Lenet64 = randn([64, 1, 28, 28], { seed: 42 })
  const y = labels64()
  await resident([params, state, x, y])
  const traces = jitTraces()
  const timing = await timeCalls(async () => {
    const out = await lenetStep(params, state, x, y)
    params = out.params
    state = out.state
    await out.loss.data()
    out.loss.dispose()
  }, runs, 3)
  const note = jitTraces() - traces > 1 ? 'warning: traced more than once' : undefined
  return { id: 'W2', title: 'LeNet-5 training step, batch 64, SGD (jit, loss read back)', flop: 3 * 64 * LENET_FORWARD_FLOP, timing, note, load: loadAverage() }
}

/** A jitted single-op function of x, timed to the device's end and with the readback. */
async function measureKernel(id: string, title: string, flop: number, f: (x: Tensor) => Tensor, x: Tensor, captured: unknown): Promise<Measured> {
  const run = jit(f)
  await resident([x, captured])
  const timing = await timeCalls(async () => {
    const y = await run(x)
    await deviceIdle()
    y.dispose()
  }, runs, 2)
  const withReadback = await timeCalls(async () => {
    const y = await run(x)
    await y.data()
    y.dispose()
  }, runs, 1)
  return { id, title, flop, timing, withReadback, load: loadAverage() }
}

const uniform = (count: number, seed: number, scale = 1) => {
  let s = seed
  return Float32Array.from({ length: count }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 * 2 - 1) * scale)
}
const w3 = () => ({
  x: fromArray(uniform(8 * 64 * 56 * 56, 1), [8, 64, 56, 56]),
  p: { weight: fromArray(uniform(64 * 64 * 9, 2, 0.05), [64, 64, 3, 3]), bias: fromArray(uniform(64, 3), [64]) },
})
const w4 = () => ({
  x: fromArray(uniform(8 * 128 * 16 * 16, 4), [8, 128, 16, 16]),
  p: { weight: fromArray(uniform(128 * 64 * 16, 5, 0.05), [128, 64, 4, 4]), bias: fromArray(uniform(64, 6), [64]) },
})
const square = (n: number) => ({ x: fromArray(uniform(n * n, 7), [n, n]), p: { b: fromArray(uniform(n * n, 8), [n, n]) } })
const w5 = () => square(1024)
type AnyOp = (...a: unknown[]) => unknown
const w3Apply = (p: ReturnType<typeof w3>['p']) => (x: Tensor) => ((conv2d as unknown as AnyOp)(p, { padding: 1 }) as (t: Tensor) => Tensor)(x)
const w4Apply = (p: ReturnType<typeof w4>['p']) => (x: Tensor) => ((convTranspose2d as unknown as AnyOp)(p, { stride: 2, padding: 1 }) as (t: Tensor) => Tensor)(x)
const w5Apply = (p: { b: Tensor }) => (x: Tensor) => (matmul as unknown as AnyOp)(x, p.b) as Tensor

async function measureResnet(): Promise<Measured> {
  const training = resnet18Training(32)
  await resident(training.tensors)
  const t0 = performance.now()
  await training.run()
  const firstCallMs = performance.now() - t0
  const timing = await timeCalls(training.run, quick ? 1 : 3, 0)
  return { id: 'resnet18', title: 'ResNet-18 (CIFAR) training step, 32×32, batch 32, SGD momentum 0.9 (jit, loss read back)', flop: RESNET_STEP_FLOP, timing, firstCallMs, load: loadAverage() }
}

// ---------------------------------------------------------------- first call, in a fresh process

interface FirstCall { readonly workload: string; readonly ms: number; readonly pipelines: number; readonly traces: number }

/** Child mode: time the first call of W1 or W2 in this fresh process and print it as JSON. */
async function firstCallChild(workload: 'W1' | 'W2'): Promise<never> {
  await adapterLine() // the device is acquired before the clock starts
  const params = classicParams()
  const x: Lenet64 = randn([64, 1, 28, 28], { seed: 42 })
  const y = labels64()
  const state = sgdOptimizer.init(params) as OptimizerState<unknown>
  await resident([params, state, x, y])
  const [pipelines, traces] = [pipelineCompilations(), jitTraces()]
  const t0 = performance.now()
  if (workload === 'W1') await (await lenetForward(params, x)).data()
  else await (await lenetStep(params, state, x, y)).loss.data()
  const ms = performance.now() - t0
  const result: FirstCall = { workload, ms, pipelines: pipelineCompilations() - pipelines, traces: jitTraces() - traces }
  console.log(JSON.stringify(result))
  process.exit(0)
}

const firstCall = (workload: 'W1' | 'W2'): FirstCall | string => {
  try {
    const env = argv.includes('--cold-cache') ? { ...process.env, MESA_SHADER_CACHE_DISABLE: 'true' } : process.env
    const out = execFileSync(process.execPath, [...process.execArgv, self, '--first-call', workload], { encoding: 'utf8', env, timeout: 300_000 })
    return JSON.parse(out.trim().split('\n').at(-1)!) as FirstCall
  } catch (error) {
    return `failed: ${(error as Error).message.split('\n')[0]}`
  }
}

// ---------------------------------------------------------------- PyTorch

interface TorchRun {
  readonly torch: string
  readonly threads: number
  readonly blas: readonly string[]
  readonly device: string
  readonly gpu?: string
  readonly workloads?: Record<string, Timing>
  readonly firstCall?: { readonly workload: string; readonly ms: number }
}

const runTorch = (config: Record<string, unknown>): TorchRun | string => {
  try {
    const out = execFileSync(torchPython, [fileURLToPath(new URL('./peers.py', import.meta.url)), JSON.stringify(config)], { encoding: 'utf8', timeout: 600_000 })
    return JSON.parse(out.trim().split('\n').at(-1)!) as TorchRun
  } catch (error) {
    return `skipped: ${torchPython} bench/peers.py failed (${(error as Error).message.split('\n')[0]}); Debian: apt-get install python3-torch`
  }
}

// ---------------------------------------------------------------- ONNX Runtime

async function measureOrt(id: string, fn: (x: Tensor) => Tensor, x: Tensor, params: unknown): Promise<Timing | string> {
  try {
    const ort = await import('onnxruntime-node')
    const bytes = await exportOnnx((input) => fn(input as Tensor), [x.shape as number[]], { params })
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: cpus().length, executionMode: 'sequential', graphOptimizationLevel: 'all' })
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', await x.data(), x.shape as number[]) }
    return await timeCalls(() => session.run(feeds), id === 'W1b1' ? runs * 3 : runs, 2)
  } catch (error) {
    return `failed: ${(error as Error).message.split('\n')[0]}`
  }
}

// ---------------------------------------------------------------- main

if (argv.includes('--first-call')) await firstCallChild(arg('first-call', 'W1') as 'W1' | 'W2')

const started = new Date()
const header = [
  `date: ${started.toISOString()}`,
  `adapter: ${await adapterLine()}`,
  `host: ${hostLine()}, load average at start ${loadAverage()}`,
  `timed runs: ${runs} (medians)${quick ? ' — --quick' : ''}`,
]
for (const line of header) console.log(line)

const measured: Measured[] = []
const report = (m: Measured) => {
  measured.push(m)
  const gflops = m.flop ? `, ${(m.flop / m.timing.median / 1e6).toFixed(2)} GFLOP/s` : ''
  const readback = m.withReadback ? `; with readback ${m.withReadback.median.toFixed(2)} ms` : ''
  const cpu = m.flop && m.timing.cpuMedian !== undefined && m.withReadback ? `; CPU ${m.timing.cpuMedian.toFixed(1)} ms (with readback ${m.withReadback.cpuMedian?.toFixed(1)} ms)` : ''
  const first = m.firstCallMs !== undefined ? `; first call ${m.firstCallMs.toFixed(0)} ms` : ''
  console.log(`shapewise ${m.id}: ${m.timing.median.toFixed(2)} ms (min ${m.timing.min.toFixed(2)})${gflops}${readback}${cpu}${first} — load ${m.load}${m.note ? ` — ${m.note}` : ''}`)
}
const inputs = { W3: w3(), W4: w4(), W5: w5() }
const kernelFns = { W3: w3Apply(inputs.W3.p), W4: w4Apply(inputs.W4.p), W5: w5Apply(inputs.W5.p) }
const firstCalls: FirstCall[] = []
if (only.has('first')) {
  for (const w of ['W1', 'W2'] as const) {
    const r = firstCall(w)
    if (typeof r === 'string') console.log(`shapewise first call ${w}: ${r}`)
    else {
      firstCalls.push(r)
      console.log(`shapewise first call ${w} (fresh process: trace + compile + run): ${r.ms.toFixed(0)} ms, ${r.pipelines} pipelines compiled — load ${loadAverage()}`)
    }
  }
}
if (only.has('W1')) report(await measureW1(64))
if (only.has('W1b1')) report(await measureW1(1))
if (only.has('W2')) report(await measureW2())
if (only.has('W3')) report(await measureKernel('W3', 'conv2d 3×3 64→64, 56², batch 8', W3_FLOP, kernelFns.W3, inputs.W3.x, inputs.W3.p))
if (only.has('W4')) report(await measureKernel('W4', 'convTranspose2d 4×4 s2, 128→64, 16²→32², batch 8', W4_FLOP, kernelFns.W4, inputs.W4.x, inputs.W4.p))
if (only.has('W5')) report(await measureKernel('W5', 'matmul 1024³', W5_FLOP, kernelFns.W5, inputs.W5.x, inputs.W5.p))
if (only.has('W5big')) {
  const big = square(4096)
  report(await measureKernel('W5big', 'matmul 4096³', W5BIG_FLOP, w5Apply(big.p), big.x, big.p))
}
if (only.has('resnet18')) report(await measureResnet())

// PyTorch, once per thread count; per workload the faster is the peer.
const torchRuns: TorchRun[] = []
const torchIds = [...only].flatMap((w) => (w === 'first' ? [] : [w]))
if (useTorch) {
  for (const threads of torchThreads) {
    const r = runTorch({ threads, runs, warmup: 2, only: [...torchIds, 'ceiling'], resnetRuns: quick ? 1 : 3, device: torchDevice, ceilingSize: torchDevice === 'cpu' ? 2048 : 4096 })
    if (typeof r === 'string') {
      console.log(`PyTorch: ${r}`)
      break
    }
    torchRuns.push(r)
    console.log(`PyTorch ${r.torch} (${r.device}${r.gpu ? `: ${r.gpu}` : ''}), ${r.threads} thread(s), BLAS ${r.blas.map((b) => b.split('/').pop()).join(' ') || 'none loaded'} — load ${loadAverage()}`)
  }
  if (torchRuns.length && only.has('first'))
    for (const w of ['W1', 'W2'] as const) {
      const r = runTorch({ threads: 1, firstCall: w, device: torchDevice })
      if (typeof r !== 'string' && r.firstCall) torchRuns.push(r)
    }
}
const torchBest = (id: string): (Timing & { threads: number }) | undefined =>
  torchRuns.flatMap((r) => (r.workloads?.[id] ? [{ ...r.workloads[id], threads: r.threads }] : [])).sort((a, b) => a.median - b.median)[0]
const ceiling = (() => {
  const c = torchBest('ceiling')
  const big = c ? (2 * (torchDevice === 'cpu' ? 2048 : 4096) ** 3) / c.median / 1e6 : 0
  const w5t = torchBest('W5')
  const small = w5t ? W5_FLOP / w5t.median / 1e6 : 0
  return Math.max(big, small) || undefined
})()

// ONNX Runtime, forward workloads only.
const ort: Record<string, Timing | string> = {}
if (useOrt) {
  const lenetParams = classicParams()
  const lenet = (p: ClassicParams) => (x: Tensor) => classic(p)(x as Tensor<[number, 1, 28, 28]>) as Tensor
  if (only.has('W1')) ort.W1 = await measureOrt('W1', lenet(lenetParams), randn([64, 1, 28, 28], { seed: 42 }), lenetParams)
  if (only.has('W1b1')) ort.W1b1 = await measureOrt('W1b1', lenet(lenetParams), randn([1, 1, 28, 28], { seed: 42 }), lenetParams)
  for (const id of ['W3', 'W4', 'W5'] as const) if (only.has(id)) ort[id] = await measureOrt(id, kernelFns[id], inputs[id].x, inputs[id].p)
  console.log(`ONNX Runtime (onnxruntime-node, CPU, ${cpus().length} threads) — load ${loadAverage()}`)
}

// ---------------------------------------------------------------- report

const ms = (t: Timing | undefined) => (t ? t.median.toFixed(2) : '—')
const rate = (flop: number | undefined, t: Timing | undefined) => (flop && t ? ` (${(flop / t.median / 1e6).toFixed(1)})` : '')
const rows = measured.map((m) => {
  const peer = torchBest(m.id)
  const o = ort[m.id]
  const gflops = m.flop ? m.flop / m.timing.median / 1e6 : undefined
  return {
    id: m.id,
    title: m.title,
    shapewise: `${ms(m.timing)}${rate(m.flop, m.timing)}`,
    readback: m.withReadback ? ms(m.withReadback) : '—',
    pytorch: peer ? `${ms(peer)}${rate(m.flop, peer)} [${peer.threads}t]` : '—',
    ratio: peer ? `${(m.timing.median / peer.median).toFixed(2)}×` : '—',
    ort: typeof o === 'string' ? o : o ? `${ms(o)}${rate(m.flop, o)}` : '—',
    ceiling: gflops && ceiling && /^W[345]/.test(m.id) ? `${((100 * gflops) / ceiling).toFixed(1)} %` : '—',
    load: m.load,
  }
})
const lines = [
  ...header.map((h) => `- ${h}`),
  ...(torchRuns.length ? [`- PyTorch ${torchRuns[0].torch} on ${torchRuns[0].gpu ?? torchRuns[0].device}, BLAS: ${torchRuns[0].blas.map((b) => b.split('/').pop()).join(', ') || 'none loaded'}; native ceiling (PyTorch matmul): ${ceiling?.toFixed(1) ?? '—'} GFLOP/s`] : []),
  '',
  '| workload | shapewise ms (GFLOP/s) | with readback ms | PyTorch ms (GFLOP/s) [threads] | shapewise / PyTorch | ONNX Runtime ms (GFLOP/s) | shapewise / native ceiling | load average |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.id}: ${r.title} | ${r.shapewise} | ${r.readback} | ${r.pytorch} | ${r.ratio} | ${r.ort} | ${r.ceiling} | ${r.load} |`),
]
const torchFirst = (w: string) => torchRuns.find((r) => r.firstCall?.workload === w)?.firstCall
if (firstCalls.length) {
  lines.push('', '| first call (fresh process) | shapewise ms | pipelines compiled | PyTorch ms (eager, first call) |', '| --- | --- | --- | --- |')
  for (const f of firstCalls) lines.push(`| ${f.workload} | ${f.ms.toFixed(0)} | ${f.pipelines} | ${torchFirst(f.workload)?.ms.toFixed(0) ?? '—'} |`)
}
const resnet = measured.find((m) => m.id === 'resnet18')
if (resnet?.firstCallMs !== undefined) lines.push('', `ResNet-18 first step (trace + compile + run): ${resnet.firstCallMs.toFixed(0)} ms`)
lines.push('', `load average at the end: ${loadAverage()}`)
console.log(`\n${lines.join('\n')}`)

const json = {
  date: started.toISOString(), adapter: await adapterLine(), host: hostLine(), quick, runs,
  shapewise: measured, firstCalls, pytorch: torchRuns, ceilingGflops: ceiling, onnxRuntime: ort, loadAtEnd: loadAverage(),
}
if (argv.includes('--json')) writeFileSync(arg('json', 'peers.json'), JSON.stringify(json, null, 2))
if (argv.includes('--markdown')) writeFileSync(arg('markdown', 'peers.md'), lines.join('\n') + '\n')
process.exit(0)
