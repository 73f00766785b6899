// Benchmark: what a dispatch costs inside one submit versus as its own
// submit, and the fixed cost of one execute() round trip with a readback.
//
//   npx tsx bench/dispatch-overhead.ts
//
// Why it matters: a training step is hundreds of small kernels; the runtime
// encodes them all into one command buffer because a separate submit per
// kernel costs several times more (measured here: ~0.07 vs ~0.24 ms on llvmpipe).

import { backendInfo, execute, type Plan, type Step } from '../src/runtime/index.ts'

const n = 1024
const wgsl = `// bench tiny scale ${n}
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < ${n}u) { x[g.x] = x[g.x] * 1.0001 + 0.5; }
}
`
const dispatch: Step = { kind: 'dispatch', wgsl, bindings: [{ buffer: 0, access: 'read_write' }], workgroups: n / 64 }
const plan = (k: number): Plan => ({ buffers: [{ bytes: 4 * n }], steps: Array.from({ length: k }, () => dispatch) })

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

async function timeIt(f: () => Promise<unknown>, runs = 9): Promise<number> {
  await f()
  const ts: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await f()
    ts.push(performance.now() - t0)
  }
  return median(ts)
}

const info = await backendInfo()
console.log(`adapter: ${info.device} — ${info.description} [${info.backend}]`)
const K = 200
const one = await timeIt(() => execute(plan(K), [], { wait: true }))
const many = await timeIt(async () => {
  for (let i = 0; i < K; i++) await execute(plan(1), [], { wait: true })
}, 3)
const readback = await timeIt(() => execute(plan(1), [0]))
console.log(`${K} dispatches in one submit: ${one.toFixed(2)} ms  (${(one / K).toFixed(3)} ms per dispatch)`)
console.log(`${K} dispatches, one execute() + wait each: ${many.toFixed(2)} ms  (${(many / K).toFixed(3)} ms per dispatch)`)
console.log(`one dispatch + 4 KB readback round trip: ${readback.toFixed(3)} ms`)
