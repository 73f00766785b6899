/**
 * safetensors: PyTorch's names, dtypes both ways, the header as the spec
 * writes it, named errors for every kind of damaged file, and files written
 * by PyTorch (tests/fixtures/generate_io.py).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fromArray, slice, type Tensor } from '../../src/index.ts'
import { batchNorm2dParams, conv2dParams, linearParams } from '../../src/nn/index.ts'
import {
  loadSafetensors, saveSafetensors, readSafetensorsHeader, decodeSafetensors, pytorchNames, SafetensorsError,
} from '../../src/io/index.ts'
import { snakeCase } from '../../src/io/names.ts'
import { encodeSafetensors } from '../../src/io/safetensors.ts'
import { fixture, temporaryFolder } from './helpers.ts'

const dir = temporaryFolder('safetensors')

/** A file from a header object and a data section of `dataBytes` bytes (for damaged files). */
const craft = (header: unknown, dataBytes: number, headerText = JSON.stringify(header)): Uint8Array => {
  const text = new TextEncoder().encode(headerText)
  const bytes = new Uint8Array(8 + text.length + dataBytes)
  new DataView(bytes.buffer).setBigUint64(0, BigInt(text.length), true)
  bytes.set(text, 8)
  return bytes
}
const write = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

describe('names', () => {
  it('camelCase keys become snake_case, array indices join with dots', () => {
    expect(snakeCase('runningMean')).toBe('running_mean')
    expect(snakeCase('numBatchesTracked')).toBe('num_batches_tracked')
    expect(snakeCase('layer1')).toBe('layer1')
    expect(snakeCase('bn1')).toBe('bn1')
    const tree = { layer1: [{ bn1: batchNorm2dParams({ numFeatures: 2 }) }], fc: linearParams({ inFeatures: 2, outFeatures: 1 }) }
    expect(pytorchNames(tree).map(([n]) => n)).toEqual([
      'layer1.0.bn1.weight', 'layer1.0.bn1.bias', 'layer1.0.bn1.running_mean', 'layer1.0.bn1.running_var', 'fc.weight', 'fc.bias',
    ])
  })

  it('two keys with one PyTorch name are an error', () => {
    expect(() => pytorchNames({ runningMean: fromArray([1], [1]), running_mean: fromArray([1], [1]) })).toThrow(/'runningMean' and 'running_mean' both have the PyTorch name 'running_mean'/)
  })
})

describe('save and load', () => {
  const params = () => ({
    conv1: conv2dParams({ inChannels: 1, outChannels: 3, kernelSize: 2 }, { seed: 4 }),
    layer1: [{ bn1: { ...batchNorm2dParams({ numFeatures: 3 }), numBatchesTracked: fromArray([7], [], 'int32') } }],
  })

  it('writes F32 and I32 under PyTorch names, metadata, an 8-byte aligned data section', async () => {
    const path = join(dir, 'tree.safetensors')
    await saveSafetensors(path, params(), { metadata: { epoch: '10' } })
    const header = await readSafetensorsHeader(path)
    expect(header.metadata).toEqual({ epoch: '10' })
    expect(header.dataStart % 8).toBe(0)
    expect(Object.keys(header.tensors)).toEqual([
      'conv1.weight', 'conv1.bias', 'layer1.0.bn1.weight', 'layer1.0.bn1.bias', 'layer1.0.bn1.running_mean', 'layer1.0.bn1.running_var',
      'layer1.0.bn1.num_batches_tracked',
    ])
    expect(header.tensors['conv1.weight']).toEqual({ dtype: 'F32', shape: [3, 1, 2, 2], dataOffsets: [0, 48] })
    expect(header.tensors['layer1.0.bn1.num_batches_tracked']).toMatchObject({ dtype: 'I32', shape: [] })
  })

  it('loads back into the template bit for bit, with the template type', async () => {
    const path = join(dir, 'roundtrip.safetensors')
    const original = params()
    await saveSafetensors(path, original)
    const loaded = await loadSafetensors(path, { like: params() })
    const weight: Tensor<[3, 1, 2, 2]> = loaded.conv1.weight
    expect(Array.from(await weight.data())).toEqual(Array.from(await original.conv1.weight.data()))
    expect(loaded.layer1[0].bn1.numBatchesTracked.dtype).toBe('int32')
    expect(Array.from(await loaded.layer1[0].bn1.numBatchesTracked.data())).toEqual([7])
    const named = await loadSafetensors(path)
    expect(Object.keys(named)).toContain('layer1.0.bn1.running_var')
    expect(Array.from(await named['conv1.bias'].data())).toEqual(Array.from(await original.conv1.bias.data()))
  })

  it('float32 data are views of the file buffer, not copies (one copy of a large file in memory)', async () => {
    const bytes = readFileSync(fixture('resnet.safetensors'))
    const { tensors } = decodeSafetensors(bytes)
    const data = tensors['conv1.weight'].node.data!
    expect(data).toBeInstanceOf(Float32Array)
    expect(data.buffer).toBe(bytes.buffer)
  })

  it('a large file costs about one copy of itself in memory, and its values reach the device', async () => {
    const count = 12 << 20   // 48 MiB of float32
    const values = new Float32Array(count)
    for (let i = 0; i < count; i += 4096) values[i] = i / 4096
    const path = join(dir, 'large.safetensors')
    writeFileSync(path, Buffer.concat(encodeSafetensors([['big', { shape: [count / 4096, 4096], dtype: 'float32', data: values }]])))
    const fileSize = statSync(path).size
    const before = process.memoryUsage().arrayBuffers
    const { big } = await loadSafetensors(path)
    const grown = process.memoryUsage().arrayBuffers - before
    expect(grown).toBeLessThan(1.1 * fileSize)
    const column = await slice({ start: [0, 0], end: [count / 4096, 1] })(big as Tensor<[number, 4096]>).data()
    expect(Array.from(column.subarray(0, 4))).toEqual([0, 1, 2, 3])
    expect(column[count / 4096 - 1]).toBe(count / 4096 - 1)
  })

  it('a failed save leaves the previous file as it was', async () => {
    const path = join(dir, 'kept.safetensors')
    await saveSafetensors(path, { w: fromArray([1, 2], [2]) })
    const before = readFileSync(path)
    const disposed = fromArray([3, 4], [2])
    disposed.dispose()
    await expect(saveSafetensors(path, { w: disposed })).rejects.toThrow(/disposed/)
    await expect(saveSafetensors(path, { w: fromArray([5], [1]) }, { metadata: { n: 3 as unknown as string } })).rejects.toThrow(SafetensorsError)
    expect(readFileSync(path)).toEqual(before)
  })
})

describe('files written by PyTorch', () => {
  it('reads F16, BF16, F64 as float32 and I64 as int32, as PyTorch converts them', async () => {
    const named = await loadSafetensors(fixture('dtypes.safetensors'))
    for (const dtype of ['F16', 'BF16', 'F64', 'I64']) {
      expect(named[dtype].dtype).toBe(dtype === 'I64' ? 'int32' : 'float32')
      expect(Array.from(await named[dtype].data()), dtype).toEqual(Array.from(await named[`${dtype}.expected`].data()))
    }
  })

  it('an I64 value outside int32 is an error naming the tensor', async () => {
    await expect(loadSafetensors(fixture('i64_overflow.safetensors'))).rejects.toThrow(/i64_overflow\.safetensors: counts: I64 value 2147483648 at index 1 does not fit in int32/)
  })

  it("a torchvision-layout state_dict has PyTorch's names, num_batches_tracked included", async () => {
    const header = await readSafetensorsHeader(fixture('resnet.safetensors'))
    const names = Object.keys(header.tensors)
    for (const name of ['conv1.weight', 'bn1.running_mean', 'layer1.0.conv1.weight', 'layer1.1.bn2.running_var', 'layer2.0.downsample.0.weight', 'layer2.0.downsample.1.num_batches_tracked', 'fc.bias'])
      expect(names).toContain(name)
    expect(header.tensors['bn1.num_batches_tracked'].dtype).toBe('I64')
  })
})

describe('errors name the file and the problem', () => {
  const entry = { dtype: 'F32', shape: [2], data_offsets: [0, 8] }
  const cases: [string, Uint8Array, RegExp][] = [
    ['short', new Uint8Array(5), /short\.safetensors: truncated: the file is 5 bytes, too short for the 8-byte header length/],
    ['past-end', (() => { const b = craft({}, 0); new DataView(b.buffer).setBigUint64(0, 1000n, true); return b })(), /past-end\.safetensors: header length 1000 runs past the end of the file \(10 bytes\)/],
    ['not-json', craft(null, 0, '{"a": [1, 2'), /not-json\.safetensors: the header is not JSON/],
    ['truncated-data', craft({ w: entry }, 4), /truncated-data\.safetensors: truncated: w ends at data byte 8 but the data section has only 4 bytes/],
    ['overlap', craft({ a: entry, b: { ...entry, data_offsets: [4, 12] } }, 12), /overlap\.safetensors: b: data_offsets \[4, 12\] overlap a, which ends at 8/],
    ['hole', craft({ a: entry, b: { ...entry, data_offsets: [12, 20] } }, 20), /hole\.safetensors: b: data_offsets \[12, 20\] leave bytes 8\.\.12 unindexed/],
    ['bad-range', craft({ w: { ...entry, data_offsets: [8, 0] } }, 8), /bad-range\.safetensors: w: data_offsets \[8,0\] is not a range/],
    ['size', craft({ w: { ...entry, shape: [3] } }, 8), /size\.safetensors: w: data_offsets \[0, 8\] hold 8 bytes but F32 \[3\] needs 12/],
    ['dtype', craft({ w: { ...entry, dtype: 'F8_E4M3' } }, 8), /dtype\.safetensors: w: unknown dtype "F8_E4M3"/],
    ['metadata', craft({ __metadata__: { epoch: 3 } }, 0), /metadata\.safetensors: __metadata__\.epoch is a number, not a string/],
    ['trailing', craft({ w: entry }, 12), /trailing\.safetensors: 4 bytes after the last tensor are not indexed/],
  ]
  for (const [name, bytes, message] of cases)
    it(name, async () => {
      const path = write(`${name}.safetensors`, bytes)
      const error = await loadSafetensors(path).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SafetensorsError)
      expect((error as SafetensorsError).path).toBe(path)
      expect(String((error as Error).message)).toMatch(message)
    })

  it('a missing file', async () => {
    await expect(loadSafetensors(join(dir, 'nope.safetensors'))).rejects.toThrow(/nope\.safetensors: cannot be read/)
  })

  const net = () => ({
    conv1: conv2dParams({ inChannels: 1, outChannels: 10, kernelSize: 5 }),
    conv2: conv2dParams({ inChannels: 10, outChannels: 20, kernelSize: 5 }),
    fc: linearParams({ inFeatures: 320, outFeatures: 10 }),
  })

  it('a shape mismatch names the tensor and both shapes', async () => {
    const template = { ...net(), conv1: conv2dParams({ inChannels: 1, outChannels: 12, kernelSize: 5 }) }
    await expect(loadSafetensors(fixture('net.safetensors'), { like: template })).rejects.toThrow(
      'conv1.weight: the file has [10, 1, 5, 5] but the model expects [12, 1, 5, 5]',
    )
  })

  it('a dtype mismatch names the tensor and both dtypes', async () => {
    const template = { ...net(), fc: { weight: fromArray(new Int32Array(3200), [10, 320], 'int32'), bias: linearParams({ inFeatures: 320, outFeatures: 10 }).bias } }
    await expect(loadSafetensors(fixture('net.safetensors'), { like: template })).rejects.toThrow('fc.weight: the file has dtype F32 but the model expects int32')
  })

  it('names the model needs and the file lacks are always an error', async () => {
    const template = { ...net(), fc2: linearParams({ inFeatures: 10, outFeatures: 2 }) }
    for (const strict of [true, false])
      await expect(loadSafetensors(fixture('net.safetensors'), { like: template, strict })).rejects.toThrow('missing tensors the model needs: fc2.weight, fc2.bias')
  })

  it('extra names are an error under strict (the default) and ignored without it', async () => {
    const { conv2: _, ...partial } = net()
    await expect(loadSafetensors(fixture('net.safetensors'), { like: partial })).rejects.toThrow(
      'unexpected tensors the model does not have: conv2.weight, conv2.bias; pass strict: false to ignore',
    )
    const loaded = await loadSafetensors(fixture('net.safetensors'), { like: partial, strict: false })
    expect(Object.keys(loaded)).toEqual(['conv1', 'fc'])
  })
})
