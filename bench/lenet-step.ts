// Benchmark: one jitted LeNet-5 (classic) training step at batch 64 —
// forward, crossEntropy, backward and the Adam update, compiled by `jit` into
// one plan (one submit) — then the same step in PyTorch on the CPU as the peer.
//
//   npx tsx bench/lenet-step.ts [--steps 20] [--warmup 5] [--torch-threads 1,2] [--no-peer]
//
// A timed step is `await step(...)` plus reading the loss back (what a
// training loop does; the readback waits for the device). Parameters and
// optimizer state stay on the device between steps (donated), the batch is
// uploaded once. The peer is an inline script for Debian's python3-torch:
// the same network, batch, Adam and loss, timed the same way (`loss.item()`
// syncs), once per thread count in --torch-threads (default: 1 and every
// core; llvmpipe uses every core, but PyTorch's OpenMP threads degrade badly
// when other processes load the machine, so the faster of the two is the
// peer the ratio is taken against). An earlier, unscripted measurement: TF.js WebGPU on
// the same adapter 1.1 s per step, PyTorch CPU 12.2 ms.

import { execFileSync } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import {
  jit, jitTraces, randn, fromArray, backendInfo, valueAndGrad, type Tensor,
} from '../src/index.ts'
import { crossEntropy, countParameters } from '../src/nn/index.ts'
import { classic, classicParams, type ClassicParams } from '../examples/lenet.ts'
import { adam, type OptimizerState } from '../src/optim/index.ts'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const steps = Math.max(20, Number(arg('steps', '20')))
const warmup = Number(arg('warmup', '5'))
const torchThreads = [...new Set(arg('torch-threads', `1,${cpus().length}`).split(',').map(Number))]
const batchSize = 64
const learningRate = 1e-3

// ---------------------------------------------------------------- model (examples/lenet.ts, classic)

const initParams = classicParams
type Params = ClassicParams
const lenet = classic

type Batch = Tensor<[typeof batchSize, 1, 28, 28]>
type Labels = Tensor<[typeof batchSize], 'int32'>
type State = OptimizerState<unknown>

const optimizer = adam({ lr: learningRate })
const step = jit(
  (params: Params, state: State, x: Batch, y: Labels) => {
    const [loss, grads] = valueAndGrad((p: Params) => crossEntropy(lenet(p)(x), y))(params)
    const [next, nextState] = optimizer.update(params, grads, state as never)
    return { params: next, state: nextState as State, loss }
  },
  { donate: [0, 1] },
)

// ---------------------------------------------------------------- timing

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const info = await backendInfo()
console.log(`adapter: ${info.device} — ${info.description} [backend ${info.backend}, ${info.featureLevel}${info.software ? ', software' : ''}]`)
console.log(`host: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)

let params: Params = initParams()
console.log(`LeNet-5 (classic), ${countParameters(params).toLocaleString('en-US')} parameters, batch ${batchSize}, Adam lr ${learningRate}`)
let state: State = optimizer.init(params) as State
const x: Batch = randn([batchSize, 1, 28, 28], { seed: 42 })
const y: Labels = fromArray(Int32Array.from({ length: batchSize }, (_, i) => (i * 7 + 3) % 10), [batchSize], 'int32')
await Promise.all([x.data(), y.data()]) // upload the batch once; it stays on the device

// CPU time of the whole process (llvmpipe's threads included): steadier than wall time when other processes load the machine.
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const runStep = async () => {
  const [t0, c0] = [performance.now(), cpuMs()]
  const out = await step(params, state, x, y)
  params = out.params
  state = out.state
  const [loss] = await out.loss.data()
  out.loss.dispose()
  return { ms: performance.now() - t0, cpu: cpuMs() - c0, loss }
}

const first = await runStep()
console.log(`first step (trace + compile + run): ${first.ms.toFixed(0)} ms (${first.cpu.toFixed(0)} ms CPU), loss ${first.loss.toFixed(4)}`)
for (let i = 1; i < warmup; i++) await runStep()
const tracesBefore = jitTraces()
const times: number[] = []
const cpuTimes: number[] = []
let lastLoss = first.loss
for (let i = 0; i < steps; i++) {
  const r = await runStep()
  times.push(r.ms)
  cpuTimes.push(r.cpu)
  lastLoss = r.loss
}
if (jitTraces() !== tracesBefore) console.log('warning: the timed steps traced again')
const ours = median(times)
console.log(
  `shapewise: ${ours.toFixed(2)} ms/step (median of ${steps} after ${warmup} warm-up; min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)})` +
    `, ${((batchSize * 1000) / ours).toFixed(0)} images/s, loss ${first.loss.toFixed(4)} → ${lastLoss.toFixed(4)}` +
    `; CPU ${median(cpuTimes).toFixed(2)} ms/step (min ${Math.min(...cpuTimes).toFixed(2)}); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
)

// ---------------------------------------------------------------- the PyTorch peer

const peerScript = String.raw`
import json, statistics, sys, time
try:
    import torch
    from torch import nn
except ImportError as e:
    print(json.dumps({"missing": str(e)})); sys.exit(0)
batch, warmup, steps, threads, lr = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
    nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
opt = torch.optim.Adam(net.parameters(), lr=lr)
x = torch.randn(batch, 1, 28, 28)
y = torch.arange(batch).mul(7).add(3).remainder(10)
def step():
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    loss.item()
    return (time.perf_counter() - t0) * 1000
for _ in range(warmup): step()
times = [step() for _ in range(steps)]
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "median": statistics.median(times), "min": min(times), "max": max(times)}))
`

interface Peer { torch: string; threads: number; median: number; min: number; max: number }
const runPeer = (threads: number): Peer | string => {
  try {
    const out = execFileSync('/usr/bin/python3', ['-c', peerScript, String(batchSize), String(warmup), String(steps), String(threads), String(learningRate)], {
      encoding: 'utf8',
      timeout: 300_000,
    })
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Peer | { missing: string }
    return 'missing' in result ? `skipped: PyTorch is not installed (${result.missing}); apt-get install python3-torch` : result
  } catch (error) {
    return `skipped: /usr/bin/python3 failed (${(error as Error).message.split('\n')[0]})`
  }
}
const peers: Peer[] = []
if (process.argv.includes('--no-peer')) console.log('PyTorch peer: skipped (--no-peer)')
else
  for (const threads of torchThreads) {
    const peer = runPeer(threads)
    if (typeof peer === 'string') {
      console.log(`PyTorch peer: ${peer}`)
      break
    }
    peers.push(peer)
    console.log(
      `PyTorch ${peer.torch} (CPU, ${peer.threads} thread${peer.threads === 1 ? '' : 's'}): ${peer.median.toFixed(2)} ms/step (median of ${steps} after ${warmup} warm-up; min ${peer.min.toFixed(2)}, max ${peer.max.toFixed(2)})` +
        `, ${((batchSize * 1000) / peer.median).toFixed(0)} images/s`,
    )
  }
if (peers.length) {
  const best = peers.reduce((a, b) => (b.median < a.median ? b : a))
  console.log(`ratio: shapewise / PyTorch (${best.threads} thread${best.threads === 1 ? '' : 's'}) = ${(ours / best.median).toFixed(2)}× the time per step`)
}
