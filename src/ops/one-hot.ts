/** The oneHot node, shared by the public op and the losses built on it. */
import { makeNode, type Node } from '../graph.ts'
import { fail } from '../shape/errors.ts'
import type { AnyTensor } from '../tree.ts'

/**
 * oneHot of `labels` built for `op`: the name its checks use, and the name a label found out of range
 * on the device is reported under (see src/faults.ts), so a loss's bad label names the loss.
 */
export const oneHotNode = (op: string, labels: AnyTensor, classes: number): Node => {
  if (!(Number.isInteger(classes) && classes > 0)) fail(`${op}: classes must be a positive integer, got ${classes}`)
  if (labels.dtype !== 'int32') fail(`${op}: labels must be int32, got ${labels.dtype}`)
  return makeNode('oneHot', [labels.node], { classes, reportAs: op }, [...labels.shape, classes], 'float32')
}
