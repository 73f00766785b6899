import { describe, expect, it } from 'vitest'
import { backendInfo, getGpu, peekGpu, requestedBackend, SOFTWARE_PACKAGES } from '../../src/runtime/index.ts'

describe('device acquisition', () => {
  it('returns one shared device per process', async () => {
    const [a, b] = await Promise.all([getGpu(), getGpu()])
    expect(a).toBe(b)
    expect(await getGpu()).toBe(a)
    expect(peekGpu()).toBe(a)
    expect(a.device.queue).toBeDefined()
  })

  it('describes the adapter and the limits in use', async () => {
    const info = await backendInfo()
    expect(['vulkan', 'metal', 'd3d12', 'opengl', 'unknown']).toContain(info.backend)
    expect(info.requested).toBe(requestedBackend())
    for (const k of ['vendor', 'architecture', 'device', 'description'] as const) expect(typeof info[k]).toBe('string')
    expect(`${info.device}${info.description}`.length).toBeGreaterThan(0)
    expect(typeof info.software).toBe('boolean')
    if (info.backend === 'opengl') {
      expect(info.featureLevel).toBe('compatibility')
      expect(info.software).toBe(true) // llvmpipe
    }
    // The device must carry the adapter's maxima, not compatibility mode's
    // small defaults (128 invocations, 16 KiB workgroup memory, 4 storage textures).
    const { adapter, device } = await getGpu()
    for (const k of ['maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageTexturesPerShaderStage', 'maxTextureDimension2D'] as const) {
      expect(info.limits[k]).toBe(adapter.limits[k])
      expect(device.limits[k]).toBe(adapter.limits[k])
    }
    expect(info.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256)
    expect(info.wgslFeatures.includes('readonly_and_readwrite_storage_textures')).toBe(info.readOnlyStorageTextures)
  })

  it('parses SHAPEWISE_BACKEND', () => {
    expect(requestedBackend({})).toBe('auto')
    expect(requestedBackend({ SHAPEWISE_BACKEND: 'LLVMPIPE' })).toBe('llvmpipe')
    expect(requestedBackend({ SHAPEWISE_BACKEND: 'gpu' })).toBe('gpu')
    expect(() => requestedBackend({ SHAPEWISE_BACKEND: 'cuda' })).toThrow(/auto', 'gpu' or 'llvmpipe'/)
    expect(SOFTWARE_PACKAGES).toEqual(['libegl1', 'libegl-mesa0', 'libgl1-mesa-dri', 'libgles2'])
  })
})
