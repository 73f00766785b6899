/**
 * Every public op against PyTorch: each family of tests/fixtures/forward/ (a
 * new fixture file is picked up here), forward values and input gradients,
 * each case built through the one table of public ops (tests/helpers/ops.ts).
 */
import { fixtureFamilies } from '../helpers/fixtures.ts'
import { fixtureTests, type FixtureTestOptions } from '../helpers/pytorch.ts'

const tolerances: Readonly<Record<string, FixtureTestOptions>> = {
  // unfold only gathers values (no arithmetic but padding), so it is held ten times tighter.
  unfold: { forward: 1e-6, gradient: 1e-5 },
}

for (const family of fixtureFamilies()) fixtureTests(family, tolerances[family])
