/** WGSL of the creation ops: fills, ranges, identity, seeded random values. */
import { defineKernel } from '../compiler/kernel.ts'
import { perElement } from '../compiler/wgsl.ts'

defineKernel('fill', (node) => ({
  steps: [perElement(node, (io) => `  ${io.store('i', io.literal(node.attrs.value as number, node.dtype))}`)],
}))

defineKernel('arange', (node) => ({
  steps: [
    perElement(node, (io) => `  ${io.store('i', `${io.literal(node.attrs.start as number, 'float32')} + f32(i) * ${io.literal(node.attrs.step as number, 'float32')}`)}`),
  ],
}))

defineKernel('eye', (node) => ({
  steps: [perElement(node, (io) => `  ${io.store('i', `select(0.0, 1.0, i / ${node.shape[1]}u == i % ${node.shape[1]}u)`)}`)],
}))

// Counter-based: value i is a pure function of (seed, i) (the renderer's `random` helper).
defineKernel('random', (node) => {
  const seed = (node.attrs.seed as number) >>> 0
  const draw = node.attrs.distribution === 'normal' ? 'normal01' : 'uniform01'
  return { steps: [perElement(node, (io) => (io.helper('random'), `  ${io.store('i', `${draw}(${seed}u, i)`)}`))] }
})
