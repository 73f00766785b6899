/** WGSL of the creation ops: fills, ranges, identity, seeded random values. */
import type { NodeOf } from '../graph.ts'
import type { Lowering } from '../compiler/kernel.ts'
import { elementwiseKernel, literal } from '../compiler/wgsl.ts'
import { hashWgsl } from './random.wgsl.ts'

export const lowerFill = (node: NodeOf<'fill'>): Lowering => ({
  steps: [elementwiseKernel(node, `  out[i] = ${literal(node.params.value, node.dtype)};`)],
})

export const lowerArange = (node: NodeOf<'arange'>): Lowering => ({
  steps: [elementwiseKernel(node, `  out[i] = ${literal(node.params.start, 'float32')} + f32(i) * ${literal(node.params.step, 'float32')};`)],
})

export const lowerEye = (node: NodeOf<'eye'>): Lowering => ({
  steps: [elementwiseKernel(node, `  out[i] = select(0.0, 1.0, i / ${node.shape[1]}u == i % ${node.shape[1]}u);`)],
})

export const lowerRandom = (node: NodeOf<'random'>): Lowering => {
  const seed = node.params.seed >>> 0
  const draw = node.params.distribution === 'normal' ? 'normal01' : 'uniform01'
  return { steps: [elementwiseKernel(node, `  out[i] = ${draw}(${seed}u, i);`, hashWgsl)] }
}
