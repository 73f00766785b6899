// Benchmark: a 1024³ matmul through the public API — `matmul(a, b)` then
// `await data()` — i.e. schedule, the compiler's kernel, one submit and the
// 4 MB readback. Operands are realized once first, so runs time the product.
//
//   npx tsx bench/matmul.ts [n=1024] [runs=7]

import { fromArray, matmul, type Tensor } from '../src/index.ts'
import { backendInfo } from '../src/runtime/index.ts'

const n = Number(process.argv[2] ?? 1024)
const runs = Number(process.argv[3] ?? 7)

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
console.log(`${n}³ matmul: median ${median.toFixed(1)} ms over ${runs} runs (min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)}) = ${(flops / median / 1e6).toFixed(2)} GFLOP/s; spot-check max|err| ${maxErr.toExponential(1)}`)
process.exit(0)
