import { getGpu } from '../src/runtime/device.ts'
const gpu = await getGpu()
const device = gpu.device
const n = 1 << 21
const mk = () => device.createBuffer({ size: n * 4, usage: 0x80 | 0x8 })
const [A, B, O] = [mk(), mk(), mk()]
const decl = (t: string) => `@group(0) @binding(0) var<storage, read> in0: array<${t}>;
@group(0) @binding(1) var<storage, read> in1: array<${t}>;
@group(0) @binding(2) var<storage, read_write> out: array<${t}>;`
const variants: Record<string, [string, number]> = {
  wg64: [`${decl('f32')}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * 4194240u; if (i >= arrayLength(&out)) { return; } out[i] = in0[i] + in1[i]; }`, n / 64],
  wg256: [`${decl('f32')}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x; if (i >= arrayLength(&out)) { return; } out[i] = in0[i] + in1[i]; }`, n / 256],
  wg64x4strided: [`${decl('f32')}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  for (var k = 0u; k < 4u; k++) { let i = gid.x + k * ${n / 4}u; if (i >= arrayLength(&out)) { return; } out[i] = in0[i] + in1[i]; } }`, n / 256],
  wg64x4block: [`${decl('f32')}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) w: vec3u, @builtin(local_invocation_index) l: u32) {
  for (var k = 0u; k < 4u; k++) { let i = w.x * 256u + k * 64u + l; if (i >= arrayLength(&out)) { return; } out[i] = in0[i] + in1[i]; } }`, n / 256],
  vec4wg64: [`${decl('vec4f')}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x; if (i >= arrayLength(&out)) { return; } out[i] = in0[i] + in1[i]; }`, n / 256],
  x8strided: [`${decl('f32')}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  for (var k = 0u; k < 8u; k++) { let i = gid.x + k * ${n / 8}u; if (i >= arrayLength(&out)) { return; } out[i] = in0[i] + in1[i]; } }`, n / 512],
  gridstride4: [`${decl('f32')}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let stride = nwg.x * nwg.y * 64u; let n = arrayLength(&out);
  for (var i = gid.x + gid.y * nwg.x * 64u; i < n; i += stride) { out[i] = in0[i] + in1[i]; } }`, n / 256],
  gridstride4unrolled: [`${decl('f32')}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let stride = nwg.x * nwg.y * 64u; let n = arrayLength(&out); let first = gid.x + gid.y * nwg.x * 64u;
  for (var k = 0u; k < 4u; k++) { let i = first + k * stride; if (i >= n) { return; } out[i] = in0[i] + in1[i]; } }`, n / 256],
}
const time = async (p: GPUComputePipeline, bg: GPUBindGroup, groups: number, k: number) => {
  const enc = device.createCommandEncoder(); const pass = enc.beginComputePass(); pass.setPipeline(p); pass.setBindGroup(0, bg)
  for (let j = 0; j < k; j++) pass.dispatchWorkgroups(Math.min(groups, 65535), Math.ceil(groups / 65535))
  pass.end(); const t0 = performance.now(); device.queue.submit([enc.finish()]); await device.queue.onSubmittedWorkDone(); return performance.now() - t0
}
const made = Object.entries(variants).map(([name, [code, groups]]) => {
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } })
  return { name, groups, pipeline, bg: device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [A, B, O].map((buffer, binding) => ({ binding, resource: { buffer } })) }) }
})
for (const m of made) await time(m.pipeline, m.bg, m.groups, 1)
for (let round = 0; round < 2; round++) for (const m of made) {
  const ts: number[] = [], ones: number[] = []
  for (let r = 0; r < 5; r++) { const one = await time(m.pipeline, m.bg, m.groups, 1); ones.push(one); ts.push(((await time(m.pipeline, m.bg, m.groups, 5)) - one) / 4) }
  ts.sort((a, b) => a - b); ones.sort((a, b) => a - b)
  console.log(m.name.padEnd(16), ts[2].toFixed(2), 'ms', (ts[2] * 1e6 / n).toFixed(2), 'ns/el; one dispatch in its own submit', ones[2].toFixed(2))
}
