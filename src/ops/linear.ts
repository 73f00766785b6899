/** Dense layers: linear (x·Wᵀ + b) and matmul with batch broadcasting. */
import type { Shape, Input, ShapeFn, Linear, Matmul, Checked, Output } from '../../types/index.ts'
import { makeNode, type DType } from '../graph.ts'
import { layer, type Layer } from '../layer.ts'
import { linearShape, matmulShape } from '../shape/layout.ts'
import { wrap, type Tensor } from '../tensor.ts'
import { splitWeights, type Weights, type WeightShape, type BiasShape } from './weights.ts'

export interface LinearFn<W extends Shape, B> extends ShapeFn {
  readonly op: 'linear'
  readonly output: Linear<Input<this>, W, B extends Shape ? B : undefined>
}
/** x [..., in] · weightᵀ [in, out] + bias [out]. */
export const linear = <const W extends Weights>(weights: W): Layer<LinearFn<WeightShape<W>, BiasShape<W>>> =>
  layer('linear', (x) => {
    const { weight, bias } = splitWeights(weights)
    const shape = linearShape(x.shape, weight.shape, bias?.shape)
    return wrap(makeNode('linear', bias ? [x.node, weight.node, bias.node] : [x.node, weight.node], {}, shape, 'float32'))
  })

export interface MatmulFn<B extends Shape> extends ShapeFn {
  readonly op: 'matmul'
  readonly output: Matmul<Input<this>, B>
}

/** Matrix product with PyTorch's rules; with one argument, the data-last layer x ↦ x·b. */
export function matmul<A extends Shape, B extends Shape>(a: Tensor<A>, b: Checked<Tensor<B>, Matmul<A, B>>): Tensor<Output<Matmul<A, B>>>
export function matmul<B extends Shape>(b: Tensor<B>): Layer<MatmulFn<B>>
export function matmul(...args: [Tensor<Shape, DType>, Tensor<Shape, DType>] | [Tensor<Shape, DType>]): unknown {
  const apply = (a: Tensor<Shape, DType>, b: Tensor<Shape, DType>) =>
    wrap(makeNode('matmul', [a.node, b.node], {}, matmulShape(a.shape, b.shape), 'float32'))
  return args.length === 2 ? apply(args[0], args[1]) : layer('matmul', (x) => apply(x, args[0]))
}
