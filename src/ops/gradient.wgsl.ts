/** WGSL of stopGradient (a view), broadcastTo and oneHot. */
import type { NodeOf } from '../graph.ts'
import type { Lowering } from '../compiler/kernel.ts'
import { elementwiseKernel, broadcastIndex } from '../compiler/wgsl.ts'
import { faultDeclaration, reportBadLabel } from '../faults.ts'

export const lowerStopGradient = (): Lowering => ({ alias: 0 })

export const lowerBroadcastTo = (node: NodeOf<'broadcastTo'>): Lowering => ({
  steps: [elementwiseKernel(node, `  out[i] = in0[${broadcastIndex(node.inputs[0].shape, node.shape)}];`)],
})

// A label outside 0..classes-1 would select nothing (a silent zero loss and gradient): the kernel
// records it for the next read to throw as a LabelError, naming the op that was given the labels.
export const lowerOneHot = (node: NodeOf<'oneHot'>): Lowering => {
  const classes = node.params.classes
  const op = node.params.reportAs ?? 'oneHot'
  const body = `  let label = in0[i / ${classes}u];
  out[i] = select(0.0, 1.0, label == i32(i % ${classes}u));
${reportBadLabel(op, 'label', `i / ${classes}u`, classes)}`
  const kernel = elementwiseKernel(node, body, faultDeclaration(2))
  return { steps: [{ ...kernel, bindings: [...kernel.bindings, { fault: true as const }] }] }
}
