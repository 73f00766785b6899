/**
 * Types of shapewise/io: a template gives loadSafetensors and loadCheckpoint
 * its own type; exportOnnx hands the traced function tensors whose named
 * dims are `number`.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { relu, type DType, type Tensor } from '../src/index.ts'
import { conv2dParams, linearParams } from '../src/nn/index.ts'
import { adam } from '../src/optim/index.ts'
import {
  saveSafetensors, loadSafetensors, readSafetensorsHeader, exportOnnx, saveCheckpoint, loadCheckpoint, listCheckpoints,
  type SafetensorsHeader, type CheckpointEntry,
} from '../src/io/index.ts'

const template = { conv1: conv2dParams({ inChannels: 1, outChannels: 10, kernelSize: 5 }), fc: linearParams({ inFeatures: 320, outFeatures: 10 }) }

// ------------------------------------------------------------ safetensors
expectType<Promise<void>>(saveSafetensors('net.safetensors', template, { metadata: { epoch: '10' } }))
//// @ts-expect-error
expectError(saveSafetensors('net.safetensors', template, { metadata: { epoch: 10 } }))
expectType<Promise<Record<string, Tensor<number[], DType>>>>(loadSafetensors('net.safetensors'))
const loaded = await loadSafetensors('net.safetensors', { like: template, strict: false })
expectType<Tensor<[10, 1, 5, 5]>>(loaded.conv1.weight)
expectType<Tensor<[10, 320]>>(loaded.fc.weight)
//// @ts-expect-error
expectError(loadSafetensors('net.safetensors', { like: { epochs: 3 } }))
expectType<Promise<SafetensorsHeader>>(readSafetensorsHeader('net.safetensors'))

// ------------------------------------------------------------ checkpoints
const optimizer = adam({ lr: 1e-3 })
const optimizerState = optimizer.init(template)
expectType<Promise<string>>(saveCheckpoint('runs/a', { params: template, optimizerState, step: 3, metadata: { epoch: 1 } }, { keep: 2 }))
const resumed = await loadCheckpoint('runs/a', { like: { params: template, optimizerState } })
expectType<Tensor<[10]>>(resumed.params.conv1.bias)
expectType<typeof optimizerState | undefined>(resumed.optimizerState)
expectType<number>(resumed.step)
expectType<Promise<CheckpointEntry[]>>(listCheckpoints('runs/a'))
//// @ts-expect-error
expectError(saveCheckpoint('runs/a', { params: template }))

// ------------------------------------------------------------ ONNX export
expectType<Promise<Uint8Array>>(
  exportOnnx((x) => {
    expectType<Tensor<[number, 3, 8, 8]>>(x)
    return relu(x)
  }, [['N', 3, 8, 8]]),
)
expectType<Promise<Uint8Array>>(
  exportOnnx((a, b) => {
    expectType<Tensor<[2, 4]>>(a)
    expectType<Tensor<[number, 4]>>(b)
    return [a, b]
  }, [[2, 4], ['batch', 4]], { opset: 17, inputNames: ['a', 'b'], outputNames: ['y', 'z'] }),
)
//// @ts-expect-error
expectError(exportOnnx((x) => 3, [['N', 3]]))
