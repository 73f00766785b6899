import { sgd, type Optimizer } from '../src/optim/index.ts'
import { randn } from '../src/index.ts'
import { getGpu } from '../src/runtime/device.ts'
import { classicParams } from '../examples/lenet.ts'
import { lenetLabels, lenetTrainingStep, type LenetBatch } from './lib.ts'
const gpu = await getGpu()
const d = gpu.device as any, q = d.queue
let tSub = 0, inSub = 0, nBG = 0
let subs: number[][] = []
const sub = q.submit.bind(q); q.submit = (b: any) => { const t = performance.now(); sub(b); subs.push([t, performance.now() - t]) }
const cbg = d.createBindGroup.bind(d); let tBG = 0; d.createBindGroup = (x: any) => { const t = performance.now(); const r = cbg(x); tBG += performance.now() - t; nBG++; return r }
const optimizer = sgd({ lr: 0.01 }) as Optimizer<unknown>
const step = lenetTrainingStep(optimizer)
let params = classicParams(); let state = optimizer.init(params)
const x: LenetBatch = randn([64, 1, 28, 28], { seed: 42 }); const y = lenetLabels()
const rows: number[][] = []
for (let i = 0; i < 25; i++) {
  tBG = 0; nBG = 0; subs = []
  const t0 = performance.now()
  const out = await step(params, state, x, y)
  const t1 = performance.now()
  params = out.params; state = out.state
  await out.loss.data()
  const t2 = performance.now()
  out.loss.dispose()
  if (i >= 5) { rows.push([subs[0][0] - t0, subs[0][1], t1 - subs[0][0] - subs[0][1], t2 - t1, t2 - t0, tBG, nBG, subs.length]) }
}
const med = (k: number) => rows.map((r) => r[k]).sort((a, b) => a - b)[rows.length >> 1].toFixed(2)
console.log('host before submit', med(0), '| submit', med(1), '| after submit until step resolves', med(2), '| loss data()', med(3), '| total', med(4), '| createBindGroup ms', med(5), 'count', med(6), 'submits', med(7))
