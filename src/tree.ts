/**
 * Parameter trees: nested records and arrays whose leaves are tensors. A
 * model's parameters, its gradients and an optimizer's state all share one
 * tree type, so gradients come back shaped like the parameters.
 */
import type { Tensor } from './tensor.ts'
import type { Shape } from '../types/index.ts'
import type { DType } from './graph.ts'

export type AnyTensor = Tensor<Shape, DType>
export type Tree = AnyTensor | readonly Tree[] | { readonly [key: string]: Tree }

/** The same tree shape with every tensor leaf replaced by L. */
export type MapLeaves<T, L> = T extends AnyTensor ? L : { -readonly [K in keyof T]: MapLeaves<T[K], L> }

export const isTensor = (x: unknown): x is AnyTensor =>
  typeof x === 'object' && x !== null && 'node' in x && 'shape' in x && typeof (x as { data?: unknown }).data === 'function'

/**
 * Every tensor leaf with its path ("c1.weight", "layers.0.bias"), in a stable order.
 *
 * @example
 * import { flattenTree, zeros } from 'shapewise'
 * const params = { c1: { weight: zeros([6, 1, 5, 5]), bias: zeros([6]) }, layers: [{ bias: zeros([2]) }] }
 * flattenTree(params).map(([path]) => path) // → ['c1.weight', 'c1.bias', 'layers.0.bias']
 */
export const flattenTree = (tree: Tree, prefix = ''): [string, AnyTensor][] => {
  if (isTensor(tree)) return [[prefix, tree]]
  const entries = Array.isArray(tree) ? tree.map((v, i) => [String(i), v] as const) : Object.entries(tree)
  return entries.flatMap(([k, v]) => flattenTree(v as Tree, prefix ? `${prefix}.${k}` : k))
}

/**
 * Every tensor leaf of a tree, in flattenTree's order.
 *
 * @example
 * import { leaves, zeros } from 'shapewise'
 * leaves({ w: zeros([2]), b: [zeros([3])] }).map((t) => t.shape) // → [[2], [3]]
 */
export const leaves = (tree: Tree): AnyTensor[] => flattenTree(tree).map(([, t]) => t)

/**
 * Applies f to every leaf, keeping the structure.
 *
 * @example
 * import { mapTree, zeros } from 'shapewise'
 * mapTree({ w: zeros([2, 3]), b: zeros([3]) }, (t) => t.size) // → { w: 6, b: 3 }
 */
export const mapTree = <T extends Tree, R>(tree: T, f: (t: AnyTensor, path: string) => R): MapLeaves<T, R> =>
  mapAny(tree, f, '') as MapLeaves<T, R>

const mapAny = (tree: Tree, f: (t: AnyTensor, path: string) => unknown, prefix: string): unknown => {
  const at = (k: string | number) => (prefix ? `${prefix}.${k}` : String(k))
  if (isTensor(tree)) return f(tree, prefix)
  if (Array.isArray(tree)) return tree.map((v: Tree, i) => mapAny(v, f, at(i)))
  return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, mapAny(v as Tree, f, at(k))]))
}

/**
 * Applies f to matching leaves of trees with the same structure.
 *
 * @example
 * import { zipTrees, add, tensor } from 'shapewise'
 * const sum = zipTrees([{ w: tensor([1, 2]) }, { w: tensor([10, 20]) }], ([a, b]) => add(a, b))
 * await sum.w.data() // → [11, 22]
 */
export const zipTrees = <T extends Tree, R>(trees: readonly T[], f: (leaves: AnyTensor[], path: string) => R): MapLeaves<T, R> => {
  const columns = trees.map((t) => flattenTree(t))
  const paths = columns[0].map(([p]) => p)
  for (const c of columns)
    if (c.length !== paths.length || c.some(([p], i) => p !== paths[i])) throw new Error('zipTrees: trees have different structures')
  const results = new Map(paths.map((p, i) => [p, f(columns.map((c) => c[i][1]), p)]))
  return mapTree(trees[0], (_, path) => results.get(path)!)
}

/**
 * Number of scalar parameters in a tree.
 *
 * @example
 * import { countParameters, zeros } from 'shapewise'
 * countParameters({ weight: zeros([6, 1, 5, 5]), bias: zeros([6]) }) // → 156
 */
export const countParameters = (tree: Tree): number => leaves(tree).reduce((n, t) => n + t.size, 0)

/** Replaces the leaves of `tree`, in flattenTree order, with `values`. */
export const unflattenLike = <T extends Tree, R>(tree: T, values: readonly R[]): MapLeaves<T, R> => {
  let i = 0
  return mapTree(tree, () => values[i++])
}
