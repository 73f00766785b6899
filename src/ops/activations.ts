/**
 * Activations: each is one primitive defined here whole — its parameters, shape rule (same
 * shape), gradient, WGSL expression (which both lowers it and fuses it into a producer's epilogue,
 * conv + bias + activation in one kernel) and its public layer. Adding an activation touches only
 * this file (plus its PyTorch fixture line and type test); see the README's architecture section.
 */
import type { SameShapeOf } from '../../types/index.ts'
import { bind } from '../core/bind.ts'
import { add, div, exp, greater, less, mul, neg, tanh, erf, where } from '../core/ops.ts'
import type { Params } from '../core/params.ts'
import { definePrimitive, type PrimitiveDef, type VjpContext, type Cotangents } from '../core/primitive.ts'
import { layer, type Layer } from '../layer.ts'
import { acceptDType } from '../shape/dtype.ts'
import { wrap } from '../tensor.ts'
import type { AnyTensor } from '../tree.ts'
import { binaryElementwise, binaryLowering, unaryBodies, unaryElementwise, unaryLowering, type UnaryBody } from './elementwise.wgsl.ts'

declare module '../core/params.ts' {
  interface Params {
    readonly relu: NoParams
    readonly leakyRelu: { readonly negativeSlope: number }
    readonly sigmoid: NoParams
    readonly gelu: { readonly approximate: 'none' | 'tanh' }
    readonly elu: { readonly alpha: number }
    readonly silu: NoParams
    readonly hardswish: NoParams
    /** relu's gradient, inputs [dy, y]: one elementwise op with the cotangent first (see reluGradPrimitive). */
    readonly reluGrad: NoParams
  }
}

type Activation = 'relu' | 'leakyRelu' | 'sigmoid' | 'gelu' | 'elu' | 'silu' | 'hardswish'

/** A float activation: the output has the input's shape and dtype; `body` is its WGSL of `x`. */
const activation = <P extends Activation>(name: P, body: UnaryBody<P>, vjp: (context: VjpContext<P>) => Cotangents): PrimitiveDef<P> =>
  definePrimitive(name, {
    shape: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
    vjp,
    lower: unaryLowering(body),
    elementwise: unaryElementwise(body),
  })

/** The public layer of an activation primitive with fixed parameters. */
const layerOf = <P extends Activation>(primitive: PrimitiveDef<P>, params: Params[P]): Layer<SameShapeOf<P, 'float'>> =>
  layer(primitive.name, (x) => {
    acceptDType(primitive.name, 'input', x.dtype, 'float')
    return wrap(bind(primitive, [x.node], params))
  })

const sigmoidOf = (x: AnyTensor) => wrap(bind(sigmoidPrimitive, [x.node], {}))

// relu's gradient, dy where y > 0 and 0 elsewhere, as PyTorch's threshold_backward computes it from
// the output (y ≤ 0 gives 0, so a NaN output passes dy on). One elementwise op whose operand 0 is the
// cotangent: it runs inside the kernel that computed dy (max-pool backward, a transposed convolution)
// as that kernel's epilogue, where `where(greater(y, 0), dy, 0)` took two kernels of its own (a bool
// mask does not fuse). Its own gradient is itself in dy; y is a mask, with no gradient.
const reluGradExpr = (dy: string, y: string) => `select(${dy}, 0.0, ${y} <= 0.0)`
const reluGradPrimitive: PrimitiveDef<'reluGrad'> = definePrimitive('reluGrad', {
  shape: ([dy]) => ({ shape: dy.shape, dtype: dy.dtype }),
  vjp: ({ inputs: [, y], dy: ddy }) => [wrap(bind(reluGradPrimitive, [ddy.node, y.node], {})), null],
  lower: binaryLowering(reluGradExpr),
  elementwise: binaryElementwise(reluGradExpr),
})

// Written with the output (y > 0 ⇔ x > 0) so the input is not needed after the forward pass:
// that leaves relu free to fuse into its producer's epilogue.
const reluPrimitive = activation('relu', unaryBodies.relu, ({ output: y, dy }) => [wrap(bind(reluGradPrimitive, [dy.node, y.node], {}))])

const leakyReluPrimitive = activation('leakyRelu', unaryBodies.leakyRelu, ({ params: { negativeSlope }, inputs: [x], output: y, dy }) =>
  // With a non-negative slope the output's sign is the input's, as for relu.
  [where(greater(negativeSlope >= 0 ? y : x, 0), dy, mul(dy, negativeSlope))],
)

const sigmoidPrimitive = activation('sigmoid', unaryBodies.sigmoid, ({ output: y, dy }) => [mul(dy, mul(y, add(neg(y), 1)))])

const geluPrimitive = activation('gelu', unaryBodies.gelu, ({ params, inputs: [x], dy }) => {
  if (params.approximate === 'tanh') {
    // d/dx ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³)
    const u = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), 0.7978845608028654)
    const t = tanh(u)
    const du = mul(add(mul(mul(x, x), 3 * 0.044715), 1), 0.7978845608028654)
    const sech2 = add(neg(mul(t, t)), 1)
    return [mul(dy, add(mul(add(t, 1), 0.5), mul(mul(mul(x, 0.5), sech2), du)))]
  }
  // Φ(x) + x·φ(x)
  const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5)
  const pdf = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI))
  return [mul(dy, add(cdf, mul(x, pdf)))]
})

// torch.nn.functional.elu: x for x > 0, α(eˣ − 1) otherwise; its gradient there is αeˣ = y + α.
const eluPrimitive = activation(
  'elu',
  (n, x, io) => `select(${io.literal(n.params.alpha, 'float32')} * (exp(${x}) - 1.0), ${x}, ${x} > 0.0)`,
  ({ params: { alpha }, inputs: [x], output: y, dy }) => [where(greater(x, 0), dy, mul(dy, add(y, alpha)))],
)

// torch.nn.functional.silu: x·σ(x); its gradient σ(x)(1 + x(1 − σ(x))). x / (1 + e⁻ˣ) is −0 rather
// than NaN where e⁻ˣ overflows.
const siluPrimitive = activation('silu', (_, x) => `${x} / (1.0 + exp(-${x}))`, ({ inputs: [x], dy }) => {
  const s = sigmoidOf(x)
  return [mul(dy, mul(s, add(mul(x, add(neg(s), 1)), 1)))]
})

// torch.nn.functional.hardswish: x·relu6(x + 3)/6; gradient 0 below −3, x/3 + ½ up to 3, 1 above.
const hardswishPrimitive = activation('hardswish', (_, x) => `${x} * clamp(${x} + 3.0, 0.0, 6.0) / 6.0`, ({ inputs: [x], dy }) => [
  where(less(x, -3), 0, where(greater(x, 3), dy, mul(dy, add(div(x, 3), 0.5)))),
])

/**
 * The activation primitives, for the registry (src/core/registry.ts). The module's default export:
 * the package entry re-exports this module with `export *`, which leaves a default export out, so
 * the definitions stay internal while a new activation needs no line outside this file.
 */
const ACTIVATIONS = {
  relu: reluPrimitive,
  leakyRelu: leakyReluPrimitive,
  sigmoid: sigmoidPrimitive,
  gelu: geluPrimitive,
  elu: eluPrimitive,
  silu: siluPrimitive,
  hardswish: hardswishPrimitive,
  reluGrad: reluGradPrimitive,
} satisfies { readonly [P in Activation | 'reluGrad']: PrimitiveDef<P> }

// ------------------------------------------------------------ the public layers

/**
 * ReLU: max(x, 0).
 *
 * @example
 * import { tensor, relu } from 'shapewise'
 * await relu(tensor([-2, 0, 3])).data() // → [0, 0, 3]
 */
export const relu = layerOf(reluPrimitive, {})

/**
 * Leaky ReLU with the given slope for negative inputs (PyTorch's default 0.01).
 *
 * @example
 * import { tensor, leakyRelu } from 'shapewise'
 * await leakyRelu({ negativeSlope: 0.1 })(tensor([-2, 0, 3])).data() // → [-0.2, 0, 3]
 */
export const leakyRelu = (options: { readonly negativeSlope?: number } = {}): Layer<SameShapeOf<'leakyRelu', 'float'>> =>
  layerOf(leakyReluPrimitive, { negativeSlope: options.negativeSlope ?? 0.01 })

/**
 * The logistic sigmoid 1 / (1 + e^−x).
 *
 * @example
 * import { tensor, sigmoid } from 'shapewise'
 * await sigmoid(tensor([0, 2])).data() // → [0.5, 0.8808]
 */
export const sigmoid = layerOf(sigmoidPrimitive, {})

/**
 * GELU with the exact erf form (PyTorch's default).
 *
 * @example
 * import { tensor, gelu } from 'shapewise'
 * await gelu(tensor([-1, 0, 1])).data() // → [-0.1587, 0, 0.8413]
 */
export const gelu = layerOf(geluPrimitive, { approximate: 'none' })

/**
 * GELU with the tanh approximation.
 *
 * @example
 * import { tensor, geluTanh } from 'shapewise'
 * await geluTanh(tensor([-1, 0, 1])).data() // → [-0.1588, 0, 0.8412]
 */
export const geluTanh = layerOf(geluPrimitive, { approximate: 'tanh' })

/**
 * ELU: x for x > 0, alpha·(eˣ − 1) otherwise (PyTorch's default alpha 1).
 *
 * @example
 * await elu()(tensor([-1, 2])).data() // Float32Array [-0.6321206, 2]
 * await elu({ alpha: 0.5 })(tensor([-1])).data() // Float32Array [-0.3160603]
 */
export const elu = (options: { readonly alpha?: number } = {}): Layer<SameShapeOf<'elu', 'float'>> => layerOf(eluPrimitive, { alpha: options.alpha ?? 1 })

/**
 * SiLU (swish): x·σ(x), as `torch.nn.functional.silu`.
 *
 * @example
 * await silu(tensor([0, 1])).data() // Float32Array [0, 0.7310586]
 */
export const silu = layerOf(siluPrimitive, {})

/**
 * Hard swish: x·relu6(x + 3)/6, as `torch.nn.functional.hardswish` (MobileNetV3).
 *
 * @example
 * await hardswish(tensor([-4, 1, 4])).data() // Float32Array [-0, 0.6666667, 4]
 */
export const hardswish = layerOf(hardswishPrimitive, {})

export default ACTIVATIONS
