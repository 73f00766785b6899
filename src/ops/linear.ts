/** Dense layers: linear (x·Wᵀ + b) and matmul with batch broadcasting. */
import type { Shape, Input, ShapeFn, Linear, Matmul, Checked, Output, AcceptDType, ShapeError } from '../../types/index.ts'
import type { DType } from '../graph.ts'
import { bind } from '../core/bind.ts'
import { matmul as matmulOf, matmulPrimitive, reshape, sum, transposeLast } from '../core/ops.ts'
import { definePrimitive, type Cotangents } from '../core/primitive.ts'
import { lowerLinear } from './linear.wgsl.ts'
import { layer, type Layer } from '../layer.ts'
import { linearShape } from '../shape/layout.ts'
import { acceptDType } from '../shape/dtype.ts'
import { wrap, type Tensor } from '../tensor.ts'
import { splitWeights, acceptWeighted, type Weights, type WeightShape, type BiasShape } from './weights.ts'

export interface LinearFn<W extends Shape, B> extends ShapeFn {
  readonly op: 'linear'
  readonly accepts: 'float'
  readonly output: Linear<Input<this>, W, B extends Shape ? B : undefined>
}
/**
 * x [..., in] · weightᵀ [in, out] + bias [out].
 *
 * @example
 * import { tensor, linear } from 'shapewise'
 * const weight = tensor([[1, 0], [1, 1], [0, 2]]) // [out 3, in 2]
 * const y = linear({ weight, bias: tensor([0, 0, 1]) })(tensor([[1, 2]]))
 * y.shape // → [1, 3]
 * await y.data() // → [1, 3, 5]
 */
export const linear = <const W extends Weights>(weights: W): Layer<LinearFn<WeightShape<W>, BiasShape<W>>> =>
  layer('linear', (x) => {
    const { weight, bias } = splitWeights(weights)
    acceptWeighted('linear', x, weight, bias)
    return wrap(bind(linearPrimitive, bias ? [x.node, weight.node, bias.node] : [x.node, weight.node], {}))
  })

/** x [..., in] · wᵀ (+ bias [out]) as one GEMM; its gradients are matmuls of the cotangent. */
export const linearPrimitive = definePrimitive('linear', {
  shape: ([x, w, bias]) => ({ shape: linearShape(x.shape, w.shape, bias?.shape), dtype: 'float32' }),
  vjp: ({ inputs: [x, w, bias], dy }) => {
    const [out, features] = w.shape
    const rows = dy.size / out
    const dx = matmulOf(dy, w)
    const dw = matmulOf(transposeLast(reshape(dy, [rows, out])), reshape(x, [rows, features]))
    const grads: Cotangents = bias ? [dx, dw, reshape(sum(reshape(dy, [rows, out]), 0), [out])] : [dx, dw]
    return grads
  },
  lower: lowerLinear,
})

export interface MatmulFn<B extends Shape> extends ShapeFn {
  readonly op: 'matmul'
  readonly accepts: 'float'
  readonly output: Matmul<Input<this>, B>
}

/**
 * Matrix product with PyTorch's rules; with one argument, the data-last layer x ↦ x·b.
 *
 * @example
 * import { tensor, matmul } from 'shapewise'
 * const a = tensor([[1, 2], [3, 4]])
 * await matmul(a, tensor([[1], [1]])).data() // → [3, 7]
 * matmul(tensor([[1, 0], [0, 1]]))(a).shape // → [2, 2]
 */
export function matmul<A extends Shape, B extends Shape, DA extends DType = 'float32', DB extends DType = 'float32'>(
  a: Checked<Tensor<A, DA>, AcceptDType<'matmul', 'input', DA, 'float'>>,
  b: Checked<Tensor<B, DB>, AcceptDType<'matmul', 'input', DB, 'float'> extends infer E extends ShapeError<string> ? E : Matmul<A, B>>,
): Tensor<Output<Matmul<A, B>>>
export function matmul<B extends Shape>(b: Tensor<B>): Layer<MatmulFn<B>>
export function matmul(...args: [Tensor<Shape, DType>, Tensor<Shape, DType>] | [Tensor<Shape, DType>]): unknown {
  const apply = (a: Tensor<Shape, DType>, b: Tensor<Shape, DType>) => {
    acceptDType('matmul', 'input', a.dtype, 'float')
    acceptDType('matmul', 'input', b.dtype, 'float')
    return wrap(bind(matmulPrimitive, [a.node, b.node], {}))
  }
  return args.length === 2 ? apply(args[0], args[1]) : layer('matmul', (x) => apply(x, args[0]))
}
