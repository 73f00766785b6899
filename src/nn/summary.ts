/**
 * summary(model, inputShape, params): a table of the model's ops with their
 * output shapes and parameter counts, in the spirit of torchinfo. The model
 * is traced on zeros (lazily: nothing runs on the device).
 */
import type { Node } from '../graph.ts'
import { zeros } from '../ops/creation.ts'
import { shapeText } from '../shape/errors.ts'
import { leaves, type AnyTensor, type Tree } from '../tree.ts'

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1)

/**
 * A table of the model's ops with their output shapes and parameter counts, in the spirit of
 * torchinfo. The model is traced on zeros of `inputShape` (lazily: nothing runs on the device).
 *
 * @example
 * import { conv2d, flatten, linear, pipe, relu, type AnyTensor } from 'shapewise'
 * import { conv2dParams, linearParams, summary } from 'shapewise/nn'
 * const p = { c: conv2dParams({ inChannels: 1, outChannels: 4, kernelSize: 3 }), fc: linearParams({ inFeatures: 4 * 26 * 26, outFeatures: 10 }) }
 * const model = (x: AnyTensor) => pipe(x as never, conv2d(p.c), relu, flatten, linear(p.fc)) as AnyTensor
 * const table = summary(model, [1, 1, 28, 28], p)
 * table.includes('Total params: 27,090') // → true
 * console.log(table)
 */
export function summary(model: (x: AnyTensor) => AnyTensor, inputShape: readonly number[], params?: Tree): string {
  const input = zeros(inputShape as number[]) as AnyTensor
  const output = model(input)
  const paramNodes = new Set(params ? leaves(params).map((t) => t.node) : [])

  // Ops that depend on the input, in the order they run.
  const order: Node[] = []
  const dependsOnInput = new Map<Node, boolean>()
  const visit = (node: Node): boolean => {
    const known = dependsOnInput.get(node)
    if (known !== undefined) return known
    dependsOnInput.set(node, false)
    const depends = node === input.node || node.inputs.map(visit).some(Boolean)
    dependsOnInput.set(node, depends)
    if (depends && node !== input.node) order.push(node)
    return depends
  }
  visit(output.node)

  const rows = order.map((node) => {
    const owned = node.inputs.filter((i) => paramNodes.has(i) || (!params && !dependsOnInput.get(i) && i.shape.length > 0))
    return [node.op, shapeText(node.shape), owned.reduce((n, i) => n + sizeOf(i.shape), 0)] as const
  })
  const total = params ? leaves(params).reduce((n, t) => n + t.size, 0) : rows.reduce((n, r) => n + r[2], 0)
  const header = ['Layer (op)', 'Output shape', 'Params'] as const
  const cells = [header, ...rows.map(([op, shape, count], i) => [`${i + 1}. ${op}`, shape, count.toLocaleString('en-US')] as const)]
  const widths = header.map((_, c) => Math.max(...cells.map((r) => String(r[c]).length)))
  const line = '─'.repeat(widths.reduce((a, b) => a + b + 3, -3))
  const fmt = (r: readonly (string | number)[]) => r.map((v, c) => (c === 2 ? String(v).padStart(widths[c]) : String(v).padEnd(widths[c]))).join('   ')
  return [
    line,
    fmt(header),
    line,
    ...cells.slice(1).map(fmt),
    line,
    `Input: ${shapeText(inputShape)}   Output: ${shapeText(output.shape)}`,
    `Total params: ${total.toLocaleString('en-US')}`,
    line,
  ].join('\n')
}
