// What a cold first step spends compiling, per kernel: records the pipelines one jitted LeNet-5
// step creates (their descriptors and the bind groups its dispatches use), then compiles each again
// as a new pipeline (its source behind a new comment line: Dawn shares pipelines of equal source)
// and times its first dispatch alone — where llvmpipe compiles the machine code — listing the most
// expensive. Run it with MESA_SHADER_CACHE_DISABLE=true, or Mesa's disk cache
// answers the second compile.
//
//   MESA_SHADER_CACHE_DISABLE=true npx tsx bench/compile-cost.ts [--top 15] [--model resnet18 --batch 8]
//
// --model resnet18 records bench/resnet18.ts's training step (SGD with momentum) at --batch instead.
import { randn } from '../src/index.ts'
import { adam, type Optimizer } from '../src/optim/index.ts'
import { getGpu } from '../src/runtime/device.ts'
import { classicParams } from '../examples/lenet.ts'
import { adapterLine, lenetLabels, lenetTrainingStep, loadAverage } from './lib.ts'
import { resnet18Training } from './resnet18.ts'

const argv = process.argv.slice(2)
const top = Number(argv[argv.indexOf('--top') + 1] ?? 15) || 15
const model = argv.includes('--model') ? argv[argv.indexOf('--model') + 1] : 'lenet'
const batch = argv.includes('--batch') ? Number(argv[argv.indexOf('--batch') + 1]) : 8
const gpu = await getGpu()
const device = gpu.device as GPUDevice & Record<string, unknown>

const descriptors = new Map<GPUComputePipeline, GPUComputePipelineDescriptor & { code: string }>()
const codes = new Map<GPUShaderModule, string>()
const createModule = device.createShaderModule.bind(device)
device.createShaderModule = (d: GPUShaderModuleDescriptor) => {
  const module = createModule(d)
  codes.set(module, d.code)
  return module
}
const createPipelineAsync = device.createComputePipelineAsync.bind(device)
device.createComputePipelineAsync = async (d: GPUComputePipelineDescriptor) => {
  const pipeline = await createPipelineAsync(d)
  descriptors.set(pipeline, { ...d, code: codes.get(d.compute.module) ?? '' })
  return pipeline
}
// Textures stay alive for the replays below (the texture pool destroys what it cannot keep, and a
// replayed dispatch whose bind group holds a destroyed texture fails validation without compiling).
const createTexture = device.createTexture.bind(device)
device.createTexture = (d: GPUTextureDescriptor) => Object.assign(createTexture(d), { destroy: () => undefined })
// The first dispatch of each pipeline, with the bind group it ran with.
const firstUse = new Map<GPUComputePipeline, { groups: GPUBindGroup[]; workgroups: number[] }>()
const createEncoder = device.createCommandEncoder.bind(device)
device.createCommandEncoder = (descriptor?: GPUCommandEncoderDescriptor) => {
  const encoder = createEncoder(descriptor)
  const beginPass = encoder.beginComputePass.bind(encoder)
  encoder.beginComputePass = (pd?: GPUComputePassDescriptor) => {
    const pass = beginPass(pd)
    let pipeline: GPUComputePipeline | undefined
    const groups: GPUBindGroup[] = []
    const setPipeline = pass.setPipeline.bind(pass)
    pass.setPipeline = (p: GPUComputePipeline) => ((pipeline = p), setPipeline(p))
    const setBindGroup = (pass.setBindGroup as (...a: unknown[]) => undefined).bind(pass)
    pass.setBindGroup = ((i: number, g: GPUBindGroup, ...rest: unknown[]) => ((groups[i] = g), setBindGroup(i, g, ...rest))) as GPUComputePassEncoder['setBindGroup']
    const dispatch = pass.dispatchWorkgroups.bind(pass)
    pass.dispatchWorkgroups = (x: number, y?: number, z?: number) => {
      if (pipeline && !firstUse.has(pipeline)) firstUse.set(pipeline, { groups: [...groups], workgroups: [x, y ?? 1, z ?? 1] })
      return dispatch(x, y, z)
    }
    return pass
  }
  return encoder
}

console.log(`adapter: ${await adapterLine()}; MESA_SHADER_CACHE_DISABLE=${process.env.MESA_SHADER_CACHE_DISABLE ?? '(unset)'}; load average ${loadAverage()}`)
if (model === 'resnet18') {
  console.log(`ResNet-18 training step, batch ${batch}`)
  await resnet18Training(batch).run()
} else {
  const optimizer = adam({ lr: 1e-3 }) as Optimizer<unknown>
  const step = lenetTrainingStep(optimizer)
  const params = classicParams()
  const out = await step(params, optimizer.init(params), randn([64, 1, 28, 28], { seed: 1 }), lenetLabels())
  await out.loss.data()
}

const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const costs: { label: string; ms: number; cpu: number; chars: number }[] = []
let salt = 0
for (const [pipeline, use] of firstUse) {
  const d = descriptors.get(pipeline)
  if (!d) continue
  const [w0, c0] = [performance.now(), cpuMs()]
  const again = await createPipelineAsync({ ...d, compute: { ...d.compute, module: createModule({ code: `// compile-cost ${salt++}\n${d.code}` }) } })
  const encoder = createEncoder()
  const pass = encoder.beginComputePass()
  pass.setPipeline(again)
  use.groups.forEach((g, i) => pass.setBindGroup(i, g))
  pass.dispatchWorkgroups(use.workgroups[0], use.workgroups[1], use.workgroups[2])
  pass.end()
  device.queue.submit([encoder.finish()])
  await device.queue.onSubmittedWorkDone()
  // The op (the pipeline's label) and the kernel's own first-line comment, which names its shapes and tile.
  const comment = d.code.startsWith('// ') ? d.code.slice(3, d.code.indexOf('\n')).replace(/^shapewise /, '').slice(0, 90) : ''
  costs.push({ label: [d.label, comment].filter(Boolean).join(': ') || d.code.split('\n')[0].slice(0, 60), ms: performance.now() - w0, cpu: cpuMs() - c0, chars: d.code.length })
}
const total = costs.reduce((s, c) => s + c.cpu, 0)
console.log(`${costs.length} pipelines; compile + first dispatch: ${total.toFixed(0)} ms CPU in all, ${(total / costs.length).toFixed(1)} ms each on average`)
console.log('\n| kernel | WGSL chars | wall ms | CPU ms |\n| --- | --- | --- | --- |')
for (const c of [...costs].sort((a, b) => b.cpu - a.cpu).slice(0, top)) console.log(`| ${c.label.replace(/\|/g, '\\|')} | ${c.chars} | ${c.ms.toFixed(0)} | ${c.cpu.toFixed(0)} |`)
console.log(`\nload average at the end: ${loadAverage()}`)
process.exit(0)
