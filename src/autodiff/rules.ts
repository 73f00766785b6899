/**
 * The VJP rule of every op, gathered from the op families. Typed as a
 * VjpTable over all op names: an op missing here is a compile error.
 */
import type { VjpTable } from './rule.ts'
import { creationVjp } from '../ops/creation.vjp.ts'
import { convVjpTable } from '../ops/conv.vjp.ts'
import { poolVjpTable } from '../ops/pool.vjp.ts'
import { linearVjp } from '../ops/linear.vjp.ts'
import { elementwiseVjp } from '../ops/elementwise.vjp.ts'
import { reduceVjp } from '../ops/reduce.vjp.ts'
import { layoutVjp } from '../ops/layout.vjp.ts'

export const vjpRules: VjpTable = {
  ...creationVjp,
  ...convVjpTable,
  ...poolVjpTable,
  ...linearVjp,
  ...elementwiseVjp,
  ...reduceVjp,
  ...layoutVjp,
}
