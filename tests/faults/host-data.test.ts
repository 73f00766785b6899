/**
 * Host data into tensors: values that are not numbers, and int32 data that is not an integer in range,
 * are named errors (they used to become NaN, or be truncated and wrapped). A typed array of the
 * dtype's own type is taken as it is, not copied, and a tensor too large for the device is refused
 * before any host copy is made.
 */
import { describe, expect, it } from 'vitest'
import { add, backendInfo, fromArray, HostDataError, tensor } from '../../src/index.ts'

const errorOf = (f: () => unknown): Error => {
  try {
    f()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected an error')
}

describe('host data coercion', () => {
  it('a value that is not a number is a HostDataError naming the op, index and value', () => {
    const cases: [() => unknown, string][] = [
      [() => fromArray([1, 'a', 3] as never, [3]), 'fromArray: float32 data must be numbers; value at index 1 is the string "a"'],
      [() => fromArray([1, 2, undefined] as never, [3]), 'fromArray: float32 data must be numbers; value at index 2 is undefined'],
      [() => fromArray([{}, 2] as never, [2]), 'fromArray: float32 data must be numbers; value at index 0 is a value of type object'],
      [() => tensor([[1, 2], [3, 'x']] as never), 'tensor: float32 data must be numbers; value at index 3 is the string "x"'],
      [() => fromArray([1, null] as never, [2], 'int32'), 'fromArray: int32 data must be numbers; value at index 1 is null'],
      [() => tensor(['1', 0] as never, 'bool'), 'tensor: bool data must be numbers or booleans; value at index 0 is the string "1"'],
    ]
    for (const [make, message] of cases) {
      const error = errorOf(make)
      expect(error).toBeInstanceOf(HostDataError)
      expect(error.name).toBe('HostDataError')
      expect(error.message).toBe(message)
    }
  })

  it('int32 data must be integers in range', () => {
    const range = '-2147483648..2147483647'
    expect(errorOf(() => fromArray([1.7, 3e10], [2], 'int32')).message).toBe(`fromArray: int32 data must be integers in ${range}; value 1.7 at index 0 is not`)
    expect(errorOf(() => fromArray([2, 3e10], [2], 'int32')).message).toBe(`fromArray: int32 data must be integers in ${range}; value 30000000000 at index 1 is not`)
    expect(errorOf(() => tensor([NaN], 'int32'))).toBeInstanceOf(HostDataError)
    expect(errorOf(() => fromArray(new Float64Array([1, 2.5]), [2], 'int32'))).toBeInstanceOf(HostDataError)
    expect(errorOf(() => fromArray(new Uint32Array([2 ** 31]), [1], 'int32'))).toBeInstanceOf(HostDataError)
  })

  it('good data still converts: the extremes of int32, NaN and Infinity in float32, booleans in bool', async () => {
    expect(Array.from(await fromArray([-(2 ** 31), 2 ** 31 - 1, -0], [3], 'int32').data())).toEqual([-(2 ** 31), 2 ** 31 - 1, 0])
    expect(Array.from(await fromArray(new Uint8Array([1, 255]), [2], 'int32').data())).toEqual([1, 255])
    expect(Array.from(await tensor([NaN, Infinity, -1.5]).data())).toEqual([NaN, Infinity, -1.5])
    expect(Array.from(await tensor([true, false, 0, 3] as never, 'bool').data())).toEqual([1, 0, 0, 1])
  })
})

describe('fromArray and typed arrays', () => {
  it('takes a Float32Array (float32) or an Int32Array (int32) as it is, without copying', async () => {
    const floats = new Float32Array([1, 2, 3, 4])
    const x = fromArray(floats, [2, 2])
    expect(x.node.data).toBe(floats)
    const ints = new Int32Array([5, 6])
    expect(fromArray(ints, [2], 'int32').node.data).toBe(ints)
    expect(Array.from(await add(x, 1).data())).toEqual([2, 3, 4, 5])
    // Another type is converted into an array of its own.
    const converted = fromArray(ints, [2])
    expect(converted.node.data).toBeInstanceOf(Float32Array)
    expect(Array.from(await converted.data())).toEqual([5, 6])
  })

  it('a tensor larger than the device allows is refused before any element is read or copied', async () => {
    const max = (await backendInfo()).limits.maxBufferSize
    const length = max / 4 + 1
    let reads = 0
    // Array-like data that counts element reads: converting it would read (and allocate) all of them.
    const huge = new Proxy({ length } as ArrayLike<number>, {
      get: (target, key) => (key === 'length' ? length : (reads++, 0)),
    })
    const error = errorOf(() => fromArray(huge, [length]))
    expect(error).toBeInstanceOf(RangeError)
    expect(error.message).toBe(`fromArray: [${length}] float32 needs ${length * 4} bytes, more than this device's maxBufferSize (${max}); split the tensor`)
    expect(reads).toBe(0)
  })
})
