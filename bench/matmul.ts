// Benchmark: a 1024³ matmul through the public API — `matmul(a, b)` then
// `await data()` — i.e. schedule, the compiler's kernel, one submit and the
// 4 MB readback. Operands are realized once first, so runs time the product.
//
//   npx tsx bench/matmul.ts [n=1024] [runs=7] [--sweep [--tilings 16x8@8x4,8x16@8x1]]
//
// --sweep times other register tiles (rows x columns of C per invocation) and
// workgroups through the same lowering, each checked against the default and
// timed round-robin (other processes' load spreads evenly), kernel and texture
// copies in one submit, nothing read back.

import { fromArray, matmul, type Tensor } from '../src/index.ts'
import { backendInfo, execute, type Plan } from '../src/runtime/index.ts'
import { chooseTiling, lowerMatmul, matmulProblem, type MatmulTiling } from '../src/ops/linear.wgsl.ts'
import { kernelTarget } from '../src/compiler/program.ts'
import { residentBuffer } from '../src/runtime/residency.ts'
import { planOfLowering } from './lowering-plan.ts'
import { operandLayout } from '../src/compiler/passes.ts'

const args = process.argv.slice(2)
const positional = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--tilings')
const n = Number(positional[0] ?? 1024)
const runs = Number(positional[1] ?? 7)

const info = await backendInfo()
console.log(`adapter: ${info.device} — ${info.description} [backend ${info.backend}, ${info.featureLevel}${info.software ? ', software' : ''}]`)

const random = (count: number) => Float32Array.from({ length: count }, () => Math.random() * 2 - 1)
const a = fromArray(random(n * n), [n, n]) as Tensor<[number, number]>
const b = fromArray(random(n * n), [n, n]) as Tensor<[number, number]>
await Promise.all([a.data(), b.data()]) // upload once; they stay on the device

const product = () => (matmul as unknown as (x: Tensor<[number, number]>, y: Tensor<[number, number]>) => Tensor<[number, number]>)(a, b)

// First run: compiles the kernel.
let t0 = performance.now()
const first = product()
const c = await first.data()
console.log(`first run (incl. compile): ${(performance.now() - t0).toFixed(0)} ms`)

// Spot-check a few entries against float64.
const [av, bv] = await Promise.all([a.data(), b.data()])
let maxErr = 0
for (let s = 0; s < 16; s++) {
  const i = Math.floor(Math.random() * n)
  const j = Math.floor(Math.random() * n)
  let ref = 0
  for (let k = 0; k < n; k++) ref += av[i * n + k] * bv[k * n + j]
  maxErr = Math.max(maxErr, Math.abs(ref - c[i * n + j]))
}
first.dispose()

const times: number[] = []
for (let r = 0; r < runs; r++) {
  const y = product()
  t0 = performance.now()
  await y.data()
  times.push(performance.now() - t0)
  y.dispose()
}
times.sort((x, y) => x - y)
const median = times[times.length >> 1]
const flops = 2 * n * n * n
if (args.includes('--sweep')) {
  const node = product().node
  if (node.op !== 'matmul') throw new Error(`expected a matmul node, got ${node.op}`)
  const target = kernelTarget(info)
  const inputs = [a.node, b.node].map((x) => residentBuffer(x)!)
  const bound = new Map(inputs.map((buf, i) => [i, buf] as const))
  const tilings: MatmulTiling[] = args.includes('--tilings')
    ? args[args.indexOf('--tilings') + 1].split(',').map((t) => {
        const [, tm, tn, wx, wy] = /^(\d+)x(\d+)@(\d+)x(\d+)$/.exec(t)!
        return { tileM: +tm, tileN: +tn, workgroup: [+wx, +wy] as const }
      })
    : [chooseTiling(matmulProblem(node), target), { tileM: 16, tileN: 8, workgroup: [8, 1] }, { tileM: 8, tileN: 16, workgroup: [8, 1] }, { tileM: 16, tileN: 16, workgroup: [8, 1] }, { tileM: 32, tileN: 8, workgroup: [8, 1] }]
  // CPU time of the whole process (llvmpipe's threads included) per run: steadier than wall time when other processes load the machine.
  const variants: { label: string; plan: Plan; times: number[]; cpu: number[] }[] = []
  for (const tiling of tilings) {
    // The texture form where the operand-layout pass takes the routine's offer, as a compiled plan would run it.
    const { lowering } = operandLayout(lowerMatmul(matmulProblem(node), target, tiling), target)
    const plan = planOfLowering(lowering, node, target, n * n * 4, inputs.map((x) => x.size))
    const [got] = await execute(plan, [2], { buffers: bound })
    let err = 0
    for (let i = 0; i < c.length; i++) err = Math.max(err, Math.abs(got[i] - c[i]))
    variants.push({ label: `tile ${tiling.tileM}x${tiling.tileN} wg ${tiling.workgroup.join('x')} (err ${err.toExponential(1)})`, plan, times: [], cpu: [] })
  }
  for (let r = 0; r < runs; r++)
    for (const v of variants) {
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      await execute(v.plan, [], { buffers: bound, wait: true })
      v.times.push(performance.now() - t0)
      const c1 = process.cpuUsage(c0)
      v.cpu.push((c1.user + c1.system) / 1000)
    }
  const mid = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]
  for (const v of variants) {
    const ms = mid(v.times)
    console.log(`${v.label.padEnd(40)} median ${ms.toFixed(1).padStart(7)} ms  ${((2 * n ** 3) / ms / 1e6).toFixed(2).padStart(6)} GFLOP/s  (min ${Math.min(...v.times).toFixed(1)} ms); CPU ${mid(v.cpu).toFixed(1)} ms`)
  }
}
console.log(`${n}³ matmul: median ${median.toFixed(1)} ms over ${runs} runs (min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)}) = ${(flops / median / 1e6).toFixed(2)} GFLOP/s; spot-check max|err| ${maxErr.toExponential(1)}`)
process.exit(0)
