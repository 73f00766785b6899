/**
 * PyTorch interop both ways. PyTorch's state_dicts (tests/fixtures/io,
 * written by generate_io.py) load into trees built with shapewise's own
 * initialisers and reproduce PyTorch's eval-mode outputs; files shapewise
 * writes — after changing the weights in shapewise — load into the PyTorch
 * models (strict load_state_dict, in the generator script) and reproduce
 * shapewise's outputs.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fromArray, valueAndGrad, type Tensor } from '../../src/index.ts'
import { crossEntropy } from '../../src/nn/index.ts'
import { sgd } from '../../src/optim/index.ts'
import { loadSafetensors, saveSafetensors } from '../../src/io/index.ts'
import { net, netParams, resnet, resnetParams, type NetParams } from '../../examples/pytorch-models.ts'
import { fixture, relativeToScale, runGenerator, temporaryFolder } from './helpers.ts'

const dir = temporaryFolder('pytorch')
const TOLERANCE = 1e-4

const io = async (name: string) => {
  const { input, output } = await loadSafetensors(fixture(`${name}_io.safetensors`))
  return { input, expected: (await output.data()) as Float32Array }
}

describe('PyTorch → shapewise', () => {
  it("the lesson's Net reproduces PyTorch's outputs", async () => {
    const params = await loadSafetensors(fixture('net.safetensors'), { like: netParams() })
    const { input, expected } = await io('net')
    const output = net(params)(input as Tensor<[4, 1, 28, 28]>)
    expect(relativeToScale(await output.data(), expected)).toBeLessThanOrEqual(TOLERANCE)
  })

  it("a torchvision-layout ResNet with running statistics reproduces PyTorch's eval outputs", async () => {
    const params = await loadSafetensors(fixture('resnet.safetensors'), { like: resnetParams() })
    expect(Array.from(await params.layer2[0].downsample[1].numBatchesTracked.data())).toEqual([5])
    const runningVar = await params.bn1.runningVar.data()
    expect(runningVar.some((v) => Math.abs(v - 1) > 0.1)).toBe(true)
    const { input, expected } = await io('resnet')
    const output = resnet(params)(input as Tensor<[3, 3, 32, 32]>)
    expect(relativeToScale(await output.data(), expected)).toBeLessThanOrEqual(TOLERANCE)
  })

  it('without num_batches_tracked in the template, strict loading names it and strict: false ignores it', async () => {
    const full = resnetParams()
    const { numBatchesTracked: _, ...bn1 } = full.bn1
    const template = { ...full, bn1 }
    await expect(loadSafetensors(fixture('resnet.safetensors'), { like: template })).rejects.toThrow(
      /unexpected tensor the model does not have: bn1\.num_batches_tracked; pass strict: false to ignore \(num_batches_tracked is PyTorch's batch-norm step counter/,
    )
    const loaded = await loadSafetensors(fixture('resnet.safetensors'), { like: template, strict: false })
    expect(Object.keys(loaded.bn1)).toEqual(['weight', 'bias', 'runningMean', 'runningVar'])
  })
})

describe('shapewise → PyTorch', () => {
  it('a Net fine-tuned in shapewise loads in PyTorch and gives the same outputs', async () => {
    let params = await loadSafetensors(fixture('net.safetensors'), { like: netParams() })
    const { input } = await io('net')
    const x = input as Tensor<[4, 1, 28, 28]>
    const labels = fromArray([3, 1, 4, 1], [4], 'int32')
    const optimizer = sgd({ lr: 0.1 })
    let state = optimizer.init(params)
    for (let i = 0; i < 2; i++) {
      const [, grads] = valueAndGrad((p: NetParams) => crossEntropy(net(p)(x), labels))(params)
      ;[params, state] = optimizer.update(params, grads, state)
    }
    const output = net(params)(x)
    const weightsFile = join(dir, 'net-finetuned.safetensors')
    const outputsFile = join(dir, 'net-finetuned_io.safetensors')
    await saveSafetensors(weightsFile, params)
    await saveSafetensors(outputsFile, { input: x, output })
    const check = await runGenerator('check-torch', 'net', weightsFile, outputsFile)
    expect(check.code, check.stdout + check.stderr).toBe(0)
    // The fine-tuned outputs differ from the fixture's, so PyTorch really loaded the new weights.
    const { expected } = await io('net')
    expect(relativeToScale(await output.data(), expected)).toBeGreaterThan(1e-3)
  })

  it('the ResNet saved by shapewise loads strictly in PyTorch and gives the same outputs', async () => {
    const params = await loadSafetensors(fixture('resnet.safetensors'), { like: resnetParams() })
    const file = join(dir, 'resnet.safetensors')
    await saveSafetensors(file, params)
    const check = await runGenerator('check-torch', 'resnet', file)
    expect(check.code, check.stdout + check.stderr).toBe(0)
    expect(JSON.parse(check.stdout).relativeError).toBeLessThanOrEqual(TOLERANCE)
  })
})
