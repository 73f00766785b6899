/** WGSL of stopGradient (a view), broadcastTo and oneHot. */
import { defineKernel } from '../compiler/kernel.ts'
import { perElement } from '../compiler/wgsl.ts'
import { reportBadLabel } from '../faults.ts'

defineKernel('stopGradient', () => ({ alias: 0 }))

defineKernel('broadcastTo', (node) => ({
  steps: [perElement(node, (io, read) => `  ${io.store('i', read(0))}`)],
}))

// A label outside 0..classes-1 would select nothing (a silent zero loss and gradient): the kernel
// records it for the next read to throw as a LabelError, naming the op that was given the labels.
defineKernel('oneHot', (node) => {
  const classes = node.attrs.classes as number
  const op = (node.attrs.reportAs as string | undefined) ?? 'oneHot'
  const body = perElement(
    node,
    (io) => `  let label = ${io.load(0, `i / ${classes}u`)};
  ${io.store('i', `select(0.0, 1.0, label == i32(i % ${classes}u))`)}
${reportBadLabel(op, 'label', `i / ${classes}u`, classes)}`,
    { extra: [{ fault: true }] },
  )
  return { steps: [body] }
})
