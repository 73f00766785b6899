/**
 * PyTorch's state_dict names for parameter trees: keys and array indices
 * joined by '.', camelCase keys written as snake_case, so
 * `{ layer1: [{ bn1: { runningMean } }] }` is `layer1.0.bn1.running_mean`.
 */
import { isTensor, type AnyTensor, type Tree } from '../tree.ts'

/** `runningMean` → `running_mean`, `numBatchesTracked` → `num_batches_tracked`; `layer1`, `bn1` unchanged. */
export const snakeCase = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase()

/**
 * Every tensor leaf of `tree` with its PyTorch name, in the tree's order.
 *
 * @example
 * import { pytorchNames } from 'shapewise/io'
 * import { batchNorm2dParams } from 'shapewise/nn'
 * const names = pytorchNames({ layer1: [{ bn1: batchNorm2dParams({ numFeatures: 8 }) }] }).map(([name]) => name)
 * names // → ['layer1.0.bn1.weight', 'layer1.0.bn1.bias', 'layer1.0.bn1.running_mean', 'layer1.0.bn1.running_var']
 */
export const pytorchNames = (tree: unknown, what = 'tree'): [string, AnyTensor][] => {
  const out: [string, AnyTensor][] = []
  const seen = new Map<string, string>()
  const walk = (node: unknown, name: string, path: string) => {
    if (node === null || node === undefined) return
    if (isTensor(node)) {
      const earlier = seen.get(name)
      if (earlier !== undefined) throw new TypeError(`${what}: '${earlier}' and '${path}' both have the PyTorch name '${name}'`)
      seen.set(name, path)
      out.push([name, node])
      return
    }
    if (typeof node !== 'object') throw new TypeError(`${what}: '${path}' is a ${typeof node}, not a tensor, array or record of tensors`)
    const entries = Array.isArray(node) ? node.map((v, i) => [String(i), v] as const) : Object.entries(node)
    for (const [key, value] of entries) walk(value, name ? `${name}.${snakeCase(key)}` : snakeCase(key), path ? `${path}.${key}` : key)
  }
  walk(tree, '', '')
  return out
}

/** A tree with its tensors replaced by what `leaf` returns for each PyTorch name (nulls kept). */
export const rebuildTree = <T>(template: T, leaf: (name: string, t: AnyTensor) => unknown): T => {
  const walk = (node: unknown, name: string): unknown => {
    if (node === null || node === undefined) return node
    if (isTensor(node)) return leaf(name, node)
    const at = (key: string) => (name ? `${name}.${snakeCase(key)}` : snakeCase(key))
    if (Array.isArray(node)) return node.map((v, i) => walk(v, at(String(i))))
    return Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, walk(v, at(k))]))
  }
  return walk(template, '') as T
}

export type { Tree }
