/**
 * Atomic file writes: data goes to a temporary file in the same directory,
 * is flushed to disk, and then renamed over the target. A rename within one
 * file system is atomic, so a reader (or a process killed mid-write) sees
 * the old file or the new one, never a mix.
 */
import { open, rename, unlink } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'

/** A name for a temporary sibling of `path`, unique to this process and call. */
export const temporarySibling = (path: string): string =>
  join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)

/** Flushes a directory's entries (the rename itself) to disk. */
export const syncDirectory = async (dir: string): Promise<void> => {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Writes `chunks` to `path` atomically: all of them, or the previous content of `path`. */
export const writeFileAtomic = async (path: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> => {
  const temporary = temporarySibling(path)
  const handle = await open(temporary, 'wx')
  try {
    try {
      for await (const chunk of chunks) await handle.write(chunk)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, path)
  } catch (error) {
    await unlink(temporary).catch(() => {})
    throw error
  }
  await syncDirectory(dirname(path))
}
