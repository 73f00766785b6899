/**
 * Checkpoints: parameters, optimizer state, step and metadata in one
 * folder per save, so that training resumed from step k continues exactly
 * as the uninterrupted run (float32 values are stored bit for bit).
 *
 * Layout: `<dir>/ckpt-<sequence>-step-<step>/` holds `params.safetensors`,
 * `optimizer.safetensors` and `checkpoint.json` (step, metadata and the
 * trees' structure). A save writes everything into a hidden temporary folder,
 * flushes it to disk and renames it into place; a rename is atomic, so every
 * `ckpt-*` folder is complete, and a process killed at any moment of a save
 * leaves the previous checkpoint or the new one. The latest checkpoint is the
 * one with the highest sequence number. Old checkpoints are removed (when
 * `keep` asks) only after the new one is in place, by renaming them out of
 * the way first, so a half-deleted folder is never mistaken for a checkpoint.
 */
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { isTensor, type Tree } from '../tree.ts'
import type { DType } from '../graph.ts'
import type { Tensor } from '../tensor.ts'
import { syncDirectory, temporaryOwner, temporarySibling, writeFileDurable } from './atomic.ts'
import { CheckpointError } from './errors.ts'
import { snakeCase } from './names.ts'
import { decodeSafetensors, encodeSafetensors, fromSafetensorsBytes, hostEntries } from './safetensors.ts'

/** What a checkpoint holds. `metadata` is any JSON value (epoch, data order, learning-rate schedule, …). */
export interface Checkpoint<P = Tree, S = unknown> {
  readonly params: P
  readonly optimizerState?: S
  readonly step: number
  readonly metadata?: Readonly<Record<string, unknown>>
}
export interface SaveCheckpointOptions {
  /** Keep only the newest `keep` checkpoints in the folder (default: keep all). */
  readonly keep?: number
}
export interface LoadCheckpointOptions<P, S> {
  /** Trees of the model's own types: tensors are checked against their shapes and dtypes and the result has their types. */
  readonly like?: { readonly params: P; readonly optimizerState?: S }
  /** Load the newest checkpoint of this step instead of the newest of all. */
  readonly step?: number
}
/** One complete checkpoint in a folder. */
export interface CheckpointEntry {
  readonly path: string
  readonly sequence: number
  readonly step: number
}

const FOLDER = /^ckpt-(\d+)-step-(\d+)$/
const FORMAT = 'shapewise-checkpoint'

/** A tree's structure as JSON: tensors are `{ "tensor": "<PyTorch name>" }`, nulls and arrays kept. */
type Skeleton = null | { readonly tensor: string } | { readonly fields: { readonly [key: string]: Skeleton } } | readonly Skeleton[]
const skeletonOf = (tree: unknown, name = ''): Skeleton => {
  if (tree === null || tree === undefined) return null
  if (isTensor(tree)) return { tensor: name }
  const at = (key: string) => (name ? `${name}.${snakeCase(key)}` : snakeCase(key))
  if (Array.isArray(tree)) return tree.map((v, i) => skeletonOf(v, at(String(i))))
  return { fields: Object.fromEntries(Object.entries(tree as object).map(([k, v]) => [k, skeletonOf(v, at(k))])) }
}
const fromSkeleton = (skeleton: Skeleton, tensors: Record<string, Tensor<number[], DType>>): unknown => {
  if (skeleton === null) return null
  if (Array.isArray(skeleton)) return skeleton.map((s) => fromSkeleton(s, tensors))
  const node = skeleton as { tensor?: string; fields?: Record<string, Skeleton> }
  if (node.tensor !== undefined) return tensors[node.tensor]
  return Object.fromEntries(Object.entries(node.fields ?? {}).map(([k, v]) => [k, fromSkeleton(v, tensors)]))
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The complete checkpoints in `dir`, oldest first.
 *
 * @example
 * import { zeros } from 'shapewise'
 * import { listCheckpoints, saveCheckpoint } from 'shapewise/io'
 * const params = { w: zeros([2]) }
 * for (const step of [100, 200, 300, 400, 500]) await saveCheckpoint('runs/tiny', { params, optimizerState: null, step }, { keep: 3 })
 * const steps = (await listCheckpoints('runs/tiny')).map((c) => c.step) // → [300, 400, 500]
 */
export const listCheckpoints = async (dir: string): Promise<CheckpointEntry[]> => {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[]
    throw error
  })
  return names
    .map((name) => FOLDER.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: join(dir, m[0]), sequence: Number(m[1]), step: Number(m[2]) }))
    .sort((a, b) => a.sequence - b.sequence)
}

/**
 * Removes what killed saves left behind: temporary folders (new checkpoints
 * being written, old ones being removed) of processes that are gone. Those of
 * running processes, this one included, may belong to a save in progress.
 */
const sweep = async (dir: string) => {
  for (const name of await readdir(dir)) {
    const owner = temporaryOwner(name)
    if (owner !== undefined && !isRunning(owner)) await rm(join(dir, name), { recursive: true, force: true })
  }
}

/** Renames a complete temporary folder to the next free `ckpt-<sequence>-step-<step>` name; concurrent saves each get their own. */
const publish = async (dir: string, temporary: string, step: number): Promise<string> => {
  for (let attempt = 0; ; attempt++) {
    const sequence = ((await listCheckpoints(dir)).at(-1)?.sequence ?? 0) + 1
    const final = join(dir, `ckpt-${String(sequence).padStart(6, '0')}-step-${step}`)
    try {
      await rename(temporary, final)
      return final
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= 20) throw error
    }
  }
}

/**
 * Saves a checkpoint atomically into a new folder under `dir` and returns
 * its path. With `keep: n`, only the newest n checkpoints remain.
 *
 * @example
 * import { tensor } from 'shapewise'
 * import { saveCheckpoint, loadCheckpoint } from 'shapewise/io'
 * import { adam } from 'shapewise/optim'
 * const params = { w: tensor([1, 2]) }
 * const optimizer = adam({ lr: 1e-3 })
 * const optimizerState = optimizer.init(params)
 * await saveCheckpoint('runs/tiny', { params, optimizerState, step: 100, metadata: { epoch: 2 } }, { keep: 3 })
 * const resumed = await loadCheckpoint('runs/tiny', { like: { params, optimizerState } })
 * resumed.step // → 100
 * await resumed.params.w.data() // → [1, 2]
 */
export const saveCheckpoint = async <P extends Tree, S>(dir: string, checkpoint: Checkpoint<P, S>, options: SaveCheckpointOptions = {}): Promise<string> => {
  const { params, optimizerState, step, metadata = {} } = checkpoint
  if (!Number.isSafeInteger(step) || step < 0) throw new CheckpointError(dir, `step must be a non-negative integer, got ${step}`)
  if (options.keep !== undefined && !(Number.isInteger(options.keep) && options.keep >= 1))
    throw new CheckpointError(dir, `keep must be a positive integer, got ${options.keep}`)
  const metadataJson = JSON.stringify(metadata)
  if (metadataJson === undefined || typeof metadata !== 'object') throw new CheckpointError(dir, 'metadata must be a JSON object')
  // Everything is read from the device before anything touches the disk.
  const paramEntries = await hostEntries(params, 'saveCheckpoint params')
  const stateEntries = optimizerState === undefined ? undefined : await hostEntries(optimizerState, 'saveCheckpoint optimizerState')
  await mkdir(dir, { recursive: true })
  await sweep(dir)
  const temporary = temporarySibling(join(dir, `step-${step}`))
  await mkdir(temporary)
  let final: string
  try {
    await writeFileDurable(join(temporary, 'params.safetensors'), encodeSafetensors(paramEntries))
    if (stateEntries) await writeFileDurable(join(temporary, 'optimizer.safetensors'), encodeSafetensors(stateEntries))
    const manifest = {
      format: FORMAT, version: 1, step, metadata: JSON.parse(metadataJson),
      params: skeletonOf(params), optimizerState: optimizerState === undefined ? undefined : skeletonOf(optimizerState),
    }
    await writeFileDurable(join(temporary, 'checkpoint.json'), [new TextEncoder().encode(JSON.stringify(manifest, null, 1))])
    await syncDirectory(temporary)
    final = await publish(dir, temporary, step)
  } catch (error) {
    await rm(temporary, { recursive: true, force: true })
    throw error
  }
  await syncDirectory(dir)
  if (options.keep !== undefined) {
    const all = await listCheckpoints(dir)
    for (const old of all.slice(0, Math.max(all.length - options.keep, 0))) {
      const doomed = temporarySibling(old.path)
      await rename(old.path, doomed)
      await rm(doomed, { recursive: true, force: true })
    }
    await syncDirectory(dir)
  }
  return final
}

/**
 * Loads the newest complete checkpoint in `dir` (or the newest of `step`).
 * With `like`, tensors are checked against the templates and the result has
 * their types; without it, the trees are rebuilt from the checkpoint's own
 * record of their structure.
 *
 * @example
 * import { tensor, zeros } from 'shapewise'
 * import { saveCheckpoint, loadCheckpoint } from 'shapewise/io'
 * await saveCheckpoint('runs/tiny', { params: { w: tensor([3, 4]) }, optimizerState: null, step: 7, metadata: { note: 'demo' } })
 * // The template gives the structure and shapes (a fresh model's parameters, say).
 * const { params, step, metadata } = await loadCheckpoint('runs/tiny', { like: { params: { w: zeros([2]) }, optimizerState: null } })
 * await params.w.data() // → [3, 4]
 * metadata // → { note: 'demo' }
 */
export const loadCheckpoint = async <P = Tree, S = unknown>(
  dir: string,
  options: LoadCheckpointOptions<P, S> = {},
): Promise<Checkpoint<P, S> & { readonly path: string }> => {
  const all = await listCheckpoints(dir)
  const candidates = options.step === undefined ? all : all.filter((c) => c.step === options.step)
  const chosen = candidates.at(-1)
  if (!chosen) {
    const exists = await stat(dir).then(() => true, () => false)
    throw new CheckpointError(dir, !exists ? 'no such folder' : options.step === undefined ? 'no checkpoint in this folder' : `no checkpoint of step ${options.step} (steps here: ${all.map((c) => c.step).join(', ') || 'none'})`)
  }
  const manifest = JSON.parse(await readFile(join(chosen.path, 'checkpoint.json'), 'utf8')) as {
    format: string; step: number; metadata: Record<string, unknown>; params: Skeleton; optimizerState?: Skeleton
  }
  if (manifest.format !== FORMAT) throw new CheckpointError(chosen.path, `checkpoint.json is not a ${FORMAT} manifest`)
  const read = async (file: string, template: unknown, skeleton: Skeleton) => {
    const path = join(chosen.path, file)
    const bytes = await readFile(path)
    if (template !== undefined) return fromSafetensorsBytes(bytes, path, { like: template })
    return fromSkeleton(skeleton, decodeSafetensors(bytes, path).tensors)
  }
  const params = (await read('params.safetensors', options.like?.params, manifest.params)) as P
  const hasState = manifest.optimizerState !== undefined
  if (options.like?.optimizerState !== undefined && !hasState)
    throw new CheckpointError(chosen.path, 'the template has an optimizer state but the checkpoint saved none')
  const optimizerState = hasState ? ((await read('optimizer.safetensors', options.like?.optimizerState, manifest.optimizerState!)) as S) : undefined
  return { path: chosen.path, params, optimizerState, step: manifest.step, metadata: manifest.metadata }
}

