/**
 * Whole models exported to ONNX: LeNet, a U-Net-like model (transposed conv,
 * concat skip, upsample), a DCGAN generator (transposed convs, batch norm,
 * tanh), an Inception block (depthwise dilated conv, ceil-mode pool) and the
 * PyTorch ResNet loaded from safetensors, and LeNet after training steps
 * under jit. Each passes onnx.checker
 * (full_check), runs in ONNX Runtime at two batch sizes within 1e-4 of
 * shapewise's outputs' scale, and the ResNet also matches PyTorch's.
 */
import { pipe } from 'fp-ts/lib/function.js'
import { describe, expect, it } from 'vitest'
import * as ort from 'onnxruntime-node'
import {
  add, batchNorm2d, concat, conv2d, convTranspose2d, fromArray, jit, maxPool2d, rand, randn, relu, reshape, tanh, upsample, valueAndGrad, type Tensor,
} from '../../src/index.ts'
import { adam, type OptimizerState } from '../../src/optim/index.ts'
import { batchNorm2dParams, conv2dParams, convTranspose2dParams, crossEntropy } from '../../src/nn/index.ts'
import { decodeOnnxModel, loadSafetensors } from '../../src/io/index.ts'
import { classic, classicParams, type ClassicParams } from '../../examples/lenet.ts'
import { resnet, resnetParams } from '../../examples/pytorch-models.ts'
import { ONNX_TOLERANCE, exportAndCompare, expectValidOnnx } from './onnx-helpers.ts'
import { fixture, relativeToScale, temporaryFolder } from './helpers.ts'

const dir = temporaryFolder('onnx-models')
const files: string[] = []

/** Batch-norm state with running statistics away from (0, 1), as after training. */
const trainedBn = <C extends number>(numFeatures: C, seed: number) => {
  const p = batchNorm2dParams({ numFeatures })
  return { ...p, weight: add(rand([numFeatures], { seed }), 0.5), runningMean: add(rand([numFeatures], { seed: seed + 1 }), -0.5), runningVar: add(rand([numFeatures], { seed: seed + 2 }), 0.5) }
}

const unetParams = {
  enc1: conv2dParams({ inChannels: 3, outChannels: 8, kernelSize: 3 }, { seed: 31 }),
  enc2: conv2dParams({ inChannels: 8, outChannels: 16, kernelSize: 3 }, { seed: 33 }),
  up: convTranspose2dParams({ inChannels: 16, outChannels: 8, kernelSize: 2 }, { seed: 35 }),
  side: conv2dParams({ inChannels: 16, outChannels: 4, kernelSize: 1 }, { seed: 37 }),
  dec: conv2dParams({ inChannels: 20, outChannels: 8, kernelSize: 3 }, { seed: 39 }),
  head: conv2dParams({ inChannels: 8, outChannels: 2, kernelSize: 1 }, { seed: 41 }),
}
const unet = (p: typeof unetParams) => (x: Tensor<[number, 3, 16, 16]>) => {
  const skip = pipe(x, conv2d(p.enc1, { padding: 1 }), relu)                                       // [N, 8, 16, 16]
  const bottom = pipe(skip, maxPool2d({ kernelSize: 2 }), conv2d(p.enc2, { padding: 1 }), relu)    // [N, 16, 8, 8]
  const up = convTranspose2d(p.up, { stride: 2 })(bottom)                                            // [N, 8, 16, 16]
  const side = pipe(bottom, upsample({ scaleFactor: 2, mode: 'bilinear' }), conv2d(p.side))          // [N, 4, 16, 16]
  return pipe(concat([up, skip, side] as const, 1), conv2d(p.dec, { padding: 1 }), relu, conv2d(p.head))     // [N, 2, 16, 16]
}

const dcganParams = {
  g1: convTranspose2dParams({ inChannels: 16, outChannels: 32, kernelSize: 4, bias: false }, { seed: 51 }), bn1: trainedBn(32, 52),
  g2: convTranspose2dParams({ inChannels: 32, outChannels: 16, kernelSize: 4, bias: false }, { seed: 55 }), bn2: trainedBn(16, 56),
  g3: convTranspose2dParams({ inChannels: 16, outChannels: 8, kernelSize: 4, bias: false }, { seed: 59 }), bn3: trainedBn(8, 60),
  g4: convTranspose2dParams({ inChannels: 8, outChannels: 1, kernelSize: 4, bias: false }, { seed: 63 }),
}
const dcgan = (p: typeof dcganParams) => (z: Tensor<[number, 16]>) =>
  pipe(
    z, reshape([-1, 16, 1, 1]),
    convTranspose2d(p.g1), batchNorm2d(p.bn1, { training: false }), relu,                             // [N, 32, 4, 4]
    convTranspose2d(p.g2, { stride: 2, padding: 1 }), batchNorm2d(p.bn2, { training: false }), relu,  // [N, 16, 8, 8]
    convTranspose2d(p.g3, { stride: 2, padding: 1 }), batchNorm2d(p.bn3, { training: false }), relu,  // [N, 8, 16, 16]
    convTranspose2d(p.g4, { stride: 2, padding: 1 }), tanh,                      // [N, 1, 32, 32]
  )

const inceptionParams = {
  branch1: conv2dParams({ inChannels: 8, outChannels: 4, kernelSize: 1 }, { seed: 71 }),
  reduce: conv2dParams({ inChannels: 8, outChannels: 8, kernelSize: 1 }, { seed: 73 }),
  depthwise: conv2dParams({ inChannels: 8, outChannels: 8, kernelSize: 3, groups: 8 }, { seed: 75 }),
  expand: conv2dParams({ inChannels: 8, outChannels: 6, kernelSize: 1 }, { seed: 77 }),
  poolProjection: conv2dParams({ inChannels: 8, outChannels: 4, kernelSize: 1 }, { seed: 79 }),
}
const inception = (p: typeof inceptionParams) => (x: Tensor<[number, 8, 16, 16]>) => {
  const b1 = pipe(x, conv2d(p.branch1), relu)
  const b2 = pipe(x, conv2d(p.reduce), relu, conv2d(p.depthwise, { padding: 2, dilation: 2, groups: 8 }), relu, conv2d(p.expand), relu)
  const b3 = pipe(x, maxPool2d({ kernelSize: 3, stride: 1, padding: 1, ceilMode: true }), conv2d(p.poolProjection), relu)
  // GoogLeNet's reduction: a ceil-mode pool keeps the windows that overhang the edge (16 → 8, not 7).
  return maxPool2d({ kernelSize: 3, stride: 2, ceilMode: true })(concat([b1, b2, b3] as const, 1))    // [N, 14, 8, 8]
}

describe('models exported to ONNX', () => {
  it('LeNet-5', async () => {
    const params = classicParams()
    const { file, bytes } = await exportAndCompare({ name: 'lenet', shapes: [['N', 1, 28, 28]], fn: (x) => classic(params)(x), options: { params } }, dir)
    files.push(file)
    const model = decodeOnnxModel(bytes)
    expect(model.graph.initializer.map((t) => t.name)).toEqual(expect.arrayContaining(['c1.weight', 'c1.bias', 'f3.weight', 'f3.bias']))
    expect(model.graph.input[0].type.tensor_type.shape.dim[0]).toEqual({ dim_param: 'N' })
    expect(model.graph.output[0].type.tensor_type.shape.dim).toEqual([{ dim_param: 'N' }, { dim_value: 10 }])
  })

  it('a U-Net-like model: transposed conv, concat skip, upsample', async () => {
    files.push((await exportAndCompare({ name: 'unet', shapes: [['N', 3, 16, 16]], fn: (x) => unet(unetParams)(x), options: { params: unetParams } }, dir)).file)
  })

  it('a DCGAN generator: transposed convs, batch norm, tanh', async () => {
    files.push((await exportAndCompare({ name: 'dcgan', shapes: [['batch', 16]], fn: (z) => dcgan(dcganParams)(z), runs: [{ batch: 1 }, { batch: 5 }] }, dir)).file)
  })

  it('an Inception block: depthwise dilated conv, ceil-mode pools', async () => {
    files.push((await exportAndCompare({ name: 'inception', shapes: [['N', 8, 16, 16]], fn: (x) => inception(inceptionParams)(x) }, dir)).file)
  })

  it("the PyTorch ResNet from safetensors, matching shapewise and PyTorch's outputs", async () => {
    const params = await loadSafetensors(fixture('resnet.safetensors'), { like: resnetParams() })
    const { file, bytes } = await exportAndCompare({ name: 'resnet', shapes: [['N', 3, 32, 32]], fn: (x) => resnet(params)(x), options: { params } }, dir)
    files.push(file)
    const { input, output } = await loadSafetensors(fixture('resnet_io.safetensors'))
    const [x, expected] = [(await input.data()) as Float32Array, (await output.data()) as Float32Array]
    const session = await ort.InferenceSession.create(bytes)
    for (const n of [1, 3]) {
      const result = await session.run({ input: new ort.Tensor('float32', x.subarray(0, n * 3 * 32 * 32), [n, 3, 32, 32]) })
      expect(relativeToScale(result.output.data as Float32Array, expected.subarray(0, n * 10)), `batch ${n}`).toBeLessThanOrEqual(ONNX_TOLERANCE)
    }
  })

  it('LeNet trained with jit exports with its trained weights (train here, serve with ONNX Runtime)', async () => {
    const optimizer = adam({ lr: 1e-2 })
    const x = randn([8, 1, 28, 28], { seed: 3 })
    const y = fromArray([0, 1, 2, 3, 4, 5, 6, 7], [8], 'int32')
    const step = jit((params: ClassicParams, state: OptimizerState<unknown>) => {
      const [loss, grads] = valueAndGrad((p: ClassicParams) => crossEntropy(classic(p)(x), y))(params)
      const [next, nextState] = optimizer.update(params, grads, state as never)
      return { params: next, state: nextState, loss }
    })
    let params = classicParams()
    let state: OptimizerState<unknown> = optimizer.init(params)
    for (let i = 0; i < 3; i++) ({ params, state } = (await step(params, state)) as { params: ClassicParams; state: OptimizerState<unknown> })
    // The trained weights live only on the device, as outputs of the compiled step.
    expect(params.c1.weight.node.op).toBe('external')
    files.push((await exportAndCompare({ name: 'lenet-trained', shapes: [['N', 1, 28, 28]], fn: (input) => classic(params)(input), options: { params } }, dir)).file)
  })

  it('all six pass onnx.checker.check_model(full_check=True)', async () => {
    expect(files.length).toBe(6)
    await expectValidOnnx(files)
  })
})
