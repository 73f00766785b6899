// convWeightGrad alone, each shape jitted and timed as median and fastest of --runs calls that
// wait for the device (no readback), with the median CPU time per call (llvmpipe's threads
// included; steadier than wall time under load):
// - LeNet-5's two shapes (batch 64): conv 5×5 1→6 (padding 2, 28²) and 6→16 (14² → 10²);
// - ResNet-18's (CIFAR, batch 32): the 3×3 convs of each stage, the stride-2 ones and their 1×1 shortcuts;
// - W3's (3×3 64→64, 56², batch 8; bench/conv2d.ts times its forward conv, for the rate beside it).
//
//   npx tsx bench/weight-grad.ts [--runs 40] [--only lenet|resnet|w3] [--batch 32] [--shape 64→64]
//
// --batch sets ResNet-18's batch (how the time scales with it); --shape keeps the cases whose name contains it.
import { jit, randn, type Tensor } from '../src/index.ts'
import { bind } from '../src/core/bind.ts'
import { convWeightGradPrimitive } from '../src/ops/conv.ts'
import { wrap } from '../src/tensor.ts'
import { adapterLine, deviceIdle, loadAverage, timeCalls } from './lib.ts'

const argv = process.argv.slice(2)
const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined)
const runs = Number(option('--runs') ?? 40) || 40
const only = option('--only')
const batch = Number(option('--batch') ?? 32)
const shape = option('--shape')

interface Case { name: string; inside: number[]; outside: number[]; weight: number[]; stride: number; padLeft: number; runs?: number }
const lenet: Case[] = [
  { name: 'LeNet conv1 5×5 1→6, 28², padding 2', inside: [64, 1, 28, 28], outside: [64, 6, 28, 28], weight: [6, 1, 5, 5], stride: 1, padLeft: 2 },
  { name: 'LeNet conv2 5×5 6→16, 14² → 10²', inside: [64, 6, 14, 14], outside: [64, 16, 10, 10], weight: [16, 6, 5, 5], stride: 1, padLeft: 0 },
]
/** A 3×3 (padding 1) or 1×1 conv of ResNet-18 at --batch: ci→co channels, size² input, stride s. */
const resnetLayer = (ci: number, co: number, size: number, k: 1 | 3, s: 1 | 2): Case => {
  const out = size / s
  return {
    name: `ResNet ${k}×${k} ${ci}→${co}, ${size}²${s > 1 ? ` → ${out}² (stride 2)` : ''}, batch ${batch}`,
    inside: [batch, ci, size, size], outside: [batch, co, out, out], weight: [co, ci, k, k], stride: s, padLeft: k === 3 ? 1 : 0,
  }
}
const resnet: Case[] = [
  resnetLayer(3, 64, 32, 3, 1),
  resnetLayer(64, 64, 32, 3, 1),
  resnetLayer(64, 128, 32, 3, 2),
  resnetLayer(64, 128, 32, 1, 2),
  resnetLayer(128, 128, 16, 3, 1),
  resnetLayer(128, 256, 16, 3, 2),
  resnetLayer(256, 256, 8, 3, 1),
  resnetLayer(256, 512, 8, 3, 2),
  resnetLayer(512, 512, 4, 3, 1),
]
const w3: Case[] = [{ name: 'W3 3×3 64→64, 56², batch 8', inside: [8, 64, 56, 56], outside: [8, 64, 56, 56], weight: [64, 64, 3, 3], stride: 1, padLeft: 1 }]
const cases = (only === 'lenet' ? lenet : only === 'resnet' ? resnet : only === 'w3' ? w3 : [...lenet, ...resnet, ...w3])
  .filter((c) => shape === undefined || c.name.includes(shape))
console.log(`adapter: ${await adapterLine()}; load average ${loadAverage()}`)
for (const c of cases) {
  const axes = [0, 1].map(() => ({ stride: c.stride, padLeft: c.padLeft, dilation: 1 }))
  const f = jit((x: Tensor<number[]>, dy: Tensor<number[]>) => wrap(bind(convWeightGradPrimitive, [x.node, dy.node], { axes, groups: 1, weightShape: c.weight })))
  const x = randn(c.inside), dy = randn(c.outside)
  // ResNet's shapes take up to seconds a call on the old kernels: fewer runs.
  const t = await timeCalls(async () => {
    const out = await f(x, dy)
    await deviceIdle()
    out.dispose()
  }, !c.name.startsWith('LeNet') ? Math.max(1, Math.ceil(runs / 8)) : runs, 1)
  const flops = 2 * c.weight.reduce((a, b) => a * b, 1) * c.outside[0] * c.outside[2] * c.outside[3]
  console.log(`${c.name}: median ${t.median.toFixed(2)} ms (${(flops / t.median / 1e6).toFixed(1)} GFLOP/s), fastest ${t.min.toFixed(2)} ms, CPU ${t.cpuMedian?.toFixed(1)} ms per call`)
}
console.log(`load average at the end: ${loadAverage()}`)
process.exit(0)
