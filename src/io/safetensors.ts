/**
 * safetensors, the weight format of PyTorch and Hugging Face
 * (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header (each tensor's dtype, shape and
 * `data_offsets` into the data section, plus an optional `__metadata__`
 * string map), then the raw little-endian data, every byte of it indexed
 * exactly once.
 *
 * Loading reads the file once into one buffer; float32 and int32 tensors
 * become views of it that are uploaded to the device as they are, so a large
 * file costs about one copy of itself and its values never pass through
 * JavaScript number arrays. Other dtypes are converted typed array to typed
 * array.
 */
import { open, readFile } from 'node:fs/promises'
import { makeNode, type DType, type HostData } from '../graph.ts'
import { constant } from '../core/leaves.ts'
import { realize } from '../realize.ts'
import { shapeText } from '../shape/errors.ts'
import { wrap, type Tensor } from '../tensor.ts'
import type { AnyTensor, Tree } from '../tree.ts'
import { writeFileAtomic } from './atomic.ts'
import { SafetensorsError } from './errors.ts'
import { pytorchNames, rebuildTree } from './names.ts'

/** The dtypes this reader understands; F16, BF16 and F64 load as float32, I64 as int32. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I32' | 'I64' | 'BOOL'
const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I32: 4, I64: 8, BOOL: 1 }
const LOADS_AS: Record<SafetensorsDtype, DType> = { F32: 'float32', F16: 'float32', BF16: 'float32', F64: 'float32', I32: 'int32', I64: 'int32', BOOL: 'bool' }
const WRITES_AS: Record<DType, SafetensorsDtype> = { float32: 'F32', int32: 'I32', bool: 'BOOL' }

/** One tensor's entry in a safetensors header. */
export interface SafetensorsEntry {
  readonly dtype: SafetensorsDtype
  readonly shape: readonly number[]
  /** Byte range [begin, end) in the data section. */
  readonly dataOffsets: readonly [number, number]
}
export interface SafetensorsHeader {
  readonly metadata: Readonly<Record<string, string>>
  readonly tensors: Readonly<Record<string, SafetensorsEntry>>
  /** Byte offset of the data section in the file (8 + header length). */
  readonly dataStart: number
}

export interface SaveSafetensorsOptions {
  /** Free-form string pairs stored in the header's `__metadata__`. */
  readonly metadata?: Readonly<Record<string, string>>
}
export interface LoadSafetensorsOptions<T> {
  /** A tree of the model's own type: every tensor is checked against its shape and dtype and the result has its type. */
  readonly like: T
  /** Tensors in the file that the template does not name are an error (default true). */
  readonly strict?: boolean
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1)
const MAX_HEADER = 100_000_000

/** Parses and validates the header of a safetensors file held in `bytes` (at least its first 8 + n bytes). */
export const parseHeader = (bytes: Uint8Array, file: string, fileLength = bytes.length): SafetensorsHeader => {
  const fail = (problem: string): never => {
    throw new SafetensorsError(file, problem)
  }
  if (fileLength < 8) fail(`truncated: the file is ${fileLength} bytes, too short for the 8-byte header length`)
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true)
  if (length > BigInt(fileLength - 8)) fail(`header length ${length} runs past the end of the file (${fileLength} bytes)`)
  if (length > BigInt(MAX_HEADER)) fail(`header length ${length} exceeds the limit of ${MAX_HEADER} bytes`)
  const dataStart = 8 + Number(length)
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)))
  } catch (error) {
    fail(`the header is not JSON (${(error as Error).message})`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('the header is not a JSON object')
  const { __metadata__: rawMetadata, ...rawTensors } = json as Record<string, unknown>
  if (rawMetadata !== undefined) {
    if (typeof rawMetadata !== 'object' || rawMetadata === null || Array.isArray(rawMetadata)) fail('__metadata__ is not a map of strings')
    for (const [key, value] of Object.entries(rawMetadata as object))
      if (typeof value !== 'string') fail(`__metadata__.${key} is a ${typeof value}, not a string`)
  }
  const tensors: Record<string, SafetensorsEntry> = {}
  for (const [name, raw] of Object.entries(rawTensors)) {
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown }
    if (typeof entry !== 'object' || entry === null) fail(`${name}: the header entry is not an object`)
    if (typeof entry.dtype !== 'string' || !(entry.dtype in BYTES))
      fail(`${name}: unknown dtype ${JSON.stringify(entry.dtype)} (this reader knows ${Object.keys(BYTES).join(', ')})`)
    const dtype = entry.dtype as SafetensorsDtype
    const shape = entry.shape
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`${name}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`)
    const offsets = entry.data_offsets
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1])
      fail(`${name}: data_offsets ${JSON.stringify(offsets)} is not a range [begin, end] of byte offsets`)
    const [begin, end] = offsets as [number, number]
    const needed = sizeOf(shape as number[]) * BYTES[dtype]
    if (end - begin !== needed) fail(`${name}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dtype} ${shapeText(shape as number[])} needs ${needed}`)
    tensors[name] = { dtype, shape: shape as number[], dataOffsets: [begin, end] }
  }
  // The data section is covered exactly once: sorted by start, each range begins where the last ended.
  const dataLength = fileLength - dataStart
  let covered = 0
  let previous = ''
  for (const [name, { dataOffsets: [begin, end] }] of Object.entries(tensors).sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1])) {
    if (begin < covered) fail(`${name}: data_offsets [${begin}, ${end}] overlap ${previous}, which ends at ${covered}`)
    if (begin > covered) fail(`${name}: data_offsets [${begin}, ${end}] leave bytes ${covered}..${begin} unindexed`)
    if (end > dataLength) fail(`truncated: ${name} ends at data byte ${end} but the data section has only ${dataLength} bytes`)
    covered = end
    previous = name
  }
  if (covered < dataLength) fail(`${dataLength - covered} bytes after the last tensor are not indexed by the header`)
  return { metadata: (rawMetadata ?? {}) as Record<string, string>, tensors, dataStart }
}

/** A typed view of `bytes` when its offset allows one, else a copy (the file's alignment is the writer's choice). */
const view = <A>(Kind: { new (b: ArrayBuffer, o: number, n: number): A; BYTES_PER_ELEMENT: number }, bytes: Uint8Array): A =>
  (bytes.byteOffset % Kind.BYTES_PER_ELEMENT === 0
    ? new Kind(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / Kind.BYTES_PER_ELEMENT)
    : new Kind(bytes.slice().buffer, 0, bytes.byteLength / Kind.BYTES_PER_ELEMENT))

/** IEEE half precision to float32. */
const halfToFloat = (h: number): number => {
  const sign = h & 0x8000 ? -1 : 1
  const exponent = (h >> 10) & 0x1f
  const fraction = h & 0x3ff
  if (exponent === 0) return sign * fraction * 2 ** -24
  if (exponent === 31) return fraction ? NaN : sign * Infinity
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15)
}

/** The host data of one tensor, in the dtype it loads as. */
const decodeData = (name: string, dtype: SafetensorsDtype, bytes: Uint8Array, file: string): HostData => {
  switch (dtype) {
    case 'F32':
      return view(Float32Array, bytes)
    case 'I32':
      return view(Int32Array, bytes)
    case 'BOOL':
      return bytes
    case 'F64':
      return Float32Array.from(view(Float64Array, bytes))
    case 'F16': {
      const halves = view(Uint16Array, bytes)
      const out = new Float32Array(halves.length)
      for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i])
      return out
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const halves = view(Uint16Array, bytes)
      const out = new Uint32Array(halves.length)
      for (let i = 0; i < halves.length; i++) out[i] = halves[i] << 16
      return new Float32Array(out.buffer)
    }
    case 'I64': {
      const wide = view(BigInt64Array, bytes)
      const out = new Int32Array(wide.length)
      for (let i = 0; i < wide.length; i++) {
        const v = wide[i]
        if (v < -2147483648n || v > 2147483647n) throw new SafetensorsError(file, `${name}: I64 value ${v} at index ${i} does not fit in int32`)
        out[i] = Number(v)
      }
      return out
    }
  }
}

/**
 * Decodes a whole safetensors file held in memory: every tensor (as a lazy
 * constant, float32 data viewing `bytes`) and the metadata.
 *
 * @example
 * import { readFileSync } from 'node:fs'
 * import { tensor } from 'shapewise'
 * import { decodeSafetensors, saveSafetensors } from 'shapewise/io'
 * await saveSafetensors('model.safetensors', { fc: { weight: tensor([[1, 2]]) } })
 * const { tensors } = decodeSafetensors(readFileSync('model.safetensors'), 'model.safetensors')
 * tensors['fc.weight'].shape // → [1, 2]
 */
export const decodeSafetensors = (
  bytes: Uint8Array,
  file = '<bytes>',
): { tensors: Record<string, Tensor<number[], DType>>; metadata: Record<string, string> } => {
  const header = parseHeader(bytes, file)
  const tensors: Record<string, Tensor<number[], DType>> = {}
  for (const [name, entry] of Object.entries(header.tensors)) tensors[name] = tensorOf(bytes, header, name, entry, file)
  return { tensors, metadata: { ...header.metadata } }
}

const tensorOf = (bytes: Uint8Array, header: SafetensorsHeader, name: string, entry: SafetensorsEntry, file: string) => {
  const [begin, end] = entry.dataOffsets
  const data = decodeData(name, entry.dtype, bytes.subarray(header.dataStart + begin, header.dataStart + end), file)
  return wrap<number[], DType>(makeNode(constant, [], {}, entry.shape, LOADS_AS[entry.dtype], data))
}

/** The dtypes a template tensor accepts from a file. */
const accepts = (want: DType, have: SafetensorsDtype) => LOADS_AS[have] === want

const NUM_BATCHES_TRACKED = /(^|\.)num_batches_tracked$/

/**
 * Loads a safetensors file. Without a template: every tensor by its name in
 * the file. With `like`: a tree of the template's type, each tensor checked
 * against the template's shape and dtype; names the template needs and the
 * file lacks are an error, and so (unless `strict: false`) are names in the
 * file the template does not have — PyTorch's `num_batches_tracked` included.
 *
 * @example
 * import { saveSafetensors, loadSafetensors } from 'shapewise/io'
 * import { conv2dParams } from 'shapewise/nn'
 * await saveSafetensors('net.safetensors', { conv1: conv2dParams({ inChannels: 1, outChannels: 10, kernelSize: 5 }) })
 * const template = { conv1: conv2dParams({ inChannels: 1, outChannels: 10, kernelSize: 5 }) }
 * const params = await loadSafetensors('net.safetensors', { like: template })
 * params.conv1.weight.shape // → [10, 1, 5, 5]
 */
export async function loadSafetensors(path: string): Promise<Record<string, Tensor<number[], DType>>>
export async function loadSafetensors<T extends Tree>(path: string, options: LoadSafetensorsOptions<T>): Promise<T>
export async function loadSafetensors(path: string, options?: LoadSafetensorsOptions<Tree>): Promise<unknown> {
  const bytes = await readFile(path).catch((error: Error) => {
    throw new SafetensorsError(path, `cannot be read (${error.message})`)
  })
  if (!options) return decodeSafetensors(bytes, path).tensors
  return fromSafetensorsBytes(bytes, path, options)
}

/** Builds a tree like `options.like` from a safetensors file held in memory (see loadSafetensors). */
export const fromSafetensorsBytes = <T>(bytes: Uint8Array, file: string, options: LoadSafetensorsOptions<T>): T => {
  const header = parseHeader(bytes, file)
  const wanted = pytorchNames(options.like, 'loadSafetensors template')
  const missing = wanted.filter(([name]) => !(name in header.tensors)).map(([name]) => name)
  if (missing.length) throw new SafetensorsError(file, `missing ${missing.length === 1 ? 'tensor' : 'tensors'} the model needs: ${missing.join(', ')}`)
  const wantedNames = new Set(wanted.map(([name]) => name))
  const extra = Object.keys(header.tensors).filter((name) => !wantedNames.has(name))
  if ((options.strict ?? true) && extra.length) {
    const counters = extra.some((n) => NUM_BATCHES_TRACKED.test(n)) ? " (num_batches_tracked is PyTorch's batch-norm step counter: add numBatchesTracked to the template to keep it)" : ''
    throw new SafetensorsError(file, `unexpected ${extra.length === 1 ? 'tensor' : 'tensors'} the model does not have: ${extra.join(', ')}; pass strict: false to ignore${counters}`)
  }
  for (const [name, t] of wanted) {
    const entry = header.tensors[name]
    if (entry.shape.length !== t.shape.length || entry.shape.some((d, i) => d !== t.shape[i]))
      throw new SafetensorsError(file, `${name}: the file has ${shapeText(entry.shape)} but the model expects ${shapeText(t.shape)}`)
    if (!accepts(t.dtype, entry.dtype)) throw new SafetensorsError(file, `${name}: the file has dtype ${entry.dtype} but the model expects ${t.dtype}`)
  }
  return rebuildTree(options.like, (name) => tensorOf(bytes, header, name, header.tensors[name], file))
}

/**
 * Reads only the header of a safetensors file: tensor names, dtypes, shapes
 * and metadata, without reading the data.
 *
 * @example
 * import { zeros } from 'shapewise'
 * import { readSafetensorsHeader, saveSafetensors } from 'shapewise/io'
 * await saveSafetensors('model.safetensors', { bn1: { runningMean: zeros([64]) } }, { metadata: { epoch: '3' } })
 * const { tensors, metadata } = await readSafetensorsHeader('model.safetensors')
 * tensors['bn1.running_mean'] // → { dtype: 'F32', shape: [64] }
 * metadata // → { epoch: '3' }
 */
export const readSafetensorsHeader = async (path: string): Promise<SafetensorsHeader> => {
  const handle = await open(path, 'r').catch((error: Error) => {
    throw new SafetensorsError(path, `cannot be read (${error.message})`)
  })
  try {
    const { size } = await handle.stat()
    const prefix = new Uint8Array(8)
    await handle.read(prefix, 0, Math.min(8, size), 0)
    const length = size >= 8 ? Number(new DataView(prefix.buffer).getBigUint64(0, true)) : 0
    const head = new Uint8Array(8 + Math.min(length, Math.max(size - 8, 0), MAX_HEADER))
    head.set(prefix)
    await handle.read(head, 8, head.length - 8, 8)
    return parseHeader(head, path, size)
  } finally {
    await handle.close()
  }
}

/** The byte chunks of a safetensors file holding `entries` (already on the host), header padded to 8 bytes. */
export const encodeSafetensors = (
  entries: readonly (readonly [string, { readonly shape: readonly number[]; readonly dtype: DType; readonly data: HostData }])[],
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array[] => {
  const header: Record<string, unknown> = {}
  if (Object.keys(metadata).length) header.__metadata__ = { ...metadata }
  let offset = 0
  for (const [name, { shape, dtype, data }] of entries) {
    header[name] = { dtype: WRITES_AS[dtype], shape: [...shape], data_offsets: [offset, offset + data.byteLength] }
    offset += data.byteLength
  }
  let json = JSON.stringify(header)
  // Spaces pad the header so that the data section starts 8-byte aligned (as the reference writer does).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8)
  const headerBytes = new TextEncoder().encode(json)
  const prefix = new Uint8Array(8)
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true)
  return [prefix, headerBytes, ...entries.map(([, { data }]) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength))]
}

/** Reads every tensor of a tree back from the device in one plan, with its PyTorch name. */
export const hostEntries = async (tree: unknown, what: string) => {
  const named = pytorchNames(tree, what)
  const values = await realize(named.map(([, t]) => t.node))
  return named.map(([name, t], i) => [name, { shape: t.shape as readonly number[], dtype: t.dtype as DType, data: values[i] }] as const)
}

/**
 * Saves a parameter tree as safetensors under PyTorch's names (see
 * `pytorchNames`): float32 as F32, int32 as I32, bool as BOOL. The write is
 * atomic: the file is the complete new one or the previous one.
 *
 * @example
 * import { saveSafetensors } from 'shapewise/io'
 * import { conv2dParams, linearParams } from 'shapewise/nn'
 * const params = { conv1: conv2dParams({ inChannels: 1, outChannels: 10, kernelSize: 5 }), fc: linearParams({ inFeatures: 320, outFeatures: 10 }) }
 * await saveSafetensors('net.safetensors', params, { metadata: { epoch: '10' } })
 * // PyTorch: net.load_state_dict(safetensors.torch.load_file('net.safetensors'))
 */
export const saveSafetensors = async (path: string, params: Tree, options: SaveSafetensorsOptions = {}): Promise<void> => {
  for (const [key, value] of Object.entries(options.metadata ?? {}))
    if (typeof value !== 'string') throw new SafetensorsError(path, `metadata.${key} is a ${typeof value}; safetensors metadata values must be strings`)
  await writeFileAtomic(path, encodeSafetensors(await hostEntries(params, 'saveSafetensors'), options.metadata))
}

export type { AnyTensor }
