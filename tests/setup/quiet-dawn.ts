/**
 * vitest globalSetup, in the main vitest process. Test files run in child
 * processes (pool 'forks') whose stderr is a socket that vitest copies into its
 * own stderr; shapewise cannot take Dawn's start-up lines off a socket from
 * inside the child (src/runtime/native-stderr.ts), so the copy is filtered
 * here, with the same list of known harmless lines. Everything else passes.
 */
import { filterNativeStderr } from '../../src/runtime/native-stderr.ts'

export default function setup(): () => void {
  const write = process.stderr.write.bind(process.stderr) as (chunk: unknown, ...rest: unknown[]) => boolean
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) return write(chunk, ...rest)
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    const { kept, dropped } = filterNativeStderr(text, false)
    if (dropped.length === 0) return write(chunk, ...rest)
    const callback = rest.find((r): r is () => void => typeof r === 'function')
    if (kept !== '') return callback ? write(kept, callback) : write(kept)
    if (callback) process.nextTick(callback)
    return true
  }) as typeof process.stderr.write
  return () => {
    process.stderr.write = write as typeof process.stderr.write
  }
}
