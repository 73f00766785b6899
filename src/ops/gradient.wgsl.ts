/** WGSL of stopGradient (a view), broadcastTo (an index map) and oneHot. */
import type { NodeOf } from '../graph.ts'
import type { Expr, Lowering } from '../compiler/kernel.ts'
import { broadcastIndex, perElement } from '../compiler/wgsl.ts'
import { reportBadLabel } from '../faults.ts'

export const lowerStopGradient = (): Lowering => ({ alias: 0 })

/** broadcastTo's index map: the input element each output element repeats. */
export const broadcastToIndex = (node: NodeOf<'broadcastTo'>, index: Expr): Expr => broadcastIndex(node.inputs[0].shape, node.shape, index)

// A label outside 0..classes-1 would select nothing (a silent zero loss and gradient): the kernel
// records it for the next read to throw as a LabelError, naming the op that was given the labels.
// A label equal to ignoreIndex (a loss's ignored positions) gives a zero row and is not recorded.
export const lowerOneHot = (node: NodeOf<'oneHot'>): Lowering => {
  const { classes, ignoreIndex } = node.params
  const op = node.params.reportAs ?? 'oneHot'
  const check = reportBadLabel(op, 'label', `i / ${classes}u`, classes)
  const hot = `label == i32(i % ${classes}u)`
  const body = perElement(
    node,
    (io) =>
      ignoreIndex === undefined
        ? `  let label = ${io.load(0, `i / ${classes}u`)};
  ${io.store('i', `select(0.0, 1.0, ${hot})`)}
${check}`
        : `  let label = ${io.load(0, `i / ${classes}u`)};
  let counted = label != (${ignoreIndex}i);
  ${io.store('i', `select(0.0, 1.0, counted && ${hot})`)}
  if (counted) {
${check}
  }`,
    { extra: [{ fault: true }] },
  )
  return { steps: [body] }
}
