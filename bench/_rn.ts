import { resnet18Training } from './resnet18.ts'
const t = resnet18Training(Number(process.argv[2] ?? 32))
const ts: number[] = []
for (let i = 0; i < 5; i++) { const t0 = performance.now(); await t.run(); ts.push(performance.now() - t0) }
console.log(process.env.WG_TF, ts.map((x) => x.toFixed(0)).join(' '))
