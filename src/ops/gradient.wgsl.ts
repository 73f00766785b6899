/** WGSL of stopGradient (a view), broadcastTo and oneHot. */
import { defineKernel } from '../compiler/kernel.ts'
import { elementwiseKernel, broadcastIndex } from '../compiler/wgsl.ts'
import { faultDeclaration, reportBadLabel } from '../faults.ts'

defineKernel('stopGradient', () => ({ alias: 0 }))

defineKernel('broadcastTo', (node) => ({
  steps: [elementwiseKernel(node, `  out[i] = in0[${broadcastIndex(node.inputs[0].shape, node.shape)}];`)],
}))

// A label outside 0..classes-1 would select nothing (a silent zero loss and gradient): the kernel
// records it for the next read to throw as a LabelError, naming the op that was given the labels.
defineKernel('oneHot', (node) => {
  const classes = node.attrs.classes as number
  const op = (node.attrs.reportAs as string | undefined) ?? 'oneHot'
  const body = `  let label = in0[i / ${classes}u];
  out[i] = select(0.0, 1.0, label == i32(i % ${classes}u));
${reportBadLabel(op, 'label', `i / ${classes}u`, classes)}`
  const kernel = elementwiseKernel(node, body, faultDeclaration(2))
  return { steps: [{ ...kernel, bindings: [...kernel.bindings, { fault: true as const }] }] }
})
