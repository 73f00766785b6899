import { describe } from 'vitest'
import { fixtureTests } from './elementwise.helpers.ts'
import '../../src/ops/kernels.ts'

describe('elementwise.json fixtures (unary, binary with broadcasting)', () => {
  fixtureTests('elementwise')
})

describe('where (from shape.json)', () => {
  fixtureTests('shape', (c) => c.op === 'where')
})
