// The runtime layer: device, pools, plans and their execution. Everything a
// compiler needs to run kernels, nothing about ops. Programs (a plan with
// argument, captured and output slots: program.ts) and the residency of graph
// values on the device (residency.ts) are imported from their own modules.

import { peekGpu } from './device.ts'
import { DEFAULT_POOL_CACHE_BYTES, type PoolStats } from './pool.ts'
import { cachedPipelineCount } from './pipelines.ts'

export {
  getGpu,
  peekGpu,
  backendInfo,
  releaseGpu,
  assertAlive,
  deviceLoss,
  replacedDeviceLoss,
  resetDevice,
  requestedBackend,
  DeviceLostError,
  NoAdapterError,
  BufferUsage,
  TextureUsage,
  MapMode,
  SOFTWARE_PACKAGES,
  type Gpu,
  type BackendInfo,
  type BackendChoice,
} from './device.ts'
export { BufferPool, TexturePool, sizeClass, MIN_BUFFER_BYTES, TEXTURE_FORMAT, DEFAULT_POOL_CACHE_BYTES, type PoolStats, type BufferPoolOptions } from './pool.ts'
export { execute, PlanError } from './executor.ts'
export { getPipeline, bindGroupLayout, pipelineCompilations, cachedPipelineCount, WgslError, type WgslMessage, type BindingKind } from './pipelines.ts'
export { textureOperandLayout, padRows, packToTextureWgsl, COPY_BYTES_PER_ROW_ALIGNMENT, type TextureOperandLayout } from './texture-layout.ts'
export type * from './plan.ts'

export interface MemoryInfo {
  /** Bytes in buffers and textures currently handed out (live tensors, running plans). */
  readonly inUseBytes: number
  /** Bytes held by the pools for reuse. */
  readonly pooledBytes: number
  /** Buffers + textures handed out. */
  readonly inUseCount: number
  /** Buffers + textures pooled. */
  readonly pooledCount: number
  readonly storage: PoolStats
  readonly staging: PoolStats
  readonly textures: PoolStats
  /** Compiled pipelines cached on the device. */
  readonly pipelines: number
}

const empty = (maxFreeBytes: number): PoolStats => ({ freeBytes: 0, freeCount: 0, inUseBytes: 0, inUseCount: 0, created: 0, reused: 0, maxFreeBytes })

/** GPU memory held by shapewise, in the spirit of tf.memory(). Never acquires a device. */
export function memory(): MemoryInfo {
  const gpu = peekGpu()
  const storage = gpu?.storage.stats() ?? empty(DEFAULT_POOL_CACHE_BYTES.storage)
  const staging = gpu?.staging.stats() ?? empty(DEFAULT_POOL_CACHE_BYTES.staging)
  const textures = gpu?.textures.stats() ?? empty(DEFAULT_POOL_CACHE_BYTES.textures)
  const all = [storage, staging, textures]
  return {
    inUseBytes: sum(all.map((s) => s.inUseBytes)),
    pooledBytes: sum(all.map((s) => s.freeBytes)),
    inUseCount: sum(all.map((s) => s.inUseCount)),
    pooledCount: sum(all.map((s) => s.freeCount)),
    storage,
    staging,
    textures,
    pipelines: gpu ? cachedPipelineCount(gpu) : 0,
  }
}

/** Returns every pooled (free) buffer and texture to the device; returns the bytes freed. Never acquires a device. */
export function trimPools(): number {
  const gpu = peekGpu()
  return gpu ? gpu.storage.trim() + gpu.staging.trim() + gpu.textures.trim() : 0
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0)
}
