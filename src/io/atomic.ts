/**
 * Atomic file writes: data goes to a temporary file in the same directory,
 * is flushed to disk, and then renamed over the target. A rename within one
 * file system is atomic, so a reader (or a process killed mid-write) sees
 * the old file or the new one, never a mix.
 */
import { open, rename, unlink } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'

/** A name for a temporary sibling of `path`, unique to this process and call; it starts with '.tmp-'. */
export const temporarySibling = (path: string): string =>
  join(dirname(path), `.tmp-${process.pid}-${randomBytes(4).toString('hex')}-${basename(path)}`)

/** The process id in a temporary name made by temporarySibling, if it is one. */
export const temporaryOwner = (name: string): number | undefined => {
  const match = /^\.tmp-(\d+)-/.exec(name)
  return match ? Number(match[1]) : undefined
}

/** Flushes a directory's entries (a rename into it, say) to disk. */
export const syncDirectory = async (dir: string): Promise<void> => {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Writes `chunks` to a new file at `path` and flushes it to disk; fails if `path` exists. */
export const writeFileDurable = async (path: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> => {
  const handle = await open(path, 'wx')
  try {
    for await (const chunk of chunks) await handle.write(chunk)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Writes `chunks` to `path` atomically: afterwards `path` holds all of them, or what it held before. */
export const writeFileAtomic = async (path: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> => {
  const temporary = temporarySibling(path)
  try {
    await writeFileDurable(temporary, chunks)
    await rename(temporary, path)
  } catch (error) {
    await unlink(temporary).catch(() => {})
    throw error
  }
  await syncDirectory(dirname(path))
}
