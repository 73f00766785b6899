// convWeightGrad alone at LeNet-5's two shapes (batch 64): the weight gradients of conv 5×5 1→6
// (padding 2, 28²) and 6→16 (14² → 10²), each jitted and timed as median and fastest of --runs
// calls that wait for the device (no readback).
//
//   npx tsx bench/weight-grad.ts [--runs 40]
import { jit, randn, type Tensor } from '../src/index.ts'
import { bind } from '../src/core/bind.ts'
import { convWeightGradPrimitive } from '../src/ops/conv.ts'
import { wrap } from '../src/tensor.ts'
import { adapterLine, deviceIdle, loadAverage, timeCalls } from './lib.ts'

const argv = process.argv.slice(2)
const runs = Number(argv[argv.indexOf('--runs') + 1] ?? 40) || 40
const cases = [
  { name: 'conv1 5×5 1→6, 28², padding 2', inside: [64, 1, 28, 28], outside: [64, 6, 28, 28], weight: [6, 1, 5, 5], padLeft: 2 },
  { name: 'conv2 5×5 6→16, 14² → 10²', inside: [64, 6, 14, 14], outside: [64, 16, 10, 10], weight: [16, 6, 5, 5], padLeft: 0 },
]
console.log(`adapter: ${await adapterLine()}; load average ${loadAverage()}`)
for (const c of cases) {
  const axes = [0, 1].map(() => ({ stride: 1, padLeft: c.padLeft, dilation: 1 }))
  const f = jit((x: Tensor<number[]>, dy: Tensor<number[]>) => wrap(bind(convWeightGradPrimitive, [x.node, dy.node], { axes, groups: 1, weightShape: c.weight })))
  const x = randn(c.inside), dy = randn(c.outside)
  const t = await timeCalls(async () => {
    const out = await f(x, dy)
    await deviceIdle()
    out.dispose()
  }, runs, 3)
  console.log(`${c.name}: median ${t.median.toFixed(3)} ms, fastest ${t.min.toFixed(3)} ms`)
}
console.log(`load average at the end: ${loadAverage()}`)
process.exit(0)
