// One WebGPU device per process, acquired lazily.
//
// Why a singleton: Dawn's node module is heavy to start (≈0.3 s for an
// adapter), pipelines and pooled buffers belong to one device, and the
// software adapter (llvmpipe) already uses every core — two devices would
// only fight over them.
//
// Why the fallback dance: on a machine with a GPU, Dawn's default backend
// (Vulkan / Metal / D3D12) finds it. On a machine without one, the same WGSL
// runs on Mesa's llvmpipe, reachable only through Dawn's OpenGL backend over
// a surfaceless EGL display, in WebGPU "compatibility" mode.

import { existsSync, readdirSync } from 'node:fs'
import { isMainThread } from 'node:worker_threads'
import { BufferPool, TexturePool, DEFAULT_POOL_CACHE_BYTES } from './pool.ts'
import { filterNativeStderr, withNativeStderrCaptured } from './native-stderr.ts'

// The published declarations of the runtime name a few WebGPU objects
// (GPUDevice, GPUBuffer…). Declared here as empty global interfaces, they merge
// with the full definitions wherever those exist (TypeScript's DOM library,
// @webgpu/types) and stay opaque handles where they do not, so a consumer's
// program type-checks whatever its `lib` and `types` settings, and without
// skipLibCheck. (Referencing @webgpu/types instead clashes with the DOM
// library's own WebGPU declarations.)
declare global {
  interface GPU {}
  interface GPUAdapter {}
  interface GPUDevice {}
  interface GPUBuffer {}
  interface GPUTexture {}
  interface GPUBindGroupLayout {}
  interface GPUComputePipeline {}
}

/** `GPUBufferUsage` flags. Dawn for Node does not install its globals, and we
 *  do not want to pollute `globalThis` from a library, so we spell them out. */
export const BufferUsage = {
  MAP_READ: 0x1,
  MAP_WRITE: 0x2,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
} as const

/** `GPUTextureUsage` flags. */
export const TextureUsage = {
  COPY_SRC: 0x1,
  COPY_DST: 0x2,
  TEXTURE_BINDING: 0x4,
  STORAGE_BINDING: 0x8,
} as const

/** `GPUMapMode` flags. */
export const MapMode = { READ: 0x1, WRITE: 0x2 } as const

export type BackendChoice = 'auto' | 'gpu' | 'llvmpipe'

/** Debian packages that provide EGL + llvmpipe for Dawn's OpenGL backend. */
export const SOFTWARE_PACKAGES = ['libegl1', 'libegl-mesa0', 'libgl1-mesa-dri', 'libgles2'] as const

/**
 * The WebGPU device was lost (a driver reset, a GPU hang, the device destroyed) while work was on it:
 * thrown by what was in flight, and by reads of values that lived only on that device (outputs of a
 * jitted step, which have no graph to recompute from). The next call acquires a new device by itself;
 * lazy and eager values recompute there from their graphs, and a training loop resumes from its last
 * checkpoint.
 *
 * @example
 * import { jit, tensor, add, resetDevice, DeviceLostError, type Tensor } from 'shapewise'
 * const y = await jit((x: Tensor<[2]>) => add(x, 1))(tensor([1, 2]))
 * resetDevice() // as a lost device would: the step's output lived only there
 * let error: unknown
 * try { await y.data() } catch (e) { error = e }
 * error instanceof DeviceLostError // → true
 * // Recover: reload the parameters (a checkpoint) and go on; the next step runs on a new device.
 */
export class DeviceLostError extends Error {
  override readonly name = 'DeviceLostError'
  readonly reason: string
  constructor(reason: string, detail: string) {
    super(`device lost: ${reason}${detail ? ` (${detail})` : ''}`)
    this.reason = reason
  }
}

/** Thrown when no adapter can be found; the message says what to install. */
export class NoAdapterError extends Error {
  override readonly name = 'NoAdapterError'
}

export interface BackendInfo {
  /** 'vulkan' | 'metal' | 'd3d12' for Dawn's default backend (inferred from the
   *  platform: Dawn does not report it), 'opengl' for the software path. */
  readonly backend: 'vulkan' | 'metal' | 'd3d12' | 'opengl' | 'unknown'
  /** What SHAPEWISE_BACKEND asked for. */
  readonly requested: BackendChoice
  readonly featureLevel: 'core' | 'compatibility'
  readonly vendor: string
  readonly architecture: string
  readonly device: string
  readonly description: string
  /** Dawn's own flag (false for llvmpipe, which Dawn treats as a real GL driver). */
  readonly isFallbackAdapter: boolean
  /** True for CPU rasterisers (llvmpipe, lavapipe, SwiftShader, softpipe) or fallback adapters. */
  readonly software: boolean
  /** Device features that were enabled. */
  readonly features: readonly string[]
  /** WGSL language features of the instance (e.g. readonly_and_readwrite_storage_textures). */
  readonly wgslFeatures: readonly string[]
  /** True when read-only `texture_storage_2d<rgba32float, read>` can be used. */
  readonly readOnlyStorageTextures: boolean
  /** Limits of the device as created (what kernels may rely on). */
  readonly limits: Readonly<Record<string, number>>
}

/** Everything bound to the one device. */
export interface Gpu {
  /** The object returned by Dawn's create(). Held for the whole life of the
   *  device: dropping it while only the device is referenced gave random
   *  segfaults in our probes of webgpu@0.6.2. */
  readonly instance: GPU
  readonly adapter: GPUAdapter
  readonly device: GPUDevice
  readonly info: BackendInfo
  /** STORAGE | COPY_SRC | COPY_DST buffers for tensors and temporaries. */
  readonly storage: BufferPool
  /** MAP_READ | COPY_DST buffers for readback. */
  readonly staging: BufferPool
  /** rgba32float textures for texture operands. */
  readonly textures: TexturePool
}

// The limits the kernels and the planner rely on, raised to what the adapter
// allows; nothing else is requested. Compatibility-mode devices default to
// tiny values (128 invocations, 16 KiB workgroup memory, 4 storage textures,
// 4096-texel textures, 256 MiB buffers) unless asked. Read by: the executor
// (buffer and binding sizes, dispatch grid, texture operands), the compiler
// (storage buffers per kernel, texture operand sizes) and the tiled kernels
// (workgroup size and memory).
const WANTED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxStorageTexturesPerShaderStage',
  'maxTextureDimension2D',
  'maxBindingsPerBindGroup',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const

// The one optional feature worth having: on an adapter that offers it, it
// lifts the compatibility-mode restrictions. No kernel needs any other.
const WANTED_FEATURES = ['core-features-and-limits'] as const

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader/i

interface State {
  readonly gpu: Gpu
  lost: DeviceLostError | undefined
}

let pending: Promise<State> | undefined
let current: State | undefined
let workerWarned = false

/** Reads SHAPEWISE_BACKEND; anything unknown is an error rather than a silent default. */
export function requestedBackend(env: Readonly<Record<string, string | undefined>> = process.env): BackendChoice {
  const raw = (env.SHAPEWISE_BACKEND ?? 'auto').trim().toLowerCase()
  if (raw === '' || raw === 'auto') return 'auto'
  if (raw === 'gpu' || raw === 'llvmpipe') return raw
  throw new Error(`SHAPEWISE_BACKEND=${env.SHAPEWISE_BACKEND}: expected 'auto', 'gpu' or 'llvmpipe'`)
}

/**
 * The shared device, created on first call. Throws NoAdapterError when neither
 * a GPU nor llvmpipe is available, DeviceLostError once the device was lost.
 */
export async function getGpu(): Promise<Gpu> {
  // A lost device is replaced by the next call: what was in flight on it failed with DeviceLostError, and
  // values held there are recomputed from their graphs on the new one (or say that they were lost).
  if (current?.lost) releaseGpu()
  if (current) return current.gpu
  pending ??= acquire().then(
    (s) => {
      current = s
      return s
    },
    (e) => {
      // Let a later call retry (e.g. after the user installed the packages).
      pending = undefined
      throw e
    },
  )
  const s = await pending
  if (s.lost) throw s.lost
  return s.gpu
}

/** The shared device if one was already acquired (and not released), without acquiring one. */
export function peekGpu(): Gpu | undefined {
  return current?.gpu
}

/**
 * Backend description and limits of the shared device (acquiring it if needed).
 *
 * @example
 * import { backendInfo } from 'shapewise'
 * const info = await backendInfo()
 * const known = ['vulkan', 'metal', 'd3d12', 'opengl', 'unknown'].includes(info.backend) // → true
 * console.log(`${info.backend}: ${info.description}`)
 */
export async function backendInfo(): Promise<BackendInfo> {
  return (await getGpu()).info
}

/** Throws the recorded DeviceLostError if the device was lost. Cheap; call before every use. */
export function assertAlive(gpu: Gpu): void {
  if (current?.gpu !== gpu) throw new DeviceLostError('destroyed', 'the shared device was released')
  if (current.lost) throw current.lost
}

/** The loss recorded for the shared device, if any. */
export function deviceLoss(): DeviceLostError | undefined {
  return current?.lost
}

let lastLoss: DeviceLostError | undefined
/** The loss of the device this one replaced, if it was lost (what values left on it died of). */
export function replacedDeviceLoss(): DeviceLostError | undefined {
  return current?.lost ?? lastLoss
}

/**
 * Lets go of the current device, lost or not, so that the next call acquires a new one. Not needed
 * after a loss (the next call replaces a lost device by itself); useful to recover from a device that
 * misbehaves without reporting a loss. Values with a graph are recomputed on the new device; outputs of
 * jitted steps are gone (reading one throws DeviceLostError), so reload parameters from a checkpoint.
 *
 * @example
 * import { resetDevice, tensor } from 'shapewise'
 * resetDevice()
 * await tensor([1, 2]).data() // → [1, 2]
 */
export function resetDevice(): void {
  releaseGpu()
}

/**
 * Destroys the shared device (buffers, pipelines) and forgets it; the next
 * getGpu() starts afresh. Also clears a recorded loss, which is how a caller
 * recovers from device loss.
 */
export function releaseGpu(): void {
  const s = current
  if (s?.lost) lastLoss = s.lost
  current = undefined
  pending = undefined
  process.off('beforeExit', onBeforeExit)
  if (!s) return
  s.gpu.storage.destroyAll()
  s.gpu.staging.destroyAll()
  s.gpu.textures.destroyAll()
  s.gpu.device.destroy()
}

// Destroy the device when the event loop drains, so `node script.ts` exits on
// its own and deterministically: earlier Dawn builds left processes hanging without
// device.destroy() (with webgpu@0.6.2 our probes exited either way, but
// nothing guarantees that of other Dawn builds or real GPU drivers). Nothing
// else in the runtime holds the loop open: no timers, and a pending
// `device.lost` promise does not count as a handle.
function onBeforeExit(): void {
  releaseGpu()
}

async function acquire(): Promise<State> {
  if (!isMainThread && !workerWarned) {
    workerWarned = true
    process.emitWarning('shapewise: Dawn has crashed inside worker threads (node-webgpu #13); run GPU work on the main thread (vitest: pool "forks").')
  }
  const choice = requestedBackend()
  // EGL reads this when the GL backend initialises. Respect a value the user
  // chose; otherwise surfaceless is the only platform that needs no display.
  const eglInherited = process.env.EGL_PLATFORM !== undefined
  if (!eglInherited) process.env.EGL_PLATFORM = 'surfaceless'
  // Imported here, not at the top: loading dawn.node is slow and must come
  // after EGL_PLATFORM is set.
  const { create } = await import('webgpu')

  const tried: string[] = []
  const gpu = choice === 'llvmpipe' ? { possible: false, why: 'SHAPEWISE_BACKEND=llvmpipe' } : gpuAdapterPossible()
  log(`adapter: SHAPEWISE_BACKEND=${choice}; ${gpu.possible ? `asking Dawn's default backend (${defaultBackendName()}) first: ${gpu.why}` : `not asking Dawn's default backend: ${gpu.why}`}`)

  type Found = { instance: GPU; adapter: GPUAdapter; backend: BackendInfo['backend']; featureLevel: BackendInfo['featureLevel'] }
  const found = await withNativeStderrCaptured(
    async (): Promise<Found | undefined> => {
      if (choice === 'gpu' || (choice === 'auto' && gpu.possible)) {
        const instance = create([])
        const adapter = await instance.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null)
        if (adapter) return { instance, adapter, backend: defaultBackendName(), featureLevel: 'core' }
        tried.push(`Dawn's default backend (${defaultBackendName()}) found no GPU adapter`)
      }
      if (choice !== 'gpu') {
        const instance = create(['backend=opengl'])
        const adapter = await instance.requestAdapter({ featureLevel: 'compatibility' }).catch(() => null)
        if (adapter) return { instance, adapter, backend: 'opengl', featureLevel: 'compatibility' }
        tried.push(`Dawn's OpenGL backend (Mesa llvmpipe) found no adapter`)
      }
      return undefined
    },
    (captured, result) => {
      const { kept, dropped } = filterNativeStderr(captured, result !== undefined)
      for (const line of dropped) log(`adapter: Dawn printed (known, harmless, not shown without SHAPEWISE_LOG=debug): ${line}`)
      return kept
    },
  )
  if (found) {
    for (const attempt of tried) log(`adapter: ${attempt}`)
    return open(found.instance, found.adapter, choice, found.backend, found.featureLevel)
  }

  if (choice === 'auto' && !gpu.possible) tried.unshift(`no GPU adapter can exist: ${gpu.why}`)
  const egl = `EGL_PLATFORM=${process.env.EGL_PLATFORM}${eglInherited ? ' (inherited from the environment)' : ' (set by shapewise)'}`
  const software = `To run on the CPU through Mesa llvmpipe, install (Debian/Ubuntu): apt-get install ${SOFTWARE_PACKAGES.join(' ')}.`
  const hint =
    choice === 'gpu'
      ? `SHAPEWISE_BACKEND=gpu was set, so the software fallback was not tried: install your GPU's Vulkan driver, or unset it (or set SHAPEWISE_BACKEND=llvmpipe). ${software}`
      : `${software} Environment: ${egl}; SHAPEWISE_BACKEND=${choice}.`
  throw new NoAdapterError(`shapewise: no WebGPU adapter. ${tried.join('; ')}. ${hint}`)
}

/**
 * Whether asking Dawn's default backend can find a GPU. Elsewhere than Linux
 * (Metal, D3D12) always ask. On Linux Dawn finds GPUs only through Vulkan,
 * and asking where no usable driver exists prints Dawn's failure (or its
 * rejection of a software driver such as Mesa's lavapipe) on every start, so
 * 'auto' goes straight to llvmpipe when:
 * - the Vulkan loader (libvulkan.so.1) is missing;
 * - no Vulkan driver (ICD manifest) is installed, or only software ones
 *   (lavapipe, SwiftShader), which Dawn rejects or would only make slower
 *   than llvmpipe through OpenGL;
 * - hardware drivers are installed (Debian's mesa-vulkan-drivers brings Intel
 *   and AMD ones) but the machine has no GPU device node for them to open.
 * VK_ICD_FILENAMES / VK_DRIVER_FILES, when set, are the user's choice: ask.
 */
export function gpuAdapterPossible(env: Readonly<Record<string, string | undefined>> = process.env): { possible: boolean; why: string } {
  if (process.platform !== 'linux') return { possible: true, why: `${process.platform} has a native GPU API` }
  const libDirs = [...(env.LD_LIBRARY_PATH ?? '').split(':'), '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/usr/local/lib']
  if (!libDirs.some((dir) => dir !== '' && existsSync(`${dir}/libvulkan.so.1`))) return { possible: false, why: 'the Vulkan loader (libvulkan.so.1) is not installed' }
  const chosen = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES
  if (chosen) return { possible: true, why: `Vulkan drivers chosen by the environment (${chosen})` }

  const manifestDirs = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d', ...(env.XDG_DATA_DIRS ?? '').split(':').filter(Boolean).map((d) => `${d}/vulkan/icd.d`)]
  const manifests = [...new Set(manifestDirs)].flatMap((dir) => {
    try {
      return readdirSync(dir).filter((f) => f.endsWith('.json'))
    } catch {
      return []
    }
  })
  if (manifests.length === 0) return { possible: false, why: 'no Vulkan driver (ICD manifest) is installed' }
  const hardware = manifests.filter((f) => !/^(lvp|swiftshader|vk_swiftshader)_icd/i.test(f))
  if (hardware.length === 0) return { possible: false, why: `the only Vulkan drivers are software ones (${manifests.join(', ')}), which Dawn rejects` }
  const nodes = [...listDir('/dev/dri').filter((f) => f.startsWith('renderD')).map((f) => `/dev/dri/${f}`), ...listDir('/dev').filter((f) => /^nvidia\d+$/.test(f) || f === 'dxg').map((f) => `/dev/${f}`)]
  if (nodes.length === 0) return { possible: false, why: `Vulkan drivers are installed (${hardware.join(', ')}) but there is no GPU device (no /dev/dri/renderD*, /dev/nvidia*, /dev/dxg)` }
  return { possible: true, why: `Vulkan drivers ${hardware.join(', ')} and GPU devices ${nodes.join(', ')}` }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** SHAPEWISE_LOG=debug: why an adapter was chosen, and what Dawn printed that was kept off stderr. */
function log(message: string): void {
  if (/(^|,)\s*debug\s*(,|$)/i.test(process.env.SHAPEWISE_LOG ?? '')) console.error(`shapewise: ${message}`)
}

function defaultBackendName(): BackendInfo['backend'] {
  switch (process.platform) {
    case 'linux':
    case 'android':
      return 'vulkan'
    case 'darwin':
      return 'metal'
    case 'win32':
      return 'd3d12'
    default:
      return 'unknown'
  }
}

async function open(
  instance: GPU,
  adapter: GPUAdapter,
  requested: BackendChoice,
  backend: BackendInfo['backend'],
  featureLevel: BackendInfo['featureLevel'],
): Promise<State> {
  const requiredLimits: Record<string, number> = {}
  for (const name of WANTED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number | undefined>)[name]
    if (typeof v === 'number') requiredLimits[name] = v
  }
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f)) as GPUFeatureName[]
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'shapewise' })

  const a = adapter.info
  const wgslFeatures = [...instance.wgslLanguageFeatures].sort()
  const limits: Record<string, number> = {}
  for (const name in device.limits) {
    const v = (device.limits as unknown as Record<string, unknown>)[name]
    if (typeof v === 'number') limits[name] = v
  }
  const isFallbackAdapter = Boolean((a as { isFallbackAdapter?: boolean }).isFallbackAdapter)
  const info: BackendInfo = Object.freeze({
    backend,
    requested,
    featureLevel,
    vendor: a.vendor,
    architecture: a.architecture,
    device: a.device,
    description: a.description,
    isFallbackAdapter,
    software: isFallbackAdapter || SOFTWARE_NAMES.test(`${a.vendor} ${a.device} ${a.description}`),
    features: [...device.features].sort(),
    wgslFeatures,
    readOnlyStorageTextures: wgslFeatures.includes('readonly_and_readwrite_storage_textures'),
    limits: Object.freeze(limits),
  })

  log(`adapter: using ${info.description || info.device || info.vendor} (${backend}, ${featureLevel}${info.software ? ', software' : ''}); limits requested: ${Object.entries(requiredLimits).map(([k, v]) => `${k}=${v}`).join(', ')}`)

  const gpu: Gpu = {
    instance,
    adapter,
    device,
    info,
    storage: new BufferPool(device, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST, {
      label: 'shapewise.storage',
      maxBufferSize: limits.maxBufferSize,
    }),
    staging: new BufferPool(device, BufferUsage.MAP_READ | BufferUsage.COPY_DST, {
      label: 'shapewise.staging',
      maxBufferSize: limits.maxBufferSize,
      maxFreeBytes: DEFAULT_POOL_CACHE_BYTES.staging,
    }),
    textures: new TexturePool(device),
  }
  const state: State = { gpu, lost: undefined }

  // Recorded on the state, so every later use of this device throws a named
  // error instead of failing somewhere inside Dawn. The promise also resolves
  // on our own destroy(); by then `current` no longer points here, so nothing
  // observes it. (A pending `lost` promise does not keep Node's loop alive.)
  void device.lost.then((l) => {
    state.lost = new DeviceLostError(l.reason ?? 'unknown', l.message ?? '')
  })
  // No 'uncapturederror' listener: dawn.node already prints errors that
  // escape an error scope, and the runtime scopes everything it issues.
  process.on('beforeExit', onBeforeExit)
  return state
}
