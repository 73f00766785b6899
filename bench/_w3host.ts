import { conv2d, jit, randn, matmul, type Tensor } from '../src/index.ts'
import { getGpu } from '../src/runtime/device.ts'
import { deviceIdle } from './lib.ts'
const gpu = await getGpu()
const q = gpu.device.queue as any
const submit = q.submit.bind(q)
let tSubmit = 0, inSubmit = 0
q.submit = (b: unknown) => { const t = performance.now(); tSubmit = t; submit(b); inSubmit += performance.now() - t }
const which = process.argv[2] ?? 'w3'
const f = which === 'w5' ? jit((a: Tensor, b: Tensor) => (matmul as any)(a, b)) : jit((w: Tensor, x: Tensor) => (conv2d as any)({ weight: w }, { padding: 1 })(x))
const a = which === 'w5' ? randn([1024, 1024], { seed: 1 }) : randn([64, 64, 3, 3], { seed: 1 })
const b = which === 'w5' ? randn([1024, 1024], { seed: 2 }) : randn([8, 64, 56, 56], { seed: 2 })
for (let i = 0; i < 3; i++) { const y = await (f as any)(a, b); await deviceIdle(); y.dispose() }
const rows: number[][] = []
for (let i = 0; i < 15; i++) {
  inSubmit = 0
  const t0 = performance.now()
  const y = await (f as any)(a, b)
  const t1 = performance.now()
  await deviceIdle()
  const t2 = performance.now()
  y.dispose()
  rows.push([tSubmit - t0, inSubmit, t1 - t0, t2 - t1, t2 - t0])
}
const med = (k: number) => rows.map((r) => r[k]).sort((x, y) => x - y)[7].toFixed(2)
console.log('before submit', med(0), 'in submit', med(1), 'call', med(2), 'wait', med(3), 'total', med(4))
