// Dawn's known, harmless start-up lines, kept off the user's terminal.
//
// Dawn (inside dawn.node) writes its warnings with fprintf straight to file
// descriptor 2, below Node's `process.stderr`, so they cannot be intercepted
// in JavaScript. Every adapter request on llvmpipe prints
//
//   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 …
//
// (Dawn clamps a limit the driver reports; nothing shapewise uses), and a
// rejected Vulkan driver prints a block before Dawn falls back. While the
// adapter is requested, fd 2 is pointed at a temporary file (close fd 2, open
// the file: POSIX hands out the lowest free descriptor), then restored, and
// everything captured is written back to the real stderr, in order, except the
// lines recognised here. The window is one adapter request at start-up; on any
// doubt nothing is redirected and the lines simply print: not Linux, stdin or
// stdout closed, or a stderr that cannot be reopened through /proc/self/fd —
// a socket, which is what a Node parent's default stdio 'pipe' gives a child
// (a terminal, a file, a shell pipe or a CI log all work).

import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Lines Dawn prints that say nothing a shapewise user can act on. */
const HARMLESS: readonly RegExp[] = [
  // Dawn lowers two limits it cannot honour; shapewise binds no dynamic-offset buffers.
  /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/,
]

/** A Vulkan driver Dawn rejected (e.g. Mesa's lavapipe) before the OpenGL fallback; harmless only when the fallback worked. */
const VULKAN_REJECTION: readonly RegExp[] = [
  /^Warning: (Vulkan .* required\.?|Insufficient Vulkan limits .*)$/,
  /^ - While initializing adapter \(backend=BackendType::Vulkan\)$/,
  /^\s+at \w+ \(.*\/vulkan\/\w+\.cpp:\d+\)$/,
  /^error: XDG_RUNTIME_DIR is invalid or not set in the environment\.$/,
]

export interface FilteredStderr {
  /** Text to pass on, line structure kept. */
  readonly kept: string
  /** Recognised lines, for SHAPEWISE_LOG=debug. */
  readonly dropped: readonly string[]
}

/**
 * Splits captured stderr into the lines to keep and the known harmless ones.
 * `fellBack`: a Vulkan rejection block is dropped only when another backend
 * then provided an adapter (otherwise it explains the failure).
 */
export function filterNativeStderr(text: string, fellBack: boolean): FilteredStderr {
  const patterns = fellBack ? [...HARMLESS, ...VULKAN_REJECTION] : HARMLESS
  const kept: string[] = []
  const dropped: string[] = []
  let afterDropped = false
  const lines = text.split('\n')
  const last = lines.pop() // '' when the text ends with a newline
  for (const line of lines) {
    // Dawn ends a multi-line warning with an empty line; it goes with it.
    if (patterns.some((p) => p.test(line)) || (afterDropped && line === '')) {
      dropped.push(line)
      afterDropped = line !== ''
    } else {
      kept.push(line)
      afterDropped = false
    }
  }
  return { kept: kept.map((l) => `${l}\n`).join('') + (last ?? ''), dropped: dropped.filter((l) => l !== '') }
}

/**
 * Runs `work` with file descriptor 2 captured; afterwards writes back what
 * `decide(captured, result)` keeps. If `work` throws, everything captured is
 * written back unfiltered before the error propagates.
 */
export async function withNativeStderrCaptured<T>(work: () => Promise<T>, decide: (captured: string, result: T) => string): Promise<T> {
  const redirect = redirectStderr()
  if (!redirect) return work()
  let result: T
  try {
    result = await work()
  } catch (error) {
    const captured = redirect.restore()
    if (captured) writeSync(2, captured)
    throw error
  }
  const kept = decide(redirect.restore(), result)
  if (kept) writeSync(2, kept)
  return result
}

interface Redirect {
  /** Puts the original stderr back on fd 2 and returns what was written meanwhile. */
  restore(): string
}

function redirectStderr(): Redirect | undefined {
  if (process.platform !== 'linux') return undefined
  let dir: string | undefined
  let original: number | undefined
  try {
    // fds 0 and 1 must be taken, so the lowest free descriptor after closing 2 is 2.
    fstatSync(0)
    fstatSync(1)
    dir = mkdtempSync(join(tmpdir(), 'shapewise-stderr-'))
    const file = join(dir, 'dawn.log')
    closeSync(openSync(file, 'w'))
    // A second handle on whatever stderr is (terminal, pipe, file); fails for
    // a socket, in which case nothing is redirected.
    original = openSync('/proc/self/fd/2', 'a')
    closeSync(2)
    const fd = openSync(file, 'a')
    if (fd !== 2) {
      // Another thread opened a file in the instant descriptor 2 was free and
      // got it; stop redirecting (stderr cannot be put back on 2 then).
      closeSync(fd)
      throw new Error('descriptor 2 was taken')
    }
    const saved = original
    const folder = dir
    return {
      restore: () => {
        closeSync(2)
        const back = openSync(`/proc/self/fd/${saved}`, 'a')
        if (back !== 2) writeSync(back, 'shapewise: could not restore stderr on descriptor 2\n')
        closeSync(saved)
        const captured = readFileSync(file, 'utf8')
        rmSync(folder, { recursive: true, force: true })
        return captured
      },
    }
  } catch {
    if (original !== undefined) {
      try {
        fstatSync(2)
      } catch {
        openSync(`/proc/self/fd/${original}`, 'a') // lands on 2, the lowest free descriptor
      }
      closeSync(original)
    }
    if (dir) rmSync(dir, { recursive: true, force: true })
    return undefined
  }
}
