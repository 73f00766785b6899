/** Shared by the conv/pool kernel tests: PyTorch fixture cases → lazy nodes, realized in one batch. */
import { beforeAll, describe, it } from 'vitest'
import type { Node } from '../../src/graph.ts'
import { realize } from '../../src/realize.ts'
import { fromArray, type Tensor } from '../../src/tensor.ts'
import { expectClose, loadFixtures, values, type FixtureCase, type FixtureTensor } from '../fixtures/load.ts'

export const input = (t: FixtureTensor): Tensor => fromArray(values(t), t.shape) as unknown as Tensor

/**
 * The values of every node, realized together: one plan, its pipelines
 * compiled concurrently. When the batch fails, each node is realized on its
 * own so that only the broken cases fail, each with its own error.
 */
const realizeAll = async (nodes: readonly Node[]): Promise<(() => Promise<ArrayLike<number>>)[]> => {
  try {
    const all = await realize(nodes)
    return all.map((v) => async () => v)
  } catch {
    return nodes.map((n) => async () => (await realize([n]))[0])
  }
}

/** One test per case of `forward/<family>.json`: build the op, compare its output with PyTorch's. */
export const fixtureSuite = (family: string, build: (c: FixtureCase) => Tensor) =>
  describe(`${family} fixtures`, () => {
    const cases = loadFixtures(family)
    // A case whose op throws while building (a shape rule) fails alone.
    const built = cases.map((c) => {
      try {
        return { node: build(c).node }
      } catch (error) {
        return { error }
      }
    })
    let results: (() => Promise<ArrayLike<number>>)[] = []
    beforeAll(async () => {
      const values = await realizeAll(built.flatMap((b) => (b.node ? [b.node] : [])))
      let k = 0
      results = built.map((b) => (b.node ? values[k++] : () => Promise.reject(b.error)))
    })
    it.each(cases.map((c, i) => [c.name, i] as const))('%s', async (name, i) => {
      expectClose(await results[i](), cases[i].output, name)
    })
  })
