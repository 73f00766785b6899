/**
 * A node's lowering as a plan the executor runs directly, for the sweeps of
 * bench/conv2d.ts and bench/matmul.ts: buffers 0..k-1 are the node's inputs
 * (bound to their resident buffers), k its output, k+1.. the lowering's
 * scratch; textures as the lowering declares them.
 */
import type { KernelBinding, KernelTarget, Lowering } from '../src/compiler/kernel.ts'
import { renderStep } from '../src/compiler/render.ts'
import type { Node } from '../src/graph.ts'
import type { Plan } from '../src/runtime/index.ts'

export const planOfLowering = (lowering: Lowering, node: Node, target: KernelTarget, outputBytes: number, inputBytes: readonly number[], steps?: number): Plan => {
  if ('alias' in lowering) throw new Error('a view has no kernel to time')
  const k = inputBytes.length
  const buffer = (b: KernelBinding | { readonly input: number } | { readonly scratch: number }) =>
    'input' in b ? b.input : 'output' in b ? k : 'scratch' in b ? k + 1 + b.scratch : -1
  return {
    buffers: [...inputBytes.map((bytes) => ({ bytes })), { bytes: outputBytes }, ...(lowering.scratchBytes ?? []).map((bytes) => ({ bytes }))],
    textures: (lowering.textures ?? []).map(([width, height]) => ({ width, height })),
    steps: lowering.steps.slice(0, steps).map((s) =>
      'copyToTexture' in s
        ? { kind: 'copyBufferToTexture' as const, src: buffer(s.copyToTexture.source), dst: s.copyToTexture.texture, rows: s.copyToTexture.rows, cols: s.copyToTexture.cols }
        : (({ wgsl, workgroups, bindings }) => ({
            kind: 'dispatch' as const,
            wgsl,
            workgroups,
            bindings: bindings.map((b) =>
              'texture' in b ? { texture: b.texture, access: 'read' as const } : { buffer: buffer(b), access: 'input' in b ? ('read' as const) : ('read_write' as const) },
            ),
          }))(renderStep(s, node, target)),
    ),
  }
}
