import { defineConfig } from 'vitest/config'

// GPU tests share one Dawn device per process. Dawn's node module has crashed
// inside worker threads (node-webgpu #13), so test files run in child
// processes ('forks'), and one at a time: llvmpipe already uses every core,
// and parallel files would only make each other time out.
export default defineConfig({
  test: {
    pool: 'forks',
    // Drops Dawn's known harmless start-up lines from the workers' stderr.
    globalSetup: ['tests/setup/quiet-dawn.ts'],
    fileParallelism: false,
    // Shader compilation through llvmpipe takes ~0.1–0.3 s per kernel.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
