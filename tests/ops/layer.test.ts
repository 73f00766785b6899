/** layer, sequential and residual: composing layers, and which layer a run-time failure names. */
import { describe, expect, it } from 'vitest'
import { pipe } from 'fp-ts/lib/function.js'
import {
  layer, sequential, residual, concatBranches, skip, pipe as shapewisePipe, conv2d, convTranspose2d, maxPool2d, relu, flatten, linear, add, concat, zeros, randn,
  type Tensor, type Layer, type DType,
} from '../../src/index.ts'
import type { SameShape, Shape, ShapeFn, ApplyShape, ShapeError } from '../../types/index.ts'
import { messageOf, unknownShape, expectNode } from '../helpers/shapes.ts'

const lenetParams = {
  c1: { weight: randn([6, 1, 5, 5], { seed: 1 }), bias: randn([6], { seed: 2 }) },
  c2: { weight: randn([16, 6, 5, 5], { seed: 3 }), bias: randn([16], { seed: 4 }) },
  f1: { weight: randn([120, 400], { seed: 5 }), bias: randn([120], { seed: 6 }) },
  f2: { weight: randn([10, 120], { seed: 7 }), bias: randn([10], { seed: 8 }) },
}
const p = lenetParams
const lenet = sequential(
  conv2d(p.c1, { padding: 2 }), relu, maxPool2d({ kernelSize: 2 }),
  conv2d(p.c2), relu, maxPool2d({ kernelSize: 2 }),
  flatten, linear(p.f1), relu, linear(p.f2),
)

describe('layer', () => {
  it('wraps a tensor function with its op name', () => {
    const double: Layer<SameShape<'double'>> = layer<SameShape<'double'>>('double', (x) => add(x, x))
    expect(double.op).toBe('double')
    const x = zeros([2, 3])
    const y: Tensor<[2, 3]> = double(x)
    expectNode(y, { op: 'add', inputs: [x, x], shape: [2, 3] })
  })
})

describe('sequential', () => {
  it('composes the shape rules: LeNet-5 [N, 1, 28, 28] → [N, 10]', () => {
    expect(lenet.op).toBe('sequential')
    const x = zeros([64, 1, 28, 28])
    const logits: Tensor<[64, 10]> = lenet(x)
    expect(logits.shape).toEqual([64, 10])
    expect(logits.node.op).toBe('linear')
    // The same graph as the layers applied one by one with pipe.
    const piped = pipe(
      x, conv2d(p.c1, { padding: 2 }), relu, maxPool2d({ kernelSize: 2 }), conv2d(p.c2), relu, maxPool2d({ kernelSize: 2 }),
      flatten, linear(p.f1), relu, linear(p.f2),
    )
    expect(piped.shape).toEqual(logits.shape)
    // Walk back through the graph: the op names of the chain, last first.
    const ops: string[] = []
    for (let n = logits.node; n.inputs.length > 0; n = n.inputs[0]) ops.push(n.op)
    expect(ops.reverse()).toEqual(['conv2d', 'relu', 'maxPool2d', 'conv2d', 'relu', 'maxPool2d', 'reshape', 'linear', 'relu', 'linear'])
  })

  it('a batch of unknown size flows through', () => {
    const y = lenet(unknownShape(zeros([7, 1, 28, 28])))
    expect(y.shape).toEqual([7, 10])
  })

  it('a run-time failure names the layer index and op, then the op’s own message', () => {
    const wrongChannels = unknownShape(zeros([64, 3, 28, 28]))
    expect(messageOf(() => lenet(wrongChannels))).toBe(
      'sequential: layer 0 (conv2d) does not fit: conv2d: input has 3 channels but weight expects 1',
    )
    // 32×32 input: conv5 p2 → 32, pool → 16, conv5 → 12, pool → 6, flatten → 576 ≠ 400.
    expect(messageOf(() => lenet(unknownShape(zeros([1, 1, 32, 32]))))).toBe(
      'sequential: layer 7 (linear) does not fit: linear: input has 576 features but weight expects 400',
    )
  })

  it('the same failure on a known shape is a compile error', () => {
    // @ts-expect-error sequential: layer 0 (conv2d) does not fit: conv2d: input has 3 channels but weight expects 1
    expect(messageOf(() => lenet(zeros([64, 3, 28, 28])))).toBe('sequential: layer 0 (conv2d) does not fit: conv2d: input has 3 channels but weight expects 1')
  })

  it('nests: the outer message wraps the inner one', () => {
    const block = sequential(conv2d(zeros([4, 2, 3, 3]), { padding: 1 }), relu)
    const net = sequential(relu, block)
    expect(net(zeros([1, 2, 5, 5])).shape).toEqual([1, 4, 5, 5])
    expect(messageOf(() => net(unknownShape(zeros([1, 3, 5, 5]))))).toBe(
      'sequential: layer 1 (sequential) does not fit: sequential: layer 0 (conv2d) does not fit: conv2d: input has 3 channels but weight expects 2',
    )
  })

  it('non-shape errors pass through unchanged; no layers is the identity', () => {
    const boom = layer<SameShape<'boom'>>('boom', () => {
      throw new RangeError('boom')
    })
    expect(() => sequential(relu, boom)(zeros([1]))).toThrow(RangeError)
    const x = zeros([2])
    expect(sequential()(x)).toBe(x)
  })
})

describe('residual', () => {
  it('main(x) + x, an add node with both branches as inputs', () => {
    const main = sequential(conv2d(zeros([4, 4, 3, 3]), { padding: 1 }), relu)
    const block = residual(main)
    expect(block.op).toBe('residual')
    const x = zeros([2, 4, 8, 8])
    const y: Tensor<[2, 4, 8, 8]> = block(x)
    expect(y.node.op).toBe('add')
    expect(y.shape).toEqual([2, 4, 8, 8])
    expect(y.node.inputs[1]).toBe(x.node)
    expect(y.node.inputs[0].op).toBe('relu')
  })

  it('with a projection shortcut', () => {
    const block = residual(conv2d(zeros([8, 4, 3, 3]), { padding: 1, stride: 2 }), conv2d(zeros([8, 4, 1, 1]), { stride: 2 }))
    const x = zeros([2, 4, 8, 8])
    const y: Tensor<[2, 8, 4, 4]> = block(x)
    expect(y.shape).toEqual([2, 8, 4, 4])
    expect(y.node.inputs.map((n) => n.op)).toEqual(['conv2d', 'conv2d'])
  })

  it('branches that do not broadcast are named', () => {
    const block = residual(conv2d(zeros([8, 4, 3, 3]), { padding: 1 }))
    expect(messageOf(() => block(unknownShape(zeros([2, 4, 8, 8]))))).toBe('residual: shapes [2, 8, 8, 8] and [2, 4, 8, 8] cannot be broadcast')
  })
})

/** The message, checked by the compiler to be the type-level rule's own text for that layer and input. */
const typeLevel = <F extends ShapeFn, S extends Shape>(_layer: Layer<F, DType | 'same'>, _input: Tensor<S>, message: ApplyShape<F, S> extends ShapeError<infer M> ? M : never) => message

describe('concatBranches', () => {
  const inception = concatBranches(
    conv2d(zeros([4, 3, 1, 1])),
    sequential(conv2d(zeros([2, 3, 1, 1])), relu, conv2d(zeros([6, 2, 3, 3]), { padding: 1 })),
    sequential(maxPool2d({ kernelSize: 3, stride: 1, padding: 1 }), conv2d(zeros([5, 3, 1, 1]))),
  )

  it('applies every branch to the same input and concatenates them on the channels', () => {
    expect(inception.op).toBe('concatBranches')
    const x = zeros([2, 3, 8, 8])
    const y: Tensor<[2, 15, 8, 8]> = inception(x)
    expect(y.shape).toEqual([2, 15, 8, 8])
    expect(y.node.op).toBe('concat')
    expect(y.node.params).toMatchObject({ axis: 1 })
    expect(y.node.inputs.map((n) => n.op)).toEqual(['conv2d', 'conv2d', 'conv2d'])
    expect(y.node.inputs.map((n) => n.shape)).toEqual([[2, 4, 8, 8], [2, 6, 8, 8], [2, 5, 8, 8]])
    // the first branch reads x itself; the pool branch starts from x too
    expect(y.node.inputs[0].inputs[0]).toBe(x.node)
    expect(y.node.inputs[2].inputs[0].inputs[0]).toBe(x.node)
  })

  it('builds the same node as concat of the branches applied by hand', () => {
    const a = conv2d(zeros([4, 3, 1, 1]))
    const b = relu
    const x = zeros([2, 3, 8, 8])
    const block = concatBranches(a, b)(x)
    const byHand = concat([a(x), b(x)], 1)
    expect(block.shape).toEqual(byHand.shape)
    expect(block.node.op).toBe(byHand.node.op)
    expect(block.node.params).toEqual(byHand.node.params)
    expect(block.node.inputs.map((n) => n.op)).toEqual(byHand.node.inputs.map((n) => n.op))
  })

  it('a branch that does not fit is named by index and op; branches that disagree outside the channels are refused', () => {
    expect(messageOf(() => inception(unknownShape(zeros([2, 4, 8, 8]))))).toBe(
      typeLevel(inception, zeros([2, 4, 8, 8]), 'concatBranches: branch 0 (conv2d) does not fit: conv2d: input has 4 channels but weight expects 3'),
    )
    const strided = concatBranches(conv2d(zeros([4, 3, 1, 1])), conv2d(zeros([4, 3, 1, 1]), { stride: 2 }))
    expect(messageOf(() => strided(unknownShape(zeros([2, 3, 8, 8]))))).toBe(
      typeLevel(strided, zeros([2, 3, 8, 8]), 'concatBranches: concat: shapes [2, 4, 8, 8] and [2, 4, 4, 4] differ outside axis 1'),
    )
    // no branches is wrong whatever the input: a compile error even on an unknown shape
    // @ts-expect-error concatBranches: concat: needs at least one tensor
    expect(messageOf(() => concatBranches()(unknownShape(zeros([2, 3]))))).toBe('concatBranches: concat: needs at least one tensor')
  })
})

describe('skip', () => {
  // one U-Net level: down by a pool and a conv, back up by a transposed conv
  const inner = sequential(maxPool2d({ kernelSize: 2 }), conv2d(zeros([8, 4, 3, 3]), { padding: 1 }), convTranspose2d(zeros([8, 4, 2, 2]), { stride: 2 }))

  it("'concat': [x, inner(x)] on the channels, the U-Net skip", () => {
    const level = skip(inner, 'concat')
    expect(level.op).toBe('skip')
    const x = zeros([2, 4, 16, 16])
    const y: Tensor<[2, 8, 16, 16]> = level(x)
    expect(y.shape).toEqual([2, 8, 16, 16])
    expect(y.node.op).toBe('concat')
    expect(y.node.params).toMatchObject({ axis: 1 })
    expect(y.node.inputs[0]).toBe(x.node)
    expect(y.node.inputs[1].op).toBe('convTranspose2d')
  })

  it("'add': x + inner(x)", () => {
    const y: Tensor<[2, 4, 16, 16]> = skip(inner, 'add')(zeros([2, 4, 16, 16]))
    expect(y.node.op).toBe('add')
    expect(y.shape).toEqual([2, 4, 16, 16])
  })

  it('skips nest into a U-Net and stay layers', () => {
    const level2 = skip(sequential(maxPool2d({ kernelSize: 2 }), conv2d(zeros([8, 8, 3, 3]), { padding: 1 }), convTranspose2d(zeros([8, 8, 2, 2]), { stride: 2 })), 'concat')
    const unet = sequential(
      conv2d(zeros([8, 1, 3, 3]), { padding: 1 }),
      skip(sequential(maxPool2d({ kernelSize: 2 }), level2, conv2d(zeros([8, 16, 3, 3]), { padding: 1 }), convTranspose2d(zeros([8, 8, 2, 2]), { stride: 2 })), 'concat'),
      conv2d(zeros([2, 16, 1, 1])),
    )
    const y: Tensor<[3, 2, 32, 32]> = unet(zeros([3, 1, 32, 32]))
    expect(y.shape).toEqual([3, 2, 32, 32])
  })

  it('failures name the skip: the inner block, or a merge that does not fit', () => {
    const concatSkip = skip(inner, 'concat')
    const addSkip = skip(inner, 'add')
    expect(messageOf(() => concatSkip(unknownShape(zeros([2, 3, 16, 16]))))).toBe(
      typeLevel(concatSkip, zeros([2, 3, 16, 16]), 'skip: inner block does not fit: sequential: layer 1 (conv2d) does not fit: conv2d: input has 3 channels but weight expects 4'),
    )
    // 15×15: pooled to 7×7, back up to 14×14
    expect(messageOf(() => concatSkip(unknownShape(zeros([2, 4, 15, 15]))))).toBe(
      typeLevel(concatSkip, zeros([2, 4, 15, 15]), 'skip: concat: shapes [2, 4, 15, 15] and [2, 4, 14, 14] differ outside axis 1'),
    )
    expect(messageOf(() => addSkip(unknownShape(zeros([2, 4, 15, 15]))))).toBe(
      typeLevel(addSkip, zeros([2, 4, 15, 15]), 'skip: shapes [2, 4, 15, 15] and [2, 4, 14, 14] cannot be broadcast'),
    )
  })

  it('a merge other than concat or add is refused when the block is built', () => {
    expect(() => skip(inner, 'mul' as 'add')).toThrow("skip: merge must be 'concat' or 'add', got \"mul\"")
  })
})

describe('pipe', () => {
  it('applies the steps left to right: the same graph as the layers applied one by one', () => {
    const x = zeros([2, 1, 28, 28])
    const y: Tensor<[2, 16, 5, 5]> = shapewisePipe(x, conv2d(p.c1, { padding: 2 }), relu, maxPool2d({ kernelSize: 2 }), conv2d(p.c2), relu, maxPool2d({ kernelSize: 2 }))
    const byHand = maxPool2d({ kernelSize: 2 })(relu(conv2d(p.c2)(maxPool2d({ kernelSize: 2 })(relu(conv2d(p.c1, { padding: 2 })(x))))))
    expect(y.shape).toEqual(byHand.shape)
    const ops = (t: Tensor<Shape>) => {
      const names: string[] = []
      for (let n = t.node; n.inputs.length > 0; n = n.inputs[0]) names.push(n.op)
      return names
    }
    expect(ops(y)).toEqual(ops(byHand))
  })

  it('takes plain functions and non-tensor values; no steps gives the value back', () => {
    expect(shapewisePipe(1, (n: number) => n + 1, (n: number) => n * 10)).toBe(20)
    const x = zeros([2, 3])
    expect(shapewisePipe(x)).toBe(x)
    expect(shapewisePipe(x, (t: Tensor<[2, 3]>) => add(t, t)).node.op).toBe('add')
  })

  it('a layer that does not fit an unknown shape fails at run time with the rule’s message', () => {
    expect(messageOf(() => shapewisePipe(unknownShape(zeros([2, 3, 28, 28])), relu, conv2d(p.c1)))).toBe('conv2d: input has 3 channels but weight expects 1')
  })
})
