/** WGSL of the creation ops: fills, ranges, identity, seeded random values. */
import type { NodeOf } from '../graph.ts'
import type { Lowering } from '../compiler/kernel.ts'
import { perElement } from '../compiler/wgsl.ts'

export const lowerFill = (node: NodeOf<'fill'>): Lowering => ({
  steps: [perElement(node, (io) => `  ${io.store('i', io.literal(node.params.value, node.dtype))}`)],
})

export const lowerArange = (node: NodeOf<'arange'>): Lowering => ({
  steps: [
    perElement(node, (io) => `  ${io.store('i', `${io.literal(node.params.start, 'float32')} + f32(i) * ${io.literal(node.params.step, 'float32')}`)}`),
  ],
})

export const lowerEye = (node: NodeOf<'eye'>): Lowering => ({
  steps: [perElement(node, (io) => `  ${io.store('i', `select(0.0, 1.0, i / ${node.shape[1]}u == i % ${node.shape[1]}u)`)}`)],
})

// Counter-based: value i is a pure function of (seed, i) (the renderer's `random` helper).
// An epilogue: a parameter initialiser's scale and shift (`uniform(-b, b)` is rand·2b − b) run in
// the same kernel, one shader for the three ops (each shader costs tens of ms to compile on llvmpipe).
export const lowerRandom = (node: NodeOf<'random'>): Lowering => {
  const seed = node.params.seed >>> 0
  const draw = node.params.distribution === 'normal' ? 'normal01' : 'uniform01'
  return { steps: [perElement(node, (io) => (io.helper('random'), `  ${io.store('i', `${draw}(${seed}u, i)`)}`), { epilogue: node.dtype === 'float32' })] }
}
