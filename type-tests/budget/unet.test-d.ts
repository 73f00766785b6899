/**
 * U-Net (four levels down, 64 → 1024 channels, padded convs, skips concatenated on the channels),
 * written by hand as a function generic in the batch; its type-checking cost is pinned in
 * tests/types/budget.test.ts.
 */
import { expectType } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import { randn, conv2d, convTranspose2d, maxPool2d, relu, concat, sequential, type Tensor } from '../../src/index.ts'

/** Two conv 3×3 (same) + relu. */
const double = <Co extends number, Ci extends number>(co: Co, ci: Ci) =>
  sequential(conv2d(randn([co, ci, 3, 3]), { padding: 1 }), relu, conv2d(randn([co, co, 3, 3]), { padding: 1 }), relu)
/** Up by a transposed conv 2×2 stride 2, halving the channels. */
const up = <Ci extends number, Co extends number>(ci: Ci, co: Co) => convTranspose2d(randn([ci, co, 2, 2]), { stride: 2 })
const pool = maxPool2d({ kernelSize: 2 })

const unet = <N extends number>(x: Tensor<[N, 3, 256, 256]>): Tensor<[N, 2, 256, 256]> => {
  const e1 = double(64, 3)(x)
  const e2 = pipe(e1, pool, double(128, 64))
  const e3 = pipe(e2, pool, double(256, 128))
  const e4 = pipe(e3, pool, double(512, 256))
  const bottom = pipe(e4, pool, double(1024, 512))
  const d4 = double(512, 1024)(concat([e4, up(1024, 512)(bottom)], 1))
  const d3 = double(256, 512)(concat([e3, up(512, 256)(d4)], 1))
  const d2 = double(128, 256)(concat([e2, up(256, 128)(d3)], 1))
  const d1 = double(64, 128)(concat([e1, up(128, 64)(d2)], 1))
  return conv2d(randn([2, 64, 1, 1]))(d1)
}
expectType<Tensor<[1, 2, 256, 256]>>(unet(randn([1, 3, 256, 256])))
