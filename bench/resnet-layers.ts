// Benchmark: each convolution shape of bench/resnet18.ts (CIFAR ResNet-18) alone, at batch 32:
// its forward conv2d and its input gradient (the conv's own VJP: a transposed conv of dy, cropped
// to the input where its own padding cannot), each as the compiler schedules it (repacks, texture
// copies, GEMM; one submit), operands already on the device, nothing read back.
//
//   npx tsx bench/resnet-layers.ts [--batch 32] [--runs 3] [--only fwd|dx] [--layers stem,s1,…]
//                                  [--phases] [--tiles 8x16@8x1,12x32@8x1b]
//
// Prints wall and CPU time per call (CPU: the whole process, llvmpipe's threads included;
// steadier than wall time on a loaded machine), GFLOP/s by wall time, the plan's steps
// (D dispatch, T texture copy), and how many of each such conv one step runs (forward and
// input gradient alike; the stem's input gradient is not needed and not run by a step).
// --phases times the cumulative prefixes of each plan (repack; + copies; + GEMM), --tiles
// other register tiles for each GEMM by CPU time, round-robin against the default.

import { conv2d } from '../src/ops/conv.ts'
import { schedule } from '../src/compiler/schedule.ts'
import { realize } from '../src/realize.ts'
import { residentBuffer } from '../src/runtime/residency.ts'
import { kernelTarget } from '../src/compiler/program.ts'
import { fromArray, wrap, type Tensor } from '../src/tensor.ts'
import { backendInfo, execute } from '../src/runtime/index.ts'
import type { Node, NodeOf } from '../src/graph.ts'
import { loadAverage, timeCalls, timeRoundRobin } from './lib.ts'
import { lowerConv, type ConvNode, type ConvTile } from '../src/ops/conv.wgsl.ts'
import { operandLayout } from '../src/compiler/passes.ts'
import { planOfLowering } from './lowering-plan.ts'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : fallback
}
const batch = Number(arg('batch', '32'))
const runs = Number(arg('runs', '3'))
const only = arg('only', 'both')
/** Also time the cumulative prefixes of each plan's steps: where a conv's time goes. */
const phases = argv.includes('--phases')
/** --tiles 8x16@8x1,12x32@8x1b: also time these tiles (pixels x channels @ workgroup, b: buffer operands) for each conv's GEMM, round-robin against the default. */
const tiles = argv.includes('--tiles')
  ? arg('tiles', '').split(',').map((t): ConvTile => {
      const [, p, c, wx, wy, b] = /^(\d+)x(\d+)@(\d+)x(\d+)(b?)$/.exec(t)!
      return { pixels: +p, channels: +c, workgroup: [+wx, +wy], textures: b !== 'b' }
    })
  : []
const chosen = argv.includes('--layers') ? new Set(arg('layers', '').split(',')) : undefined

/** name, in → out channels, input size, kernel, stride, padding, convs of this shape in one step. */
const LAYERS: readonly [string, number, number, number, number, number, number, number][] = [
  ['stem', 3, 64, 32, 3, 1, 1, 1],
  ['s1', 64, 64, 32, 3, 1, 1, 4],
  ['s2down', 64, 128, 32, 3, 2, 1, 1],
  ['s2', 128, 128, 16, 3, 1, 1, 3],
  ['s2short', 64, 128, 32, 1, 2, 0, 1],
  ['s3down', 128, 256, 16, 3, 2, 1, 1],
  ['s3', 256, 256, 8, 3, 1, 1, 3],
  ['s3short', 128, 256, 16, 1, 2, 0, 1],
  ['s4down', 256, 512, 8, 3, 2, 1, 1],
  ['s4', 512, 512, 4, 3, 1, 1, 3],
  ['s4short', 256, 512, 8, 1, 2, 0, 1],
]

const info = await backendInfo()
const target = kernelTarget(info)
console.log(`adapter: ${info.device} [${info.backend}${info.software ? ', software' : ''}]; batch ${batch}, ${runs} runs; load ${loadAverage()}`)

let seed = 1
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
const tensor = (shape: number[]) => fromArray(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, rand), shape)
type Conv = (w: unknown, o: unknown) => (x: Tensor) => Tensor

let totalStep = 0
for (const [name, ci, co, size, k, stride, padding, count] of LAYERS) {
  if (chosen && !chosen.has(name)) continue
  const x = tensor([batch, ci, size, size])
  const weight = tensor([co, ci, k, k])
  const out = Math.floor((size + 2 * padding - k) / stride) + 1
  const dy = tensor([batch, co, out, out])
  // On the device before the nodes that read them are built.
  await realize([x.node, weight.node, dy.node])
  const forward = (conv2d as unknown as Conv)({ weight }, { stride, padding })(x as unknown as Tensor).node as NodeOf<'conv2d'>
  const [dx] = forward.primitive.vjp({ node: forward, params: forward.params, inputs: [x, weight], output: wrap(forward), dy } as never)
  const flops = 2 * forward.shape.reduce((a, b) => a * b, 1) * ci * k * k
  const cases: [string, Node][] = []
  if (only !== 'dx') cases.push(['fwd', forward])
  if (only !== 'fwd' && name !== 'stem') cases.push(['dx', dx!.node])
  for (const [what, node] of cases) {
    const plan = schedule([node], residentBuffer, () => true, target)
    const run = () => execute(plan.plan, [], { buffers: plan.external, wait: true })
    const timing = await timeCalls(run, runs, 1) // the untimed call compiles and warms up
    const ms = timing.median
    totalStep += ms * count
    // The GEMM node itself (the input gradient's transposed conv, not its crop if it has one).
    const gemm = (node.op === 'slice' ? node.inputs[0] : node) as ConvNode
    if (tiles.length > 0 && (gemm.op === 'conv2d' || gemm.op === 'convTranspose2d')) {
      const inputs = gemm.inputs.map((n) => residentBuffer(n)!)
      const bound = new Map(inputs.map((b, i) => [i, b] as const))
      const outputBytes = gemm.shape.reduce((a, b) => a * b, 1) * 4
      const variants = [undefined, ...tiles].map((tile) => {
        const { lowering } = operandLayout(lowerConv(gemm, target, tile), target)
        return { label: tile ? `${tile.pixels}x${tile.channels}@${tile.workgroup.join('x')}${tile.textures ? '' : 'b'}` : 'default', plan: planOfLowering(lowering, gemm, target, outputBytes, inputs.map((b) => b.size)) }
      })
      const timings = await timeRoundRobin(variants.map((v) => () => execute(v.plan, [], { buffers: bound, wait: true })), runs)
      console.log(`  tiles (CPU ms): ${variants.map((v, i) => `${v.label} ${timings[i].cpuMedian.toFixed(1)}`).join(', ')}`)
    }
    const labels = plan.plan.steps.map((s) => (s.kind === 'dispatch' ? 'D' : 'T')).join('')
    if (phases) {
      // Cumulative prefixes of the plan's steps (repack; + texture copies; + GEMM; …), round-robin.
      const prefixes = plan.plan.steps.map((_, i) => ({ ...plan.plan, steps: plan.plan.steps.slice(0, i + 1) }))
      const timings = await timeRoundRobin(prefixes.map((prefix) => () => execute(prefix, [], { buffers: plan.external, wait: true })), runs)
      console.log(`  steps 1..k: ${timings.map((t, i) => `${labels.slice(0, i + 1)} ${t.median.toFixed(1)} ms (CPU ${t.cpuMedian.toFixed(1)})`).join(', ')}`)
    }
    console.log(
      `${`${name} ${what}`.padEnd(14)} ${`${ci}->${co} ${size}² k${k} s${stride}`.padEnd(22)} wall ${ms.toFixed(1).padStart(7)} ms  CPU ${timing.cpuMedian!.toFixed(1).padStart(7)} ms  ${(flops / ms / 1e6).toFixed(1).padStart(5)} GFLOP/s  x${count}/step  [${labels}]`,
    )
  }
}
console.log(`sum over one step's convs (wall medians × count): ${totalStep.toFixed(0)} ms; load ${loadAverage()}`)
