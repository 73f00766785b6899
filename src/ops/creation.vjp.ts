/** Creation ops start graphs: nothing flows back through them. */
import type { VjpTable } from '../autodiff/rule.ts'

export const creationVjp: VjpTable<'constant' | 'external' | 'fill' | 'arange' | 'eye' | 'random'> = {
  constant: 'none',
  external: 'none',
  fill: 'none',
  arange: 'none',
  eye: 'none',
  random: 'none',
}
