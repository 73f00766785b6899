/**
 * The IDX file format (the one MNIST and Fashion-MNIST ship in):
 *
 *   bytes 0–1   0x00 0x00
 *   byte  2     element type (0x08 ubyte, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)
 *   byte  3     number of dimensions
 *   then        one big-endian uint32 per dimension
 *   then        the elements, big-endian, row-major
 *
 * Files are usually distributed gzipped; reading one gunzips it when it ends in
 * `.gz` or starts with the gzip magic bytes, so callers never care which.
 * Every error names the file and says what is wrong with it, because a bad
 * download is the usual cause and the user has to know which file to replace.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { gunzipSync, gzipSync } from 'node:zlib'

export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64'
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array

export interface IdxFile {
  readonly dims: number[]
  readonly dtype: IdxDType
  /** Elements in native byte order, row-major; length is the product of dims. */
  readonly data: IdxData
}

/** What is wrong with a file, for callers (and tests) that branch on it rather than on the message. */
export type IdxErrorKind = 'bad-gzip' | 'bad-magic' | 'unsupported-dtype' | 'truncated-header' | 'truncated-data' | 'trailing-bytes'

/**
 * A file that is not valid IDX (or gzipped IDX); `kind` says what is wrong, the message where.
 *
 * @example
 * import { parseIdx, IdxError } from 'shapewise/data'
 * let error: unknown
 * try { parseIdx(Uint8Array.of(1, 2, 3, 4), 'labels.idx') } catch (e) { error = e }
 * error instanceof IdxError // → true
 * const kind = (error as IdxError).kind // → 'bad-magic'
 */
export class IdxError extends Error {
  override readonly name = 'IdxError'
  constructor(
    readonly file: string,
    readonly kind: IdxErrorKind,
    detail: string,
  ) {
    super(`${file}: ${detail}`)
  }
}

interface TypeInfo {
  readonly code: number
  readonly name: IdxDType
  readonly bytes: number
  readonly make: (buffer: ArrayBuffer) => IdxData
}

const TYPES: readonly TypeInfo[] = [
  { code: 0x08, name: 'uint8', bytes: 1, make: (b) => new Uint8Array(b) },
  { code: 0x09, name: 'int8', bytes: 1, make: (b) => new Int8Array(b) },
  { code: 0x0b, name: 'int16', bytes: 2, make: (b) => new Int16Array(b) },
  { code: 0x0c, name: 'int32', bytes: 4, make: (b) => new Int32Array(b) },
  { code: 0x0d, name: 'float32', bytes: 4, make: (b) => new Float32Array(b) },
  { code: 0x0e, name: 'float64', bytes: 8, make: (b) => new Float64Array(b) },
]

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

// Typed arrays use the platform's byte order; IDX is big-endian. Every machine
// Node runs on today is little-endian, but the check costs nothing.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b

/** Gunzips when the name or the content says gzip; zlib's complaint is kept but attributed to the file. */
function inflate(bytes: Uint8Array, file: string): Uint8Array {
  if (!file.endsWith('.gz') && !isGzip(bytes)) return bytes
  try {
    return gunzipSync(bytes)
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    throw new IdxError(file, 'bad-gzip', `corrupt gzip stream (${why}); the file is damaged or incompletely downloaded`)
  }
}

/**
 * Decodes IDX bytes (already gunzipped, or gzipped: both are accepted).
 * `file` only labels errors; pass whatever the bytes came from.
 *
 * @example
 * import { encodeIdx, parseIdx } from 'shapewise/data'
 * const file = parseIdx(encodeIdx([2, 3], Uint8Array.of(1, 2, 3, 4, 5, 6)))
 * file.dims // → [2, 3]
 * file.dtype // → 'uint8'
 */
export function parseIdx(input: Uint8Array, file = '<idx bytes>'): IdxFile {
  const bytes = inflate(input, file)

  // The magic's first two bytes are checked on whatever is present, so a
  // 3-byte text file is reported as "not IDX" rather than "truncated".
  for (let i = 0; i < Math.min(2, bytes.length); i++)
    if (bytes[i] !== 0)
      throw new IdxError(
        file,
        'bad-magic',
        `bad magic number: starts with ${Array.from(bytes.subarray(0, 4), hex).join(' ')}, an IDX file starts with 0x00 0x00 <type> <ndims>`,
      )
  if (bytes.length < 4)
    throw new IdxError(file, 'truncated-header', `truncated header: ${plural(bytes.length, 'byte')}, the magic number alone needs 4`)

  const type = TYPES.find((t) => t.code === bytes[2])
  if (!type)
    throw new IdxError(
      file,
      'unsupported-dtype',
      `unsupported element type ${hex(bytes[2])} (supported: ${TYPES.map((t) => `${hex(t.code)} ${t.name}`).join(', ')})`,
    )

  const ndims = bytes[3]
  const headerBytes = 4 + 4 * ndims
  if (bytes.length < headerBytes)
    throw new IdxError(
      file,
      'truncated-header',
      `truncated header: ${plural(ndims, 'dimension')} need a ${headerBytes}-byte header, the file has ${plural(bytes.length, 'byte')}`,
    )

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dims: number[] = []
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false))

  // Products of uint32s stay exact in a double up to 2^53, far beyond any file we could read.
  const count = dims.reduce((a, b) => a * b, 1)
  const expected = count * type.bytes
  const found = bytes.length - headerBytes
  const described = `dims [${dims.join(', ')}] of ${type.name}`
  if (found < expected)
    throw new IdxError(file, 'truncated-data', `data truncated: ${described} need ${expected} bytes, found ${found}`)
  if (found > expected)
    throw new IdxError(
      file,
      'trailing-bytes',
      `${plural(found - expected, 'trailing byte')} after the ${expected} data bytes that ${described} describe`,
    )

  // Copy into a fresh buffer: the input may be a view into a larger (pooled)
  // Buffer, and the caller should own exactly its data and nothing else.
  // (Not `bytes.slice()`: on a Node Buffer that is a view, not a copy.)
  const raw = new Uint8Array(expected)
  raw.set(bytes.subarray(headerBytes))
  if (LITTLE_ENDIAN && type.bytes > 1) swapBytes(raw, type.bytes)
  return { dims, dtype: type.name, data: type.make(raw.buffer) }
}

/** Reverses each `width`-byte group in place (big-endian ↔ little-endian). */
function swapBytes(bytes: Uint8Array, width: number): void {
  for (let at = 0; at < bytes.length; at += width)
    for (let i = at, j = at + width - 1; i < j; i++, j--) {
      const t = bytes[i]
      bytes[i] = bytes[j]
      bytes[j] = t
    }
}

/**
 * Reads an IDX file, gunzipping it when needed.
 *
 * @example
 * import { readIdx, writeIdx } from 'shapewise/data'
 * writeIdx('labels-idx1-ubyte.gz', [3], Uint8Array.of(7, 2, 1))
 * readIdx('labels-idx1-ubyte.gz').data // → [7, 2, 1]
 */
export function readIdx(file: string): IdxFile {
  return parseIdx(readFileSync(file), file)
}

const typeOf = (data: IdxData): TypeInfo => {
  const name: IdxDType =
    data instanceof Uint8Array ? 'uint8'
    : data instanceof Int8Array ? 'int8'
    : data instanceof Int16Array ? 'int16'
    : data instanceof Int32Array ? 'int32'
    : data instanceof Float32Array ? 'float32'
    : 'float64'
  return TYPES.find((t) => t.name === name)!
}

/**
 * Encodes an array as IDX bytes (uncompressed); the element type follows the typed array's class.
 *
 * @example
 * import { encodeIdx } from 'shapewise/data'
 * const bytes = encodeIdx([2], Int32Array.of(1, 2))
 * bytes.length // → 16
 * bytes.subarray(0, 4) // → [0, 0, 0x0c, 1]
 */
export function encodeIdx(dims: readonly number[], data: IdxData): Uint8Array {
  if (dims.length > 255) throw new RangeError(`encodeIdx: IDX allows at most 255 dimensions, got ${dims.length}`)
  for (const d of dims)
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new RangeError(`encodeIdx: invalid dimension ${d} in [${dims.join(', ')}]`)
  const count = dims.reduce((a, b) => a * b, 1)
  if (count !== data.length) throw new RangeError(`encodeIdx: dims [${dims.join(', ')}] hold ${count} elements, data has ${data.length}`)
  const type = typeOf(data)
  const header = 4 + 4 * dims.length
  const out = new Uint8Array(header + data.byteLength)
  const view = new DataView(out.buffer)
  out[2] = type.code
  out[3] = dims.length
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false))
  const body = out.subarray(header)
  body.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  if (LITTLE_ENDIAN && type.bytes > 1) swapBytes(body, type.bytes)
  return out
}

/**
 * Writes an IDX file, gzipped when the name ends in `.gz`.
 *
 * @example
 * import { existsSync } from 'node:fs'
 * import { writeIdx } from 'shapewise/data'
 * writeIdx('images-idx3-ubyte.gz', [1, 2, 2], Uint8Array.of(0, 255, 255, 0))
 * existsSync('images-idx3-ubyte.gz') // → true
 */
export function writeIdx(file: string, dims: readonly number[], data: IdxData): void {
  const bytes = encodeIdx(dims, data)
  writeFileSync(file, file.endsWith('.gz') ? gzipSync(bytes) : bytes)
}
