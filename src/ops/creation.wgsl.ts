/** WGSL of the creation ops: fills, ranges, identity, seeded random values. */
import { defineKernel } from '../compiler/kernel.ts'
import { elementwiseKernel, literal } from '../compiler/wgsl.ts'
import { hashWgsl } from './random.wgsl.ts'

defineKernel('fill', (node) => ({
  steps: [elementwiseKernel(node, `  out[i] = ${literal(node.attrs.value as number, node.dtype)};`)],
}))

defineKernel('arange', (node) => ({
  steps: [elementwiseKernel(node, `  out[i] = ${literal(node.attrs.start as number, 'float32')} + f32(i) * ${literal(node.attrs.step as number, 'float32')};`)],
}))

defineKernel('eye', (node) => ({
  steps: [elementwiseKernel(node, `  out[i] = select(0.0, 1.0, i / ${node.shape[1]}u == i % ${node.shape[1]}u);`)],
}))

defineKernel('random', (node) => {
  const seed = (node.attrs.seed as number) >>> 0
  const draw = node.attrs.distribution === 'normal' ? 'normal01' : 'uniform01'
  return { steps: [elementwiseKernel(node, `  out[i] = ${draw}(${seed}u, i);`, hashWgsl)] }
})
