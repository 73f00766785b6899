// Benchmark: 512³ and 1024³ matmul in three kernel styles, on whatever
// adapter the runtime picks (SHAPEWISE_BACKEND=auto|gpu|llvmpipe).
//
//   npx tsx bench/matmul-layouts.ts [sizes, e.g. 512,1024] [--quick]
//
// Each kernel is checked against a float64 CPU product, then timed as one
// plan (one submit) per run, waiting for the GPU; operands stay resident.
// Texture kernels are timed twice: kernel alone (operands already in
// textures), and with the two buffer→texture copies in the same submit —
// what a compiled step would pay when A or B is produced on the device.

import { backendInfo, execute, getGpu, memory, textureOperandLayout, type Plan, type Step } from '../src/runtime/index.ts'
import { matmulCpu, naiveMatmul, tiledMatmul, type MatmulKernel, type MatmulShape } from './matmul-kernels.ts'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const sizes = (args.find((a) => /^\d/.test(a)) ?? '512,1024').split(',').map(Number)

function kernels(s: MatmulShape): MatmulKernel[] {
  const out: MatmulKernel[] = [naiveMatmul({ ...s, workgroup: [8, 8] })]
  for (const [tm, tn, wg] of [
    [4, 4, [8, 8]],
    [8, 8, [8, 8]],
    [8, 8, [8, 4]],
  ] as const)
    out.push(tiledMatmul({ ...s, tileM: tm, tileN: tn, workgroup: wg, operands: 'buffer' }))
  for (const wg of [
    [8, 1],
    [8, 4],
    [16, 4],
    [8, 8],
    [16, 8],
  ] as const)
    out.push(tiledMatmul({ ...s, tileM: 8, tileN: 8, workgroup: wg, operands: 'texture' }))
  out.push(tiledMatmul({ ...s, tileM: 4, tileN: 8, workgroup: [16, 4], operands: 'texture' }))
  return out
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

async function time(plan: Plan, bind: Parameters<typeof execute>[2], budgetMs: number): Promise<number[]> {
  const times: number[] = []
  const start = performance.now()
  // At least 3 runs, up to 7, within the budget (the naive kernel at 1024³
  // takes seconds per run on llvmpipe).
  while (times.length < 7 && (times.length < 3 || performance.now() - start < budgetMs)) {
    const t0 = performance.now()
    await execute(plan, [], { ...bind, wait: true })
    times.push(performance.now() - t0)
    if (quick && times.length >= 2) break
  }
  return times
}

const info = await backendInfo()
console.log(`adapter: ${info.device} — ${info.description} [backend ${info.backend}, ${info.featureLevel}${info.software ? ', software' : ''}]`)
console.log(`limits: workgroup storage ${info.limits.maxComputeWorkgroupStorageSize} B, invocations ${info.limits.maxComputeInvocationsPerWorkgroup}, storage binding ${info.limits.maxStorageBufferBindingSize} B, texture 2D ${info.limits.maxTextureDimension2D}`)
console.log(`read-only storage textures: ${info.readOnlyStorageTextures}`)

const gpu = await getGpu()
for (const n of sizes) {
  const shape = { M: n, N: n, K: n }
  const flops = 2 * n * n * n
  const a = Float32Array.from({ length: n * n }, () => Math.random() * 2 - 1)
  const b = Float32Array.from({ length: n * n }, () => Math.random() * 2 - 1)
  let t = performance.now()
  const ref = matmulCpu(a, b, shape)
  console.log(`\n== ${n}³ (CPU float64 reference in ${(performance.now() - t).toFixed(0)} ms)`)

  // Resident operands: A, B, C buffers and A, B textures, uploaded once.
  const la = textureOperandLayout(n, n)
  const lb = textureOperandLayout(n, n)
  const buffers = new Map([0, 1, 2].map((id) => [id, gpu.storage.acquire(n * n * 4)] as const))
  const textures = new Map([
    [0, gpu.textures.acquire(la.width, la.height)],
    [1, gpu.textures.acquire(lb.width, lb.height)],
  ])
  const decl = { buffers: [{ bytes: n * n * 4 }, { bytes: n * n * 4 }, { bytes: n * n * 4 }], textures: [{ width: la.width, height: la.height }, { width: lb.width, height: lb.height }] }
  const copies: Step[] = [
    { kind: 'copyBufferToTexture', src: 0, dst: 0, rows: n, cols: n },
    { kind: 'copyBufferToTexture', src: 1, dst: 1, rows: n, cols: n },
  ]
  await execute({ ...decl, steps: [{ kind: 'writeBuffer', dst: 0, data: a }, { kind: 'writeBuffer', dst: 1, data: b }, ...copies] }, [], { buffers, textures, wait: true })
  const copyTimes = await time({ ...decl, steps: copies }, { buffers, textures }, 500)
  console.log(`buffer→texture copy of A and B (${((2 * n * n * 4) / 1e6).toFixed(1)} MB): ${median(copyTimes).toFixed(2)} ms median`)

  for (const k of kernels(shape)) {
    const dispatch: Step = {
      kind: 'dispatch',
      wgsl: k.wgsl,
      bindings: k.operands === 'texture'
        ? [{ texture: 0, access: 'read' }, { texture: 1, access: 'read' }, { buffer: 2, access: 'read_write' }]
        : [{ buffer: 0, access: 'read' }, { buffer: 1, access: 'read' }, { buffer: 2, access: 'read_write' }],
      workgroups: k.workgroups,
      label: k.label,
    }
    // Correctness first (this run also compiles the pipeline).
    t = performance.now()
    const [c] = await execute({ ...decl, steps: [dispatch] }, [2], { buffers, textures })
    const first = performance.now() - t
    let maxErr = 0
    for (let i = 0; i < c.length; i++) maxErr = Math.max(maxErr, Math.abs(c[i]! - ref[i]!))
    const ok = maxErr < 1e-3 * Math.sqrt(n)
    const budget = quick ? 0 : 3000
    const times = await time({ ...decl, steps: [dispatch] }, { buffers, textures }, budget)
    const med = median(times)
    let extra = ''
    if (k.operands === 'texture') {
      const withCopies = median(await time({ ...decl, steps: [...copies, dispatch] }, { buffers, textures }, budget))
      extra = `  | with copies ${withCopies.toFixed(1)} ms = ${(flops / withCopies / 1e6).toFixed(2)} GFLOP/s`
    }
    console.log(
      `${k.label.padEnd(28)} ${(flops / med / 1e6).toFixed(2).padStart(7)} GFLOP/s  median ${med.toFixed(1).padStart(8)} ms of ${times.length}` +
        `  (first run incl. compile ${first.toFixed(0)} ms)  max|err| ${maxErr.toExponential(1)} ${ok ? 'ok' : 'WRONG'}${extra}`,
    )
  }
  for (const buf of buffers.values()) gpu.storage.release(buf)
  for (const tex of textures.values()) gpu.textures.release(tex)
}
console.log('\nmemory:', JSON.stringify({ inUse: memory().inUseBytes, pooled: memory().pooledBytes, pipelines: memory().pipelines }))
