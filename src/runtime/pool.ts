// Reuse of GPU buffers and textures between materialisations.
//
// Why: creating a buffer in Dawn costs a driver allocation plus a zero-fill,
// and a training step makes the same set of temporaries every time. Buffers
// are bucketed by size class so that a request for 1000 bytes can reuse a
// 1024-byte buffer released by another op, and the waste stays bounded.
//
// A pooled buffer is NOT zeroed when reused: kernels must write everything
// they later read (the executor can clear a buffer on request).

/** Smallest buffer handed out; also keeps sizes a multiple of 4 (copy rule). */
export const MIN_BUFFER_BYTES = 256

/**
 * The size a request is rounded up to: four classes per power of two
 * (256, 320, 384, 448, 512, 640, …), so at most 25% of a buffer is slack.
 */
export function sizeClass(bytes: number): number {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`buffer size must be a non-negative number, got ${bytes}`)
  if (bytes <= MIN_BUFFER_BYTES) return MIN_BUFFER_BYTES
  // Largest power of two strictly below `bytes`, then quarter steps above it.
  const pow = 2 ** Math.floor(Math.log2(bytes - 1))
  const step = pow / 4
  return Math.ceil(bytes / step) * step
}

export interface PoolStats {
  /** Bytes held in free lists, ready for reuse. */
  readonly freeBytes: number
  readonly freeCount: number
  /** Bytes handed out and not yet released. */
  readonly inUseBytes: number
  readonly inUseCount: number
  /** Buffers created since the pool started. */
  readonly created: number
  /** Acquisitions served from a free list. */
  readonly reused: number
  /** The most free bytes kept: a release beyond it returns the oldest free resources to the device. */
  readonly maxFreeBytes: number
}

/**
 * How many free bytes each pool keeps by default. Enough for the temporaries
 * of a training step to be reused from one step to the next (a CIFAR
 * ResNet-18 step at batch 32 takes 326 MiB of buffers and 171 MiB of texture
 * operands; with the 256 and 128 MiB kept before, each step recreated ten
 * buffers and six textures, whose first use the device clears, and took
 * 2.55–2.97 s instead of 2.40–2.49); beyond it, what
 * one unusually large computation (or a failed one) left behind goes back to
 * the device instead of staying pooled for the life of the process.
 */
export const DEFAULT_POOL_CACHE_BYTES = { storage: 512 * 2 ** 20, staging: 64 * 2 ** 20, textures: 256 * 2 ** 20 } as const

export interface BufferPoolOptions {
  readonly label?: string
  /** Device limit; a request above it throws instead of failing inside Dawn. */
  readonly maxBufferSize?: number
  /** Free bytes kept; a release beyond this destroys the oldest free buffers. Default: DEFAULT_POOL_CACHE_BYTES.storage. */
  readonly maxFreeBytes?: number
}

/**
 * Resources bound to a plan that is still running, with the number of such
 * plans. A release of one of them (its tensor disposed, or collected, while a
 * read that depends on it is in flight) must not hand it to the next acquire:
 * that would let the same plan bind it again as a temporary and overwrite the
 * value it is about to read. The release happens when the last plan ends.
 */
const planUses = new Map<object, number>()
/** Releases asked for while a plan used the resource, run when the last one ends. */
const deferredReleases = new Map<object, () => void>()

/**
 * Marks `resources` as bound to a plan, from now until the returned function
 * is called (once the plan has been submitted and its reads are done).
 * Call it synchronously with the lookups that chose the resources: a release
 * between the two would already have recycled them.
 */
export function holdForPlan(resources: Iterable<object>): () => void {
  const held = [...resources]
  for (const r of held) planUses.set(r, (planUses.get(r) ?? 0) + 1)
  let done = false
  return () => {
    if (done) return
    done = true
    for (const r of held) {
      const left = planUses.get(r)! - 1
      if (left > 0) {
        planUses.set(r, left)
        continue
      }
      planUses.delete(r)
      const release = deferredReleases.get(r)
      deferredReleases.delete(r)
      release?.()
    }
  }
}

/**
 * Free lists and accounting shared by the buffer and texture pools: resources
 * handed out are tracked, released ones wait in a list per key for reuse.
 */
interface FreeEntry<R, K> {
  readonly resource: R
  readonly bytes: number
  readonly key: K
}

class ResourcePool<R extends { destroy(): void }, K> {
  private readonly free = new Map<K, FreeEntry<R, K>[]>()
  /** Every free entry, oldest release first: the order in which a full pool gives them back. */
  private readonly released = new Set<FreeEntry<R, K>>()
  private readonly inUse = new Map<R, number>()
  private freeBytes = 0
  private freeCount = 0
  private inUseBytes = 0
  private created = 0
  private reused = 0

  constructor(
    private readonly label: string,
    private readonly maxFreeBytes: number,
  ) {}

  /** A free resource of `key`, or a new one from `create`. */
  take(key: K, bytes: number, create: () => R): R {
    const entry = this.free.get(key)?.pop()
    let resource: R
    if (entry) {
      this.released.delete(entry)
      resource = entry.resource
      this.freeBytes -= entry.bytes
      this.freeCount--
      this.reused++
    } else {
      resource = create()
      this.created++
    }
    this.inUse.set(resource, bytes)
    this.inUseBytes += bytes
    return resource
  }

  /** Returns a resource from take() to the free list of `key` (or destroys it past maxFreeBytes). */
  put(resource: R, key: K): void {
    if (this.deferWhileHeld(resource, 'release', () => this.put(resource, key))) return
    const bytes = this.checkOut(resource, 'release')
    if (bytes > this.maxFreeBytes) return resource.destroy()
    for (const oldest of this.released) {
      if (this.freeBytes + bytes <= this.maxFreeBytes) break
      this.drop(oldest)
    }
    let list = this.free.get(key)
    if (!list) this.free.set(key, (list = []))
    const entry = { resource, bytes, key }
    list.push(entry)
    this.released.add(entry)
    this.freeBytes += bytes
    this.freeCount++
  }

  /** Destroys a free entry (the device may still be running earlier work on it: WebGPU defers the destroy). */
  private drop(entry: FreeEntry<R, K>): void {
    const list = this.free.get(entry.key)!
    list.splice(list.indexOf(entry), 1)
    if (list.length === 0) this.free.delete(entry.key)
    this.released.delete(entry)
    entry.resource.destroy()
    this.freeBytes -= entry.bytes
    this.freeCount--
  }

  /** Destroys a resource from take() instead of pooling it. */
  discard(resource: R): void {
    if (this.deferWhileHeld(resource, 'discard', () => this.discard(resource))) return
    this.checkOut(resource, 'discard')
    resource.destroy()
  }

  owns(resource: R): boolean {
    return this.inUse.has(resource)
  }

  /** Destroys free resources, largest first, until at most `keepBytes` stay pooled; returns bytes freed. */
  trim(keepBytes = 0): number {
    const before = this.freeBytes
    const largestFirst = [...this.released].sort((a, b) => b.bytes - a.bytes)
    for (const entry of largestFirst) {
      if (this.freeBytes <= keepBytes) break
      this.drop(entry)
    }
    return before - this.freeBytes
  }

  stats(): PoolStats {
    return {
      freeBytes: this.freeBytes,
      freeCount: this.freeCount,
      inUseBytes: this.inUseBytes,
      inUseCount: this.inUse.size,
      created: this.created,
      reused: this.reused,
      maxFreeBytes: this.maxFreeBytes,
    }
  }

  /** Destroys everything, in use or not (device teardown). */
  destroyAll(): void {
    this.trim(0)
    for (const resource of this.inUse.keys()) resource.destroy()
    this.inUse.clear()
    this.inUseBytes = 0
  }

  /** True when a running plan holds `resource`: `release` then runs when it ends (see holdForPlan). */
  private deferWhileHeld(resource: R, what: string, release: () => void): boolean {
    if (!planUses.has(resource)) return false
    if (!this.inUse.has(resource) || deferredReleases.has(resource)) throw new Error(`${this.label}: ${what} of a resource that is not in use (double release?)`)
    // Device teardown (destroyAll) may have taken it back in the meantime.
    deferredReleases.set(resource, () => this.inUse.has(resource) && release())
    return true
  }

  private checkOut(resource: R, what: string): number {
    const bytes = this.inUse.get(resource)
    if (bytes === undefined) throw new Error(`${this.label}: ${what} of a resource that is not in use (double release?)`)
    this.inUse.delete(resource)
    this.inUseBytes -= bytes
    return bytes
  }
}

/** Buffers of one usage, bucketed by sizeClass(). */
export class BufferPool {
  readonly usage: number
  private readonly pool: ResourcePool<GPUBuffer, number>

  constructor(
    private readonly device: GPUDevice,
    usage: number,
    private readonly opts: BufferPoolOptions = {},
  ) {
    this.usage = usage
    this.pool = new ResourcePool(opts.label ?? 'buffer pool', opts.maxFreeBytes ?? DEFAULT_POOL_CACHE_BYTES.storage)
  }

  /** A buffer of at least `bytes` bytes (its `size` is the size class). */
  acquire(bytes: number): GPUBuffer {
    const max = this.opts.maxBufferSize ?? Infinity
    if (bytes > max) {
      throw new RangeError(`${this.opts.label ?? 'buffer pool'}: ${bytes} bytes exceeds this device's maxBufferSize (${max}); split the tensor`)
    }
    let size = sizeClass(bytes)
    // Rounding must not push a legal request past the limit.
    if (size > max) size = Math.ceil(bytes / 4) * 4
    return this.pool.take(size, size, () => this.device.createBuffer({ size, usage: this.usage, label: this.opts.label }))
  }

  /** Returns a buffer from acquire(). Safe to call right after queue.submit():
   *  a later submit that reuses it is ordered after the earlier one. */
  release(buf: GPUBuffer): void {
    this.pool.put(buf, buf.size)
  }

  /** Like release(), but destroys the buffer instead of pooling it (e.g. a
   *  staging buffer whose mapping failed and may still be pending). */
  discard(buf: GPUBuffer): void {
    this.pool.discard(buf)
  }

  /** True when `buf` was acquired here and not released. */
  owns(buf: GPUBuffer): boolean {
    return this.pool.owns(buf)
  }

  /** Destroys free buffers until at most `keepBytes` stay pooled; returns bytes freed. */
  trim(keepBytes = 0): number {
    return this.pool.trim(keepBytes)
  }

  stats(): PoolStats {
    return this.pool.stats()
  }

  /** Destroys everything, in use or not (device teardown). */
  destroyAll(): void {
    this.pool.destroyAll()
  }
}

/** Format of every texture operand: four f32 per texel. */
export const TEXTURE_FORMAT = 'rgba32float' as const
const TEXEL_BYTES = 16

/**
 * rgba32float 2D textures, reused only at their exact size: kernels bake the
 * operand's dimensions in, so a bigger texture would buy nothing.
 */
export class TexturePool {
  private readonly pool: ResourcePool<GPUTexture, string>

  constructor(
    private readonly device: GPUDevice,
    maxFreeBytes: number = DEFAULT_POOL_CACHE_BYTES.textures,
  ) {
    this.pool = new ResourcePool<GPUTexture, string>('texture pool', maxFreeBytes)
  }

  acquire(width: number, height: number): GPUTexture {
    return this.pool.take(`${width}x${height}`, width * height * TEXEL_BYTES, () =>
      // STORAGE_BINDING for read-only storage-texture loads (the fast path on
      // llvmpipe) and pack kernels; COPY_DST for buffer→texture copies;
      // TEXTURE_BINDING so a kernel may also read it as texture_2d.
      this.device.createTexture({
        size: { width, height },
        format: TEXTURE_FORMAT,
        usage: 0x1 | 0x2 | 0x4 | 0x8, // COPY_SRC | COPY_DST | TEXTURE_BINDING | STORAGE_BINDING
        label: 'shapewise.texture',
      }),
    )
  }

  release(t: GPUTexture): void {
    this.pool.put(t, `${t.width}x${t.height}`)
  }

  owns(t: GPUTexture): boolean {
    return this.pool.owns(t)
  }

  trim(): number {
    return this.pool.trim(0)
  }

  stats(): PoolStats {
    return this.pool.stats()
  }

  destroyAll(): void {
    this.pool.destroyAll()
  }
}
