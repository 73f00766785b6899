/** Undoing broadcasting in gradients: sum a cotangent back down to an operand's shape. */
import type { AnyTensor } from '../tree.ts'
import { sum, reshape } from './untyped.ts'

export const sumTo = (g: AnyTensor, shape: readonly number[]): AnyTensor => {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g
  const lead = g.shape.length - shape.length
  const axes = g.shape.map((_, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1))
  return reshape(axes.length ? sum(g, axes, true) : g, shape)
}
