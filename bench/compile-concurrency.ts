// Does pipeline creation run concurrently on this adapter? Compiles --kernels distinct small
// kernels (an elementwise body with a different constant each, so no cache serves them) one
// after another, then as many other distinct ones all at once (createComputePipelineAsync for
// all before awaiting any, as the executor does for a plan), and reports wall and process CPU
// time (llvmpipe's and Dawn's threads included) for each, and where the time goes: creating
// the pipelines, or the first dispatch of each (llvmpipe may compile machine code lazily).
// Run it with MESA_SHADER_CACHE_DISABLE=true for cold compiles.
//
//   MESA_SHADER_CACHE_DISABLE=true npx tsx bench/compile-concurrency.ts [--kernels 24]
import { getGpu } from '../src/runtime/device.ts'
import { adapterLine, loadAverage } from './lib.ts'

const argv = process.argv.slice(2)
const kernels = Number(argv[argv.indexOf('--kernels') + 1] ?? 24) || 24
const gpu = await getGpu()
const device = gpu.device
const layout = device.createBindGroupLayout({
  entries: [
    { binding: 0, visibility: 4, buffer: { type: 'read-only-storage' } },
    { binding: 1, visibility: 4, buffer: { type: 'storage' } },
  ],
})
const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] })
const source = (k: number) => `@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 4096u) { return; }
  var x = a[i];
  for (var r = 0; r < 4; r++) { x = sin(x * ${k + 1}.0 + ${(k * 0.37).toFixed(3)}) + exp(-x * x) * cos(x + ${k}.5); }
  out[i] = x;
}`
const input = device.createBuffer({ size: 4096 * 4, usage: 0x80 /* STORAGE */ })
const output = device.createBuffer({ size: 4096 * 4, usage: 0x80 /* STORAGE */ })
const bindGroup = device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer: input } }, { binding: 1, resource: { buffer: output } }] })
const create = (k: number) =>
  device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module: device.createShaderModule({ code: source(k) }), entryPoint: 'main' } })
const dispatchAll = async (pipelines: GPUComputePipeline[]) => {
  const encoder = device.createCommandEncoder()
  const pass = encoder.beginComputePass()
  pass.setBindGroup(0, bindGroup)
  for (const p of pipelines) {
    pass.setPipeline(p)
    pass.dispatchWorkgroups(64)
  }
  pass.end()
  device.queue.submit([encoder.finish()])
  await device.queue.onSubmittedWorkDone()
}
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const measure = async (name: string, make: () => Promise<GPUComputePipeline[]>) => {
  const [w0, c0] = [performance.now(), cpuMs()]
  const pipelines = await make()
  const [w1, c1] = [performance.now(), cpuMs()]
  await dispatchAll(pipelines)
  const [w2, c2] = [performance.now(), cpuMs()]
  console.log(
    `${name}: create ${(w1 - w0).toFixed(0)} ms wall / ${(c1 - c0).toFixed(0)} ms CPU; first dispatch of each ${(w2 - w1).toFixed(0)} ms wall / ${(c2 - c1).toFixed(0)} ms CPU; ${((w2 - w0) / kernels).toFixed(1)} ms wall per kernel`,
  )
}

console.log(`adapter: ${await adapterLine()}; MESA_SHADER_CACHE_DISABLE=${process.env.MESA_SHADER_CACHE_DISABLE ?? '(unset)'}; load average ${loadAverage()}`)
await dispatchAll([await create(-1)]) // warm up the device and the compiler
await measure(`${kernels} kernels one after another`, async () => {
  const out: GPUComputePipeline[] = []
  for (let k = 0; k < kernels; k++) out.push(await create(k))
  return out
})
await measure(`${kernels} kernels all at once`, () => Promise.all(Array.from({ length: kernels }, (_, k) => create(1000 + k))))
console.log(`load average at the end: ${loadAverage()}`)
process.exit(0)
