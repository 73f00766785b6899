/**
 * The public face of materialisation for eager code: compute several tensors
 * in one plan, without reading them back.
 */
import { realize as realizeNodes } from './realize.ts'
import { isTensor, type AnyTensor } from './tree.ts'

/** Every tensor in a value made of tensors, arrays and records (anything else is skipped). */
const tensorsIn = (value: unknown, into: AnyTensor[] = [], seen = new Set<unknown>()): AnyTensor[] => {
  if (isTensor(value)) into.push(value)
  else if (value !== null && typeof value === 'object' && !seen.has(value)) {
    seen.add(value)
    for (const v of Object.values(value)) tensorsIn(v, into, seen)
  }
  return into
}

/**
 * Computes every tensor in `tree` (a tensor, or arrays and records holding
 * tensors; other values are left alone) in one plan, and keeps the results
 * on the device, without reading anything back. Resolves to `tree` itself.
 *
 * Reading a tensor already computes the live tensors that share its graph
 * (the gradients and updated parameters of the step whose loss is read);
 * `realize` is for when nothing is read, or when values are needed as one
 * consistent set: later graphs start from these values instead of running
 * their history again, and the graphs behind them are released.
 *
 * @example
 * import { tensor, mul, add, realize } from 'shapewise'
 * const x = tensor([1, 2, 3])
 * const [doubled, { plusOne }] = await realize([mul(x, 2), { plusOne: add(x, 1) }])
 * // Already on the device: reading is only a readback.
 * await doubled.data() // → [2, 4, 6]
 * await plusOne.data() // → [2, 3, 4]
 */
export async function realize<const T>(tree: T): Promise<T> {
  const tensors = tensorsIn(tree)
  if (tensors.length > 0) await realizeNodes(tensors.map((t) => t.node), { read: false })
  return tree
}
