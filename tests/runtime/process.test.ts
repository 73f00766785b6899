// Behaviour that only a fresh process can show: exiting by itself, and the
// error when no adapter exists.
import { describe, expect, it } from 'vitest'
import { runScript } from './helpers/spawn.ts'

describe('process lifecycle', () => {
  it('exits by itself after using the device', async () => {
    const r = await runScript('./exit-script.ts', ['compute'], { SHAPEWISE_BACKEND: undefined })
    expect(r.signal, `killed after ${r.ms} ms; stderr:\n${r.stderr}`).toBeNull()
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18])
  })

  it('SHAPEWISE_BACKEND=llvmpipe forces the software adapter', async () => {
    const r = await runScript('./exit-script.ts', ['info'], { SHAPEWISE_BACKEND: 'llvmpipe' })
    expect(r.code, r.stderr).toBe(0)
    const info = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
    expect(info.backend).toBe('opengl')
    expect(info.software).toBe(true)
    expect(info.device).toMatch(/llvmpipe/)
  })

  it('names the Debian packages and the env when no adapter exists', async () => {
    // An empty glvnd vendor list is what a machine without libegl-mesa0 looks like.
    const r = await runScript('./exit-script.ts', ['info'], { SHAPEWISE_BACKEND: 'llvmpipe', __EGL_VENDOR_LIBRARY_FILENAMES: '/nonexistent/egl.json' })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/NoAdapterError/)
    expect(r.stderr).toContain('apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri libgles2')
    expect(r.stderr).toContain('EGL_PLATFORM=surfaceless (set by shapewise)')
    expect(r.stderr).toContain('SHAPEWISE_BACKEND=llvmpipe')
  })

  it('SHAPEWISE_BACKEND=gpu does not fall back to llvmpipe', async () => {
    const r = await runScript('./exit-script.ts', ['info'], { SHAPEWISE_BACKEND: 'gpu' })
    if (r.code === 0) {
      // A machine with a real GPU: it must not be the software adapter.
      expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!).backend).not.toBe('opengl')
    } else {
      expect(r.stderr).toContain('SHAPEWISE_BACKEND=gpu was set')
      expect(r.stderr).toContain('libgl1-mesa-dri')
    }
  })
})
