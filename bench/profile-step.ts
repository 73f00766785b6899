// Profile: where the time of one jitted LeNet-5 training step goes, per kernel.
//
//   npx tsx bench/profile-step.ts [--optimizer sgd|adam] [--repeats 5] [--top 40]
//   npx tsx bench/profile-step.ts --model resnet18 [--batch 8] [--repeats 1]
//   npx tsx bench/profile-step.ts --model lenet-forward [--batch 64]   # W1: the jitted forward, logits read back
//   npx tsx bench/profile-step.ts --model w3 [--batch 8]   # W3: one conv2d 3×3 64→64 at 56², jitted
//   npx tsx bench/profile-step.ts --model w5                # W5: one matmul 1024³, jitted
//   npx tsx bench/profile-step.ts --each      # also every command in order (a kernel's steps apart)
//
// llvmpipe has no timestamp queries (Dawn's OpenGL backend offers no
// 'timestamp-query' feature), so the kernels are timed by replay. The script
// wraps the device's command encoders while one step runs and records every
// command the runtime encodes: each dispatch with its pipeline, bind groups
// and workgroup counts, and each copy or clear. Then it replays each command
// on its own, in a submit of its own, once and four times over, and takes the
// difference: (t(4) − t(1)) / 3 is the command's own time with the fixed cost
// of a submit and its wait taken out. Medians of --repeats such pairs. The
// replayed kernels read and write the step's own buffers (still allocated,
// back in the pool), so they see the step's sizes and data.
//
// The model is W2 of bench/peers.ts (batch 64, crossEntropy, SGD lr 0.01) or,
// with --optimizer adam, bench/lenet-step.ts's Adam step; with --model resnet18,
// bench/peers.ts's ResNet-18 step at --batch (default 8: its step at 32 takes
// a minute on a loaded llvmpipe, and each command is replayed six times). Dispatches are
// grouped by their pipeline's label (the kernel's name, or the first line of
// its WGSL); the table gives count, total and mean per group, and the sum is
// set beside the measured step time: the rest is host work, the submit and
// the readback of the loss.

import { conv2d, jit, matmul, randn, type Tensor } from '../src/index.ts'
import { sgd, adam, type Optimizer } from '../src/optim/index.ts'
import { getGpu } from '../src/runtime/device.ts'
import { classic, classicParams, type ClassicParams } from '../examples/lenet.ts'
import { resnet18Training } from './resnet18.ts'
import { adapterLine, deviceIdle, lenetLabels, lenetTrainingStep, loadAverage, median, timeCalls, type LenetBatch } from './lib.ts'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : fallback
}
const optimizerName = arg('optimizer', 'sgd')
const model = arg('model', 'lenet')
const batch = Number(arg('batch', model === 'lenet-forward' ? '64' : '8'))
const repeats = Number(arg('repeats', '5'))
const top = Number(arg('top', '40'))
/** Also list every command of the step in order, with its workgroups and own time. */
const each = argv.includes('--each')

// ---------------------------------------------------------------- recording the runtime's commands

/** One replayable command: a dispatch (with its pass state) or an encoder-level copy or clear. */
type Recorded =
  | { kind: 'dispatch'; label: string; pipeline: GPUComputePipeline; bindGroups: [number, GPUBindGroup][]; workgroups: number[] }
  | { kind: 'encoder'; label: string; method: string; args: unknown[] }

const gpu = await getGpu()
const device = gpu.device as GPUDevice & Record<string, unknown>
const pipelineLabels = new Map<GPUComputePipeline, string>()
let recording: Recorded[] | undefined

// Pipelines are labelled when created: keep the label by object (a native object's `label` may not read back).
const createPipelineAsync = device.createComputePipelineAsync.bind(device)
device.createComputePipelineAsync = async (descriptor: GPUComputePipelineDescriptor) => {
  const pipeline = await createPipelineAsync(descriptor)
  pipelineLabels.set(pipeline, descriptor.label ?? '(unlabelled)')
  return pipeline
}
const createPipeline = device.createComputePipeline.bind(device)
device.createComputePipeline = (descriptor: GPUComputePipelineDescriptor) => {
  const pipeline = createPipeline(descriptor)
  pipelineLabels.set(pipeline, descriptor.label ?? '(unlabelled)')
  return pipeline
}

// The pools destroy buffers and textures they no longer cache; those the recorded step used must
// outlive the replays, so their destruction waits while `keepAlive` is set.
let keepAlive = false
const deferred: (() => void)[] = []
const deferDestroy = <T extends { destroy(): void }>(resource: T): T => {
  const destroy = resource.destroy.bind(resource)
  ;(resource as { destroy(): void }).destroy = () => void (keepAlive ? deferred.push(destroy) : destroy())
  return resource
}
const createTexture = device.createTexture.bind(device)
device.createTexture = (descriptor: GPUTextureDescriptor) => deferDestroy(createTexture(descriptor))
const createBuffer = device.createBuffer.bind(device)
device.createBuffer = (descriptor: GPUBufferDescriptor) => deferDestroy(createBuffer(descriptor))

const createEncoder = device.createCommandEncoder.bind(device)
device.createCommandEncoder = (descriptor?: GPUCommandEncoderDescriptor) => {
  const encoder = createEncoder(descriptor) as GPUCommandEncoder & Record<string, unknown>
  const log = recording
  if (!log) return encoder
  for (const method of ['copyBufferToTexture', 'copyBufferToBuffer', 'clearBuffer', 'copyTextureToTexture'] as const) {
    const original = (encoder[method] as (...a: unknown[]) => unknown).bind(encoder)
    ;(encoder as Record<string, unknown>)[method] = (...args: unknown[]) => {
      if (method !== 'copyBufferToBuffer' || !isReadback(args)) log.push({ kind: 'encoder', label: method, method, args })
      return original(...args)
    }
  }
  const beginPass = encoder.beginComputePass.bind(encoder)
  encoder.beginComputePass = (passDescriptor?: GPUComputePassDescriptor) => {
    const pass = beginPass(passDescriptor) as GPUComputePassEncoder & Record<string, unknown>
    let pipeline: GPUComputePipeline | undefined
    const groups = new Map<number, GPUBindGroup>()
    const setPipeline = pass.setPipeline.bind(pass)
    pass.setPipeline = (p: GPUComputePipeline) => {
      pipeline = p
      return setPipeline(p)
    }
    const setBindGroup = (pass.setBindGroup as (...a: unknown[]) => undefined).bind(pass)
    pass.setBindGroup = ((index: number, group: GPUBindGroup, ...rest: unknown[]) => {
      groups.set(index, group)
      return setBindGroup(index, group, ...rest)
    }) as GPUComputePassEncoder['setBindGroup']
    const dispatch = pass.dispatchWorkgroups.bind(pass)
    pass.dispatchWorkgroups = (x: number, y?: number, z?: number) => {
      log.push({ kind: 'dispatch', label: pipelineLabels.get(pipeline!) ?? '(unknown pipeline)', pipeline: pipeline!, bindGroups: [...groups], workgroups: [x, y ?? 1, z ?? 1] })
      return dispatch(x, y, z)
    }
    return pass
  }
  return encoder
}
/** A copy into a mappable staging buffer is the readback, not part of the step's kernels. */
const isReadback = (args: unknown[]) => ((args[2] as GPUBuffer).usage & 0x1) !== 0 // MAP_READ

/** Encodes `command` `times` times into one submit and waits for the device. */
async function replay(command: Recorded, times: number): Promise<number> {
  const encoder = createEncoder({ label: 'profile.replay' }) as GPUCommandEncoder & Record<string, unknown>
  if (command.kind === 'dispatch') {
    const pass = encoder.beginComputePass()
    pass.setPipeline(command.pipeline)
    for (const [index, group] of command.bindGroups) pass.setBindGroup(index, group)
    for (let i = 0; i < times; i++) pass.dispatchWorkgroups(command.workgroups[0], command.workgroups[1], command.workgroups[2])
    pass.end()
  } else for (let i = 0; i < times; i++) (encoder[command.method] as (...a: unknown[]) => void)(...command.args)
  device.pushErrorScope('validation')
  const t0 = performance.now()
  device.queue.submit([encoder.finish()])
  await device.queue.onSubmittedWorkDone()
  const ms = performance.now() - t0
  const error = await device.popErrorScope()
  if (error) throw new Error(`replaying ${command.label} failed: ${error.message}`)
  return ms
}

// ---------------------------------------------------------------- the step

const lenet = () => {
  const optimizer = (optimizerName === 'adam' ? adam({ lr: 1e-3 }) : sgd({ lr: 0.01 })) as Optimizer<unknown>
  const step = lenetTrainingStep(optimizer)
  let params = classicParams()
  let state = optimizer.init(params)
  const x: LenetBatch = randn([64, 1, 28, 28], { seed: 42 })
  const y = lenetLabels()
  return async () => {
    const out = await step(params, state, x, y)
    params = out.params
    state = out.state
    await out.loss.data()
    out.loss.dispose()
  }
}
/** W1 of bench/peers.ts: the jitted classic LeNet-5 forward, the logits read back. */
const lenetForwardCall = () => {
  const forward = jit((p: ClassicParams, x: Tensor<[number, 1, 28, 28]>) => classic(p)(x))
  const params = classicParams()
  const x = randn([batch, 1, 28, 28], { seed: 42 })
  return async () => {
    const y = await forward(params, x)
    await y.data()
    y.dispose()
  }
}
/** W3 of bench/peers.ts: one jitted conv2d 3×3 64→64 at 56², padding 1, waited for without a readback. */
const w3Call = () => {
  const conv = jit((w: Tensor<[64, 64, 3, 3]>, x: Tensor<[number, 64, 56, 56]>) => conv2d({ weight: w }, { padding: 1 })(x))
  const w = randn([64, 64, 3, 3], { seed: 1 })
  const x = randn([batch, 64, 56, 56], { seed: 2 })
  return async () => {
    const y = await conv(w, x)
    await deviceIdle()
    y.dispose()
  }
}
/** W5 of bench/peers.ts: one jitted matmul 1024³, waited for without a readback. */
const w5Call = () => {
  const product = jit((a: Tensor<[1024, 1024]>, b: Tensor<[1024, 1024]>) => matmul(a, b))
  const a = randn([1024, 1024], { seed: 1 })
  const b = randn([1024, 1024], { seed: 2 })
  return async () => {
    const y = await product(a, b)
    await deviceIdle()
    y.dispose()
  }
}
const runStep = model === 'w5' ? w5Call() : model === 'resnet18' ? resnet18Training(batch).run : model === 'lenet-forward' ? lenetForwardCall() : model === 'w3' ? w3Call() : lenet()

console.log(`adapter: ${await adapterLine()}`)
console.log(`${model === 'w5' ? 'W5: matmul 1024³' : model === 'w3' ? `W3: conv2d 3×3 64→64 at 56², batch ${batch}` : model === 'lenet-forward' ? `LeNet-5 forward (W1), batch ${batch}` : model === 'resnet18' ? `ResNet-18 training step, batch ${batch}, SGD momentum` : `LeNet-5 training step, batch 64, ${optimizerName === 'adam' ? 'Adam' : 'SGD'}`}; load average ${loadAverage()}`)
const stepTime = model === 'resnet18' ? await timeCalls(runStep, 1, 1) : await timeCalls(runStep, 9, 3)
recording = []
keepAlive = true
await runStep()
const commands = recording
recording = undefined

// ---------------------------------------------------------------- replay each command

const own: number[] = []
const alone: number[] = [] // a submit of the command once, its wait included
for (const command of commands) {
  await replay(command, 1) // warm: the first replay of a bind group may do one-time work
  const samples: number[] = []
  const onces: number[] = []
  for (let r = 0; r < repeats; r++) {
    const once = await replay(command, 1)
    const four = await replay(command, 4)
    samples.push(Math.max(0, (four - once) / 3))
    onces.push(once)
  }
  own.push(median(samples))
  alone.push(median(onces))
}

// The step's commands again, in order, in one submit: beside the step's own time, what the runtime
// adds around its commands (host work, the submit's fixed cost, the readback) and what the commands
// cost together more than alone.
const replayStep = async (): Promise<number> => {
  const encoder = createEncoder({ label: 'profile.replay-step' }) as GPUCommandEncoder & Record<string, unknown>
  for (const command of commands) {
    if (command.kind === 'dispatch') {
      const pass = encoder.beginComputePass()
      pass.setPipeline(command.pipeline)
      for (const [index, group] of command.bindGroups) pass.setBindGroup(index, group)
      pass.dispatchWorkgroups(command.workgroups[0], command.workgroups[1], command.workgroups[2])
      pass.end()
    } else (encoder[command.method] as (...a: unknown[]) => void)(...command.args)
  }
  const t0 = performance.now()
  device.queue.submit([encoder.finish()])
  await device.queue.onSubmittedWorkDone()
  return performance.now() - t0
}
await replayStep()
const stepReplays: number[] = []
for (let r = 0; r < Math.max(3, repeats); r++) stepReplays.push(await replayStep())
const wholeStep = median(stepReplays)

keepAlive = false
for (const destroy of deferred.splice(0)) destroy()

const groups = new Map<string, { count: number; ms: number; workgroups: string }>()
commands.forEach((c, i) => {
  const g = groups.get(c.label) ?? { count: 0, ms: 0, workgroups: c.kind === 'dispatch' ? c.workgroups.join('×') : '' }
  g.count++
  g.ms += own[i]
  groups.set(c.label, g)
})
const total = own.reduce((a, b) => a + b, 0)
const dispatches = commands.filter((c) => c.kind === 'dispatch').length
const sorted = [...groups].sort((a, b) => b[1].ms - a[1].ms)
console.log(`\n${commands.length} commands in the step's submit: ${dispatches} dispatches, ${commands.length - dispatches} copies/clears`)
console.log(`measured step (call + loss readback): median ${stepTime.median.toFixed(2)} ms (min ${stepTime.min.toFixed(2)}); sum of the commands' own times ${total.toFixed(2)} ms; of their submits alone (one each, waits included) ${alone.reduce((a, b) => a + b, 0).toFixed(2)} ms; all of them replayed in one submit ${wholeStep.toFixed(2)} ms`)
console.log('\n| kernel (pipeline label) | dispatches | total ms | ms each | share | workgroups (first) |')
console.log('| --- | --- | --- | --- | --- | --- |')
for (const [label, g] of sorted.slice(0, top))
  console.log(`| ${label.replace(/\|/g, '\\|')} | ${g.count} | ${g.ms.toFixed(3)} | ${(g.ms / g.count).toFixed(3)} | ${((100 * g.ms) / total).toFixed(1)} % | ${g.workgroups} |`)
if (sorted.length > top) console.log(`| (${sorted.length - top} more) | | ${sorted.slice(top).reduce((s, [, g]) => s + g.ms, 0).toFixed(3)} | | | |`)
if (each) {
  console.log('\n| # | kernel (pipeline label) | workgroups | ms | ms as a submit of its own |')
  console.log('| --- | --- | --- | --- | --- |')
  commands.forEach((c, i) =>
    console.log(`| ${i + 1} | ${c.label.replace(/\|/g, '\\|')} | ${c.kind === 'dispatch' ? c.workgroups.join('×') : ''} | ${own[i].toFixed(3)} | ${alone[i].toFixed(3)} |`),
  )
}
console.log(`\nload average at the end: ${loadAverage()}`)
process.exit(0)
