import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeIdx, IdxError, parseIdx, readIdx, writeIdx, type IdxData, type IdxErrorKind } from '../../src/data/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'shapewise-idx-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const put = (name: string, bytes: Uint8Array | number[]) => {
  const file = join(dir, name)
  writeFileSync(file, Uint8Array.from(bytes))
  return file
}

/** Runs `fn`, expects an IdxError of `kind` that names `file` and says each of `says`. */
const expectIdxError = (fn: () => unknown, kind: IdxErrorKind, file: string, ...says: (string | RegExp)[]) => {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(IdxError)
  const error = caught as IdxError
  expect(error.kind).toBe(kind)
  expect(error.file).toBe(file)
  expect(error.message).toContain(file)
  for (const s of says) expect(error.message).toMatch(s)
}

const samples: [string, number, IdxData][] = [
  ['uint8', 0x08, Uint8Array.from([0, 1, 127, 128, 254, 255])],
  ['int8', 0x09, Int8Array.from([-128, -1, 0, 1, 64, 127])],
  ['int16', 0x0b, Int16Array.from([-32768, -2, 0, 1, 258, 32767])],
  ['int32', 0x0c, Int32Array.from([-(2 ** 31), -70000, 0, 1, 16909060, 2 ** 31 - 1])],
  ['float32', 0x0d, Float32Array.from([-1.5, 0, 1, 3.4e38, 1e-40, Number.POSITIVE_INFINITY])],
  ['float64', 0x0e, Float64Array.from([-1.5, 0, Math.PI, 1e300, 5e-324, Number.NEGATIVE_INFINITY])],
]

describe('IDX round trip', () => {
  for (const [dtype, code, data] of samples)
    for (const gz of [false, true])
      it(`${dtype}${gz ? ', gzipped' : ''}`, () => {
        const file = join(dir, `${dtype}.idx${gz ? '.gz' : ''}`)
        writeIdx(file, [2, 3], data)
        const raw = readFileSync(file)
        expect(raw[0] === 0x1f && raw[1] === 0x8b).toBe(gz)
        const read = readIdx(file)
        expect(read.dims).toEqual([2, 3])
        expect(read.dtype).toBe(dtype)
        expect(read.data.constructor).toBe(data.constructor)
        expect(Array.from(read.data)).toEqual(Array.from(data))
        // The reader hands back an array that owns exactly its data, not a view of the file buffer.
        expect(read.data.buffer.byteLength).toBe(read.data.byteLength)
        const plain = gz ? gunzipSync(raw) : raw
        expect(plain[2]).toBe(code)
        expect(plain[3]).toBe(2)
      })

  it('reads big-endian bytes written by hand (independent of the encoder)', () => {
    // int16, 1 dim of 3: 1, -2, 0x0102
    const int16 = [0, 0, 0x0b, 1, 0, 0, 0, 3, 0x00, 0x01, 0xff, 0xfe, 0x01, 0x02]
    const a = readIdx(put('hand-int16.idx', int16))
    expect(a.dims).toEqual([3])
    expect(Array.from(a.data)).toEqual([1, -2, 0x0102])
    expect(Array.from(encodeIdx([3], Int16Array.from([1, -2, 0x0102])))).toEqual(int16)

    // float32 [1, 2]: 1.0 = 3f800000, -2.0 = c0000000
    const f32 = [0, 0, 0x0d, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0]
    const b = readIdx(put('hand-f32.idx', f32))
    expect(b.dims).toEqual([1, 2])
    expect(b.data).toBeInstanceOf(Float32Array)
    expect(Array.from(b.data)).toEqual([1, -2])

    // ubyte images [2, 2, 2] with a large first dim byte pattern
    const u8 = [0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]
    const c = readIdx(put('hand-u8.idx', u8))
    expect(c.dims).toEqual([2, 2, 2])
    expect(Array.from(c.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('reads dims above 2^31 as unsigned and multi-byte dims in the right order', () => {
    const bytes = [0, 0, 0x08, 2, 0, 0, 1, 0, 0, 0, 0, 0] // dims [256, 0]: no data
    expect(readIdx(put('wide.idx', bytes)).dims).toEqual([256, 0])
    const huge = [0, 0, 0x08, 1, 0x80, 0, 0, 0] // 2^31 elements promised, none present
    expectIdxError(() => readIdx(put('huge.idx', huge)), 'truncated-data', join(dir, 'huge.idx'), /2147483648 bytes, found 0/)
  })

  it('handles a 0-d file (one element) and an empty first dimension', () => {
    writeIdx(join(dir, 'scalar.idx'), [], Float64Array.from([2.5]))
    expect(readIdx(join(dir, 'scalar.idx'))).toEqual({ dims: [], dtype: 'float64', data: Float64Array.from([2.5]) })
    writeIdx(join(dir, 'empty.idx.gz'), [0, 28, 28], new Uint8Array(0))
    const e = readIdx(join(dir, 'empty.idx.gz'))
    expect(e.dims).toEqual([0, 28, 28])
    expect(e.data.length).toBe(0)
  })

  it('gunzips by content too, when a gzipped file lacks the .gz name', () => {
    const file = put('sneaky.idx', gzipSync(encodeIdx([4], Int32Array.from([1, 2, 3, -4]))))
    expect(Array.from(readIdx(file).data)).toEqual([1, 2, 3, -4])
  })

  it('parses bytes from memory, labelling errors with the given name', () => {
    expect(Array.from(parseIdx(encodeIdx([2], Uint8Array.from([9, 8]))).data)).toEqual([9, 8])
    expectIdxError(() => parseIdx(Uint8Array.from([1, 2, 3, 4]), 'blob'), 'bad-magic', 'blob')
  })

  it('refuses to encode data that does not fit the dims', () => {
    expect(() => encodeIdx([2, 2], new Uint8Array(3))).toThrow(/hold 4 elements, data has 3/)
    expect(() => encodeIdx([-1], new Uint8Array(0))).toThrow(/invalid dimension/)
  })
})

describe('IDX errors name the file and what is wrong', () => {
  const good = encodeIdx([2, 3], Int16Array.from([1, 2, 3, 4, 5, 6])) // 8 + 8 header, 12 data bytes

  for (const gz of [false, true]) {
    const name = (base: string) => `${base}.idx${gz ? '.gz' : ''}`
    const write = (base: string, bytes: Uint8Array) => put(name(base), gz ? gzipSync(bytes) : bytes)
    const label = gz ? ' (inside gzip)' : ''

    it(`truncated header${label}`, () => {
      const f = write('trunc-header', good.subarray(0, 10)) // magic says 2 dims (8 bytes of dims), only 6 follow
      expectIdxError(() => readIdx(f), 'truncated-header', f, /2 dimensions need a 12-byte header, the file has 10 bytes/)
      const tiny = write('tiny', Uint8Array.from([0, 0, 8]))
      expectIdxError(() => readIdx(tiny), 'truncated-header', tiny, /3 bytes, the magic number alone needs 4/)
      const empty = write('empty', new Uint8Array(0))
      expectIdxError(() => readIdx(empty), 'truncated-header', empty, /0 bytes/)
    })

    it(`truncated data${label}`, () => {
      const f = write('trunc-data', good.subarray(0, good.length - 2))
      expectIdxError(() => readIdx(f), 'truncated-data', f, 'dims [2, 3] of int16 need 12 bytes, found 10')
    })

    it(`bad magic${label}`, () => {
      const f = write('magic', new TextEncoder().encode('hello, not idx'))
      expectIdxError(() => readIdx(f), 'bad-magic', f, /bad magic number: starts with 0x68 0x65 0x6c 0x6c/)
    })

    it(`unsupported element type${label}`, () => {
      const bytes = good.slice()
      bytes[2] = 0x0a
      const f = write('dtype', bytes)
      expectIdxError(() => readIdx(f), 'unsupported-dtype', f, /unsupported element type 0x0a/, /0x08 uint8/)
    })

    it(`trailing bytes${label}`, () => {
      const bytes = new Uint8Array(good.length + 3)
      bytes.set(good)
      const f = write('trailing', bytes)
      expectIdxError(() => readIdx(f), 'trailing-bytes', f, '3 trailing bytes after the 12 data bytes that dims [2, 3] of int16 describe')
    })
  }

  it('corrupt gzip: cut short, bit-flipped, or not gzip at all under a .gz name', () => {
    const zipped = gzipSync(encodeIdx([100], new Uint8Array(100).fill(7)))
    const cut = put('cut.idx.gz', zipped.subarray(0, zipped.length - 10))
    expectIdxError(() => readIdx(cut), 'bad-gzip', cut, /corrupt gzip stream/)
    const flipped = Uint8Array.from(zipped)
    flipped[flipped.length - 6] ^= 0xff // inside the CRC32 / length trailer
    const f = put('flipped.idx.gz', flipped)
    expectIdxError(() => readIdx(f), 'bad-gzip', f, /corrupt gzip stream/)
    const notGzip = put('plain-named.idx.gz', encodeIdx([1], Uint8Array.from([1])))
    expectIdxError(() => readIdx(notGzip), 'bad-gzip', notGzip, /corrupt gzip stream/)
  })

  it('a missing file names the path', () => {
    const missing = join(dir, 'nope.idx')
    expect(() => readIdx(missing)).toThrow(missing)
  })
})
