/** WGSL of stopGradient (a view), broadcastTo and oneHot. */
import type { NodeOf } from '../graph.ts'
import type { Lowering } from '../compiler/kernel.ts'
import { perElement } from '../compiler/wgsl.ts'
import { reportBadLabel } from '../faults.ts'

export const lowerStopGradient = (): Lowering => ({ alias: 0 })

export const lowerBroadcastTo = (node: NodeOf<'broadcastTo'>): Lowering => ({
  steps: [perElement(node, (io, read) => `  ${io.store('i', read(0))}`)],
})

// A label outside 0..classes-1 would select nothing (a silent zero loss and gradient): the kernel
// records it for the next read to throw as a LabelError, naming the op that was given the labels.
export const lowerOneHot = (node: NodeOf<'oneHot'>): Lowering => {
  const classes = node.params.classes
  const op = node.params.reportAs ?? 'oneHot'
  const body = perElement(
    node,
    (io) => `  let label = ${io.load(0, `i / ${classes}u`)};
  ${io.store('i', `select(0.0, 1.0, label == i32(i % ${classes}u))`)}
${reportBadLabel(op, 'label', `i / ${classes}u`, classes)}`,
    { extra: [{ fault: true }] },
  )
  return { steps: [body] }
}
