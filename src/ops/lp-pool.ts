/**
 * Power-average pooling, lpPool1d / lpPool2d (PyTorch's F.lp_pool1d/2d, ONNX's LpPool):
 * (Σ over each window of x^p)^(1/p), computed as PyTorch does — the average pool of x^p
 * (padding counted) times the window size, to the power 1/p — so its output sizes are the
 * average pool's, and its gradient comes from mul, avgPool and pow. `padding` is ONNX's
 * (zeros, which add nothing to the sum); wider than half the kernel it stays an error, as in
 * the pools, whose message says to `pad` first.
 */
import type { Shape, Input, ShapeFn, PoolShape, Spatial, OptionSpec } from '../../types/index.ts'
import { layer, type Layer } from '../layer.ts'
import { acceptDType } from '../shape/dtype.ts'
import { axisValue, fail } from '../shape/errors.ts'
import { checkOptionsSpelling } from '../shape/options.ts'
import { poolShape } from '../shape/pool.ts'
import type { AnyTensor } from '../tree.ts'
import { mul, pow } from './elementwise.ts'
import { avgPool1d, avgPool2d } from './pool.ts'

export interface LpPoolOptions {
  /** p: 2 is the root of the sum of squares; large p tends to max pooling. */
  readonly normType: number
  readonly kernelSize: Spatial
  /** Default: the kernel size. */
  readonly stride?: Spatial
  /** Zeros on both sides (ONNX's `pads`), at most half the kernel. */
  readonly padding?: Spatial
  readonly ceilMode?: boolean
}

/** The average pool's rule under the op's name. */
export type LpPoolShape<Op extends string, Rank extends number, X extends Shape, O> = PoolShape<Op, Rank, X, Omit<O, 'normType'>>

export interface LpPoolFn<Op extends string, Rank extends number, O> extends ShapeFn {
  readonly op: Op
  readonly accepts: 'float'
  readonly output: LpPoolShape<Op, Rank, Input<this>, O>
}

type T = AnyTensor
type Binary = (a: T, b: T | number) => T
const [mulAny, powAny] = [mul, pow] as unknown as Binary[]

/** x^p: small integer powers by multiplying (any sign, as PyTorch's pow), others by pow. */
const power = (x: T, p: number): T => {
  if (!(Number.isInteger(p) && p >= 1 && p <= 4)) return powAny(x, p)
  let y = x
  for (let k = 1; k < p; k++) y = mulAny(y, x)
  return y
}

/** The pooling options besides normType, as the average pool spells them (no countIncludePad: padding always counts). */
const poolSpecOf: OptionSpec = [['kernelSize', 'positive'], ['stride', 'positive'], ['padding', 'nonNegative'], ['ceilMode', 'flag']]

const lpPoolLayer = <Op extends 'lpPool1d' | 'lpPool2d', Rank extends 1 | 2>(op: Op, rank: Rank) =>
  <const O extends LpPoolOptions>(options: O): Layer<LpPoolFn<Op, Rank, O>> => {
    const { normType: p, ...pool } = options
    checkOptionsSpelling(op, pool, poolSpecOf, ['kernelSize'], rank) // under this op's name, before avgPool checks them
    if (!(Number.isFinite(p) && p > 0)) fail(`${op}: normType must be a positive number, got ${p}`)
    const average = (rank === 1 ? avgPool1d : avgPool2d)({ ...pool, countIncludePad: true } as never) as unknown as (x: T) => T
    const window = Array.from({ length: rank }, (_, i) => axisValue(pool.kernelSize, i, 1)).reduce((a, b) => a * b, 1)
    return layer<LpPoolFn<Op, Rank, O>>(op, (input) => {
      const x = input as T
      acceptDType(op, 'input', x.dtype, 'float')
      poolShape(op, rank, x.shape, pool) // the pools' checks, under this op's name
      const sum = mulAny(average(power(x, p)), window)
      return (p === 1 ? sum : powAny(sum, 1 / p)) as never
    })
  }

/**
 * Power-average pooling over the last axis of [N, C, L].
 *
 * @example
 * import { tensor, reshape, lpPool1d } from 'shapewise'
 * await lpPool1d({ normType: 2, kernelSize: 2 })(reshape([1, 1, 4])(tensor([3, 4, 6, 8]))).array() // [[[5, 10]]]
 */
export const lpPool1d = lpPoolLayer('lpPool1d', 1)

/**
 * Power-average pooling over the last two axes of [N, C, H, W].
 *
 * @example
 * import { randn, lpPool2d } from 'shapewise'
 * const y = lpPool2d({ normType: 2, kernelSize: 3, stride: 2, padding: 1 })(randn([1, 8, 16, 16])) // Tensor<[1, 8, 8, 8]>
 */
export const lpPool2d = lpPoolLayer('lpPool2d', 2)
