/** A 200-layer sequential (100 × conv 3×3 same, relu); its type-checking cost is pinned in tests/types/budget.test.ts. */
import { expectType } from 'tsd'
import { randn, conv2d, relu, sequential, type Tensor } from '../../src/index.ts'

const conv = conv2d(randn([16, 16, 3, 3]), { padding: 1 })
type Twice<T extends readonly unknown[]> = [...T, ...T]
type L8 = Twice<Twice<[typeof conv, typeof relu]>>
type L64 = Twice<Twice<Twice<L8>>>
/** 128 + 64 + 8 = 200 layers. */
type L200 = [...Twice<L64>, ...L64, ...L8]
declare const layers: L200
expectType<200>(layers.length)
const deep = sequential(...layers)
const forward = <N extends number>(x: Tensor<[N, 16, 32, 32]>): Tensor<[N, 16, 32, 32]> => deep(x)
expectType<Tensor<[2, 16, 32, 32]>>(forward(randn([2, 16, 32, 32])))
