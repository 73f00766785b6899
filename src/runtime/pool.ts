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
}

export interface BufferPoolOptions {
  readonly label?: string
  /** Device limit; a request above it throws instead of failing inside Dawn. */
  readonly maxBufferSize?: number
  /** Free bytes kept; a release beyond this destroys the buffer. Default: no cap. */
  readonly maxFreeBytes?: number
}

/** Buffers of one usage, bucketed by sizeClass(). */
export class BufferPool {
  readonly usage: number
  private readonly device: GPUDevice
  private readonly opts: BufferPoolOptions
  private readonly free = new Map<number, GPUBuffer[]>()
  private readonly inUse = new Set<GPUBuffer>()
  private freeBytes = 0
  private freeCount = 0
  private inUseBytes = 0
  private created = 0
  private reused = 0

  constructor(device: GPUDevice, usage: number, opts: BufferPoolOptions = {}) {
    this.device = device
    this.usage = usage
    this.opts = opts
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
    const list = this.free.get(size)
    let buf = list?.pop()
    if (buf) {
      this.freeBytes -= size
      this.freeCount--
      this.reused++
    } else {
      buf = this.device.createBuffer({ size, usage: this.usage, label: this.opts.label })
      this.created++
    }
    this.inUse.add(buf)
    this.inUseBytes += size
    return buf
  }

  /** Returns a buffer from acquire(). Safe to call right after queue.submit():
   *  a later submit that reuses it is ordered after the earlier one. */
  release(buf: GPUBuffer): void {
    if (!this.inUse.delete(buf)) throw new Error(`${this.opts.label ?? 'buffer pool'}: release of a buffer that is not in use (double release?)`)
    const size = buf.size
    this.inUseBytes -= size
    if (this.freeBytes + size > (this.opts.maxFreeBytes ?? Infinity)) {
      buf.destroy()
      return
    }
    let list = this.free.get(size)
    if (!list) this.free.set(size, (list = []))
    list.push(buf)
    this.freeBytes += size
    this.freeCount++
  }

  /** Like release(), but destroys the buffer instead of pooling it (e.g. a
   *  staging buffer whose mapping failed and may still be pending). */
  discard(buf: GPUBuffer): void {
    if (!this.inUse.delete(buf)) throw new Error(`${this.opts.label ?? 'buffer pool'}: discard of a buffer that is not in use`)
    this.inUseBytes -= buf.size
    buf.destroy()
  }

  /** True when `buf` was acquired here and not released. */
  owns(buf: GPUBuffer): boolean {
    return this.inUse.has(buf)
  }

  /** Destroys free buffers until at most `keepBytes` stay pooled; returns bytes freed. */
  trim(keepBytes = 0): number {
    let freed = 0
    // Largest classes first: they are the ones worth giving back.
    const sizes = [...this.free.keys()].sort((a, b) => b - a)
    for (const size of sizes) {
      const list = this.free.get(size)!
      while (list.length > 0 && this.freeBytes > keepBytes) {
        list.pop()!.destroy()
        this.freeBytes -= size
        this.freeCount--
        freed += size
      }
      if (list.length === 0) this.free.delete(size)
    }
    return freed
  }

  stats(): PoolStats {
    return {
      freeBytes: this.freeBytes,
      freeCount: this.freeCount,
      inUseBytes: this.inUseBytes,
      inUseCount: this.inUse.size,
      created: this.created,
      reused: this.reused,
    }
  }

  /** Destroys everything, in use or not (device teardown). */
  destroyAll(): void {
    this.trim(0)
    for (const b of this.inUse) b.destroy()
    this.inUse.clear()
    this.inUseBytes = 0
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
  private readonly device: GPUDevice
  private readonly free = new Map<string, GPUTexture[]>()
  private readonly inUse = new Set<GPUTexture>()
  private freeBytes = 0
  private freeCount = 0
  private inUseBytes = 0
  private created = 0
  private reused = 0

  constructor(device: GPUDevice) {
    this.device = device
  }

  acquire(width: number, height: number): GPUTexture {
    const key = `${width}x${height}`
    const tex = this.free.get(key)?.pop()
    const bytes = width * height * TEXEL_BYTES
    let t: GPUTexture
    if (tex) {
      t = tex
      this.freeBytes -= bytes
      this.freeCount--
      this.reused++
    } else {
      // STORAGE_BINDING for read-only storage-texture loads (the fast path on
      // llvmpipe) and pack kernels; COPY_DST for buffer→texture copies;
      // TEXTURE_BINDING so a kernel may also read it as texture_2d.
      t = this.device.createTexture({
        size: { width, height },
        format: TEXTURE_FORMAT,
        usage: 0x1 | 0x2 | 0x4 | 0x8, // COPY_SRC | COPY_DST | TEXTURE_BINDING | STORAGE_BINDING
        label: 'shapewise.texture',
      })
      this.created++
    }
    this.inUse.add(t)
    this.inUseBytes += bytes
    return t
  }

  release(t: GPUTexture): void {
    if (!this.inUse.delete(t)) throw new Error('texture pool: release of a texture that is not in use (double release?)')
    const bytes = t.width * t.height * TEXEL_BYTES
    this.inUseBytes -= bytes
    const key = `${t.width}x${t.height}`
    let list = this.free.get(key)
    if (!list) this.free.set(key, (list = []))
    list.push(t)
    this.freeBytes += bytes
    this.freeCount++
  }

  trim(): number {
    const freed = this.freeBytes
    for (const list of this.free.values()) for (const t of list) t.destroy()
    this.free.clear()
    this.freeBytes = 0
    this.freeCount = 0
    return freed
  }

  stats(): PoolStats {
    return {
      freeBytes: this.freeBytes,
      freeCount: this.freeCount,
      inUseBytes: this.inUseBytes,
      inUseCount: this.inUse.size,
      created: this.created,
      reused: this.reused,
    }
  }

  destroyAll(): void {
    this.trim()
    for (const t of this.inUse) t.destroy()
    this.inUse.clear()
    this.inUseBytes = 0
  }
}
