// Benchmark: W3 — conv2d 3×3, 64→64 channels, 56×56, batch 8, padding 1
// (earlier, unscripted measurement: TF.js WebGPU 2.3 s = 0.8 GFLOP/s, PyTorch CPU 13.7 ms here).
//
//   npx tsx bench/conv2d.ts [--runs 7] [--sweep [--tiles 8x8@8x1,8x16@8x4b]]
//
// Times the compiled plan of one conv2d node (repack of input and weight,
// texture copies where the adapter prefers texture operands, implicit GEMM;
// one submit), waiting for the device, with
// x, w and bias already resident; then the same with the 6.4 MB readback
// (`await y.data()`). --sweep also times other register tiles and workgroup
// shapes and operand layouts through the same lowering, each checked against
// the default and timed round-robin (other processes' load spreads evenly).

import { conv2d } from '../src/ops/conv.ts'
import { lowerConv, defaultConvTile, type ConvTile } from '../src/ops/conv.wgsl.ts'
import { operandLayout } from '../src/compiler/passes.ts'
import { schedule } from '../src/compiler/schedule.ts'
import { planOfLowering } from './lowering-plan.ts'
import { realize } from '../src/realize.ts'
import { residentBuffer } from '../src/runtime/residency.ts'
import { kernelTarget } from '../src/compiler/program.ts'
import { fromArray, type Tensor } from '../src/tensor.ts'
import { backendInfo, execute, type Plan } from '../src/runtime/index.ts'
import type { Node, NodeOf } from '../src/graph.ts'

const args = process.argv.slice(2)
const runs = Number(args[args.indexOf('--runs') + 1]) || 7
const sweep = args.includes('--sweep')

// --shape N,C,H,W,CO,K,P times another conv (LeNet-5's second: 64,6,14,14,16,5,0).
const [N, C, H, W, CO, K, P] = args.includes('--shape') ? args[args.indexOf('--shape') + 1].split(',').map(Number) : [8, 64, 56, 56, 64, 3, 1]
const [HO, WO] = [H + 2 * P - K + 1, W + 2 * P - K + 1]
const flops = 2 * N * CO * HO * WO * C * K * K

const info = await backendInfo()
console.log(`adapter: ${info.device} — ${info.description} [backend ${info.backend}, ${info.featureLevel}${info.software ? ', software' : ''}]`)
console.log(`conv2d x[${N},${C},${H},${W}] w[${CO},${C},${K},${K}] padding ${P}, ${(flops / 1e9).toFixed(2)} GFLOP`)

let seed = 1
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
const x = fromArray(Float32Array.from({ length: N * C * H * W }, rand), [N, C, H, W])
const weight = fromArray(Float32Array.from({ length: CO * C * K * K }, () => rand() * 0.05), [CO, C, K, K])
const bias = fromArray(Float32Array.from({ length: CO }, rand), [CO])
// Upload once: later plans find them on the device.
await realize([x.node, weight.node, bias.node])

type Conv = (w: unknown, o: unknown) => (x: Tensor) => Tensor
const convNode = (): NodeOf<'conv2d'> => {
  const node: Node = (conv2d as unknown as Conv)({ weight, bias }, { padding: P })(x as unknown as Tensor).node
  if (node.op !== 'conv2d') throw new Error(`expected a conv2d node, got ${node.op}`)
  return node
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const report = (label: string, times: number[], cpu?: number[]) => {
  const ms = median(times)
  console.log(`${label.padEnd(34)} median ${ms.toFixed(1).padStart(7)} ms  ${(flops / ms / 1e6).toFixed(2).padStart(6)} GFLOP/s  (${times.length} runs, min ${Math.min(...times).toFixed(1)} ms)${cpu ? `; CPU ${median(cpu).toFixed(1)} ms` : ''}`)
}
/** One timed run: wall time, and the CPU time of the whole process (llvmpipe's threads included), steadier than wall time on a loaded machine. */
const timed = async (run: () => Promise<unknown>, into: { times: number[]; cpu: number[] }) => {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await run()
  into.times.push(performance.now() - t0)
  const c = process.cpuUsage(c0)
  into.cpu.push((c.user + c.system) / 1000)
}

async function timeRuns(f: () => Promise<unknown>): Promise<number[]> {
  await f() // compile and warm up
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await f()
    times.push(performance.now() - t0)
  }
  return times
}

// The plan the compiler builds for a fresh conv2d node (nothing read back).
const plan = schedule([convNode()], residentBuffer, () => true, kernelTarget(info))
console.log(`plan: ${plan.dispatches} dispatches, ${plan.plan.textures?.length ?? 0} textures, tile ${JSON.stringify(defaultConvTile(N * HO * WO, CO, C * K * K, kernelTarget(info)))}`)
report('plan (repacks + GEMM)', await timeRuns(() => execute(plan.plan, [], { buffers: plan.external, wait: true })))
report('await y.data() (plan + readback)', await timeRuns(() => realize([convNode()])))

if (args.includes('--phases')) {
  // Time the default lowering's steps cumulatively (repack; + texture copies; + GEMM), round-robin.
  const node = convNode()
  const inputs = [x.node, weight.node, bias.node].map((n) => residentBuffer(n)!)
  const bound = new Map(inputs.map((b, i) => [i, b] as const))
  const target = kernelTarget(info)
  const { lowering } = operandLayout(lowerConv(node, target), target)
  const count = 'steps' in lowering ? lowering.steps.length : 0
  const prefixes = Array.from({ length: count }, (_, k) => {
    const plan = planOfLowering(lowering, node, target, N * CO * HO * WO * 4, inputs.map((b) => b.size), k + 1)
    return { label: `steps 1..${k + 1} (${plan.steps.map((s) => s.kind).join(', ')})`, plan, times: [] as number[], cpu: [] as number[] }
  })
  for (const v of prefixes) await execute(v.plan, [], { buffers: bound, wait: true })
  for (let r = 0; r < runs; r++)
    for (const v of prefixes) await timed(() => execute(v.plan, [], { buffers: bound, wait: true }), v)
  for (const v of prefixes) report(v.label, v.times, v.cpu)
}

if (sweep) {
  const node = convNode()
  const [want] = await realize([node])
  const inputs = [x.node, weight.node, bias.node].map((n) => residentBuffer(n)!)
  const bound = new Map(inputs.map((b, i) => [i, b] as const))
  // --tiles 8x8@8x1,8x16@8x4b: pixels x channels @ workgroup, 'b' for buffer operands.
  const custom = args.includes('--tiles')
    ? args[args.indexOf('--tiles') + 1].split(',').map((t): ConvTile => {
        const [, p, c, wx, wy, b] = /^(\d+)x(\d+)@(\d+)x(\d+)(b?)$/.exec(t)!
        return { pixels: +p, channels: +c, workgroup: [+wx, +wy], textures: b !== 'b' }
      })
    : undefined
  const variants: ConvTile[] = custom ?? [
    { pixels: 8, channels: 8, workgroup: [8, 1], textures: true },
    { pixels: 8, channels: 8, workgroup: [8, 1] },
    { pixels: 4, channels: 4, workgroup: [8, 1], textures: true },
    { pixels: 4, channels: 8, workgroup: [8, 1], textures: true },
    { pixels: 8, channels: 4, workgroup: [8, 1], textures: true },
    { pixels: 8, channels: 8, workgroup: [16, 1], textures: true },
    { pixels: 8, channels: 8, workgroup: [8, 4], textures: true },
    { pixels: 8, channels: 8, workgroup: [32, 1], textures: true },
    { pixels: 16, channels: 8, workgroup: [8, 1], textures: true },
    { pixels: 8, channels: 16, workgroup: [8, 1], textures: true },
  ]
  const target = kernelTarget(info)
  const plans: { label: string; plan: Plan; times: number[]; cpu: number[] }[] = []
  for (const tile of variants) {
    // Operands laid out as the compiler's choose-operand-layout pass would for this adapter.
    const { lowering } = operandLayout(lowerConv(node, target, tile), target)
    const p = planOfLowering(lowering, node, target, want.length * 4, inputs.map((b) => b.size))
    const [got] = await execute(p, [3], { buffers: bound })
    let err = 0
    for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]))
    const textured = (p.textures ?? []).length > 0
    plans.push({ label: `tile ${tile.pixels}x${tile.channels} wg ${tile.workgroup.join('x')} ${textured ? 'texture' : 'buffer'} (err ${err.toExponential(1)})`, plan: p, times: [], cpu: [] })
  }
  // Round-robin, so that load from other processes spreads over all variants alike.
  for (let r = 0; r < runs; r++)
    for (const v of plans) await timed(() => execute(v.plan, [], { buffers: bound, wait: true }), v)
  for (const v of plans) report(v.label, v.times, v.cpu)
}
