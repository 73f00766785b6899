/** WGSL of stopGradient (a view), broadcastTo and oneHot. */
import { defineKernel } from '../compiler/kernel.ts'
import { elementwiseKernel, broadcastIndex } from '../compiler/wgsl.ts'

defineKernel('stopGradient', () => ({ alias: 0 }))

defineKernel('broadcastTo', (node) => ({
  steps: [elementwiseKernel(node, `  out[i] = in0[${broadcastIndex(node.inputs[0].shape, node.shape)}];`)],
}))

defineKernel('oneHot', (node) => {
  const classes = node.attrs.classes as number
  return { steps: [elementwiseKernel(node, `  out[i] = select(0.0, 1.0, in0[i / ${classes}u] == i32(i % ${classes}u));`)] }
})
