// Run as a child process by process.test.ts: uses the device, prints the
// result, and must then exit on its own (no explicit process.exit).
import { backendInfo, execute } from '../../../src/runtime/index.ts'
import { addWgsl, iota } from './kernels.ts'

const mode = process.argv[2] ?? 'compute'
if (mode === 'info') {
  const info = await backendInfo()
  console.log(JSON.stringify({ backend: info.backend, device: info.device, software: info.software }))
} else {
  const n = 10
  const [c] = await execute(
    {
      buffers: [{ bytes: 4 * n }, { bytes: 4 * n }, { bytes: 4 * n }],
      steps: [
        { kind: 'writeBuffer', dst: 0, data: iota(n) },
        { kind: 'writeBuffer', dst: 1, data: iota(n) },
        { kind: 'dispatch', wgsl: addWgsl(n), bindings: [{ buffer: 0, access: 'read' }, { buffer: 1, access: 'read' }, { buffer: 2, access: 'read_write' }], workgroups: 1 },
      ],
    },
    [2],
  )
  console.log(JSON.stringify(Array.from(c)))
}
