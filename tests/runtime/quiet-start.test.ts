/**
 * A normal start prints nothing on stderr: no Dawn warnings on llvmpipe, none
 * when Dawn first rejects a Vulkan driver (Mesa's lavapipe) and falls back;
 * unknown native output still shows; SHAPEWISE_LOG=debug says what was chosen
 * and why. Each case is a fresh process, since the device is acquired once.
 */
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { filterNativeStderr } from '../../src/runtime/native-stderr.ts'

const fixtures = join(import.meta.dirname, 'fixtures')
const lavapipe = '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json'

/**
 * Runs a fixture in a fresh process. Its stderr is a file, as under a terminal,
 * a shell redirection or a CI log: not Node's default 'pipe', which is a
 * socket, and a socket cannot be reopened to restore it after the capture
 * (there shapewise leaves stderr alone and Dawn's lines print).
 */
function start(script: string, env: Record<string, string> = {}) {
  const { SHAPEWISE_LOG: _log, SHAPEWISE_BACKEND: _backend, VK_ICD_FILENAMES: _icd, VK_DRIVER_FILES: _drivers, ...inherited } = process.env
  const dir = mkdtempSync(join(tmpdir(), 'shapewise-start-'))
  const errFile = join(dir, 'stderr')
  const errFd = openSync(errFile, 'w')
  try {
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(fixtures, script)], {
      env: { ...inherited, ...env },
      encoding: 'utf8',
      timeout: 120_000,
      stdio: ['ignore', 'pipe', errFd],
    })
    const stderr = readFileSync(errFile, 'utf8')
    expect(child.status, stderr).toBe(0)
    return { stdout: child.stdout, stderr }
  } finally {
    closeSync(errFd)
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('start-up output', () => {
  test('a normal start prints nothing on stderr', () => {
    const child = start('start.ts')
    expect(child.stdout.trim()).toBe('[11,22,33]')
    expect(child.stderr).toBe('')
  })

  test('Dawn rejecting a Vulkan driver before the OpenGL fallback prints nothing either', () => {
    // .ci/setup.sh installs mesa-vulkan-drivers (and the Vulkan loader) so this case is real.
    expect(existsSync(lavapipe), `${lavapipe} missing: run .ci/setup.sh`).toBe(true)
    const quiet = start('start.ts', { VK_ICD_FILENAMES: lavapipe })
    expect(quiet.stdout.trim()).toBe('[11,22,33]')
    expect(quiet.stderr).toBe('')
    // The same start with the log on proves Vulkan was tried and its block removed.
    const logged = start('start.ts', { VK_ICD_FILENAMES: lavapipe, SHAPEWISE_LOG: 'debug' })
    expect(logged.stderr).toMatch(/Dawn printed .*Warning: Vulkan .*required/)
    expect(logged.stderr).toContain("Dawn's default backend (vulkan) found no GPU adapter")
    expect(logged.stderr).toMatch(/adapter: using .*\(opengl, compatibility/)
  })

  test('SHAPEWISE_LOG=debug tells which adapter was chosen and why', () => {
    const child = start('start.ts', { SHAPEWISE_LOG: 'debug' })
    const lines = child.stderr.trim().split('\n')
    expect(lines.every((l) => l.startsWith('shapewise: adapter: ')), child.stderr).toBe(true)
    expect(child.stderr).toMatch(/SHAPEWISE_BACKEND=auto; (not )?asking Dawn's default backend/)
    expect(child.stderr).toMatch(/adapter: using .*limits requested: maxBufferSize=\d+/)
  })

  test('only the known lines are removed: other native and JavaScript output stays, in order', () => {
    const child = start('capture.ts')
    expect(child.stderr).toBe('before\na native line nobody recognises\na JavaScript line\nafter\n')
  })
})

describe('filterNativeStderr', () => {
  const clamp = 'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16 to fit dynamic offset allocation limit.'
  const vulkanBlock = [
    'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
    ' - While initializing adapter (backend=BackendType::Vulkan)',
    '    at InitializeImpl (/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)',
    '',
  ]

  test('drops the limit clamp and, after a fallback, the Vulkan rejection block with its blank line', () => {
    const text = [...vulkanBlock, clamp, 'Warning: something new', ''].join('\n')
    const { kept, dropped } = filterNativeStderr(text, true)
    expect(kept).toBe('Warning: something new\n')
    expect(dropped).toEqual([...vulkanBlock.slice(0, 3), clamp])
  })

  test('keeps the Vulkan block when no adapter was found: it explains the failure', () => {
    const text = [...vulkanBlock, clamp, ''].join('\n')
    expect(filterNativeStderr(text, false).kept).toBe(`${vulkanBlock.join('\n')}\n`)
  })

  test('keeps text without a final newline', () => {
    expect(filterNativeStderr(`${clamp}\npartial`, true).kept).toBe('partial')
  })
})
