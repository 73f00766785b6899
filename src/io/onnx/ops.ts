/**
 * One ONNX translation per shapewise forward op (opset 13–17 semantics).
 * Each converter reads the traced node (and its twin from the second trace,
 * whose sizes differ on the dynamic dims) and emits ONNX nodes; ops ONNX
 * cannot express faithfully throw OnnxExportError saying why.
 */
import type { DType, Node, NodeBase, NodeOf } from '../../graph.ts'
import type { AdaptivePoolOp, PoolOp, Primitive } from '../../core/params.ts'
import { convPadding, paddingOnAxis } from '../../shape/conv.ts'
import { axisValue } from '../../shape/errors.ts'
import { poolParams } from '../../shape/pool.ts'
import { OnnxExportError } from '../errors.ts'
import { attribute as a, type GraphBuilder } from './builder.ts'
import { interpolateResize } from './interpolate.ts'
import { ELEMENT_TYPE } from './proto.ts'

export interface OpContext<P extends Primitive = Primitive> {
  /** The node as traced at the first sizes of the dynamic dims. */
  readonly node: NodeOf<P>
  /** The same node traced at the second sizes (the node itself when no dim is dynamic). */
  readonly other: Node
  /** ONNX value names of the node's inputs. */
  readonly inputs: readonly string[]
  readonly graph: GraphBuilder
}
export type Converter<P extends Primitive = Primitive> = (c: OpContext<P>) => string

export const refuse = (op: string, why: string): never => {
  throw new OnnxExportError(op, why)
}
const same = (a: readonly unknown[], b: readonly unknown[]) => JSON.stringify(a) === JSON.stringify(b)
const range = (n: number) => Array.from({ length: n }, (_, i) => i)
const cast = (g: GraphBuilder, name: string, to: DType | 'int64') => g.add('Cast', [name], [a.int('to', ELEMENT_TYPE[to])])
/** The input names from `first` on, cast to `to` where the input's dtype differs (ONNX ops want operands of one type). */
const castInputs = (c: OpContext, to: DType, first = 0) =>
  c.inputs.slice(first).map((name, i) => (c.node.inputs[first + i].dtype === to ? name : cast(c.graph, name, to)))

// ------------------------------------------------------------ convolution and pooling

const conv: Converter<'conv1d' | 'conv2d' | 'conv3d'> = ({ node, other, inputs, graph }) => {
  const o = node.params
  const kernel = node.inputs[1].shape.slice(2)
  const axes = range(o.rank)
  const strides = axes.map((i) => axisValue(o.stride, i, 1))
  const dilations = axes.map((i) => axisValue(o.dilation, i, 1))
  const pads = (x: readonly number[]) => axes.map((i) => convPadding(x[2 + i], kernel[i], strides[i], paddingOnAxis(o.padding, i), dilations[i]))
  const [padsA, padsB] = [pads(node.inputs[0].shape), pads(other.inputs[0].shape)]
  // 'same' padding depends on the input size when the stride is above 1: ONNX's SAME_UPPER computes it at run time.
  const padding = same(padsA, padsB) ? a.ints('pads', [...padsA.map((p) => p[0]), ...padsA.map((p) => p[1])]) : a.string('auto_pad', 'SAME_UPPER')
  return graph.add('Conv', inputs, [a.ints('kernel_shape', kernel), a.ints('strides', strides), a.ints('dilations', dilations), a.int('group', o.groups ?? 1), padding])
}

const convTranspose: Converter<'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'> = ({ node, inputs, graph }) => {
  const o = node.params
  const kernel = node.inputs[1].shape.slice(2)
  const axes = range(o.rank)
  const pads = axes.map((i) => axisValue(o.padding, i, 0))
  return graph.add('ConvTranspose', inputs, [
    a.ints('kernel_shape', kernel), a.ints('strides', axes.map((i) => axisValue(o.stride, i, 1))), a.ints('dilations', axes.map((i) => axisValue(o.dilation, i, 1))),
    a.int('group', o.groups ?? 1), a.ints('pads', [...pads, ...pads]), a.ints('output_padding', axes.map((i) => axisValue(o.outputPadding, i, 0))),
  ])
}

/**
 * Pooling. ONNX's ceil mode keeps a last window that starts in the right
 * padding, PyTorch's (and shapewise's) drops it, and ONNX's shape inference
 * disagrees with ONNX Runtime there; so ceil mode is written as floor mode
 * with exactly enough end padding for the windows shapewise computes. Padding
 * never changes a max, nor an average that excludes it; an average that
 * includes it divides by the window clipped to the padded input, which is
 * what an explicit zero Pad followed by an average excluding (the remaining)
 * padding computes.
 */
const pool = (kind: 'MaxPool' | 'AveragePool', returnIndices = false): Converter<PoolOp | 'maxPoolIndices'> => ({ node, other, inputs, graph }) => {
  const o = node.params
  const axes = range(o.rank)
  const p = axes.map((i) => poolParams(o, i))
  if (kind === 'AveragePool' && p.some((q) => q.dilation !== 1)) refuse(node.op, 'AveragePool has no dilation before opset 19')
  const includePad = kind === 'AveragePool' && o.countIncludePad !== false
  const explicitPad = includePad && o.ceilMode === true && p.some((q) => q.padding > 0)
  const input = node.inputs[0].shape.slice(2).map((d, i) => d + (explicitPad ? 2 * p[i].padding : 0))
  const begin = p.map((q) => (explicitPad ? 0 : q.padding))
  const end = p.map((q, i) => {
    if (!o.ceilMode) return begin[i]
    const effective = q.dilation * (q.kernel - 1) + 1
    const needed = (node.shape[2 + i] - 1) * q.stride + effective - input[i] - begin[i]
    if (Math.floor((input[i] + begin[i] + Math.max(needed, 0) - effective) / q.stride) + 1 !== node.shape[2 + i])
      refuse(node.op, `ceil mode with stride ${q.stride} above the window ${effective} has no floor-mode equivalent`)
    return Math.max(needed, 0)
  })
  let x = inputs[0]
  if (explicitPad) {
    const zeros = [0, 0, ...p.map((q) => q.padding)]
    x = graph.add('Pad', [x, graph.int64s('pads', [...zeros, ...zeros])])
  }
  const attributes = [a.ints('kernel_shape', p.map((q) => q.kernel)), a.ints('strides', p.map((q) => q.stride)), a.ints('pads', [...begin, ...end])]
  if (kind === 'MaxPool') attributes.push(a.ints('dilations', p.map((q) => q.dilation)))
  // With the end padding widened for ceil mode, only an average without ceil mode may count padding.
  else attributes.push(a.int('count_include_pad', includePad && !o.ceilMode ? 1 : 0))
  if (!returnIndices) return graph.add(kind, [x], attributes)
  // ONNX numbers the indices over the whole N·C·spatial input (storage_order 0: row-major), shapewise
  // and PyTorch within each (n, c) plane: the plane's index is ONNX's modulo the plane's size.
  const plane = planeSize(node.op, node.inputs[0], other.inputs[0])
  const [, flat] = graph.addOutputs(kind, [x], attributes, 2)
  return cast(graph, graph.add('Mod', [flat, graph.int64('plane_size', plane)]), 'int32')
}

/** The element count of one (n, c) plane of `node`; ONNX's flat indices need it as a constant. */
const planeSize = (op: string, node: NodeBase, other: NodeBase): number => {
  const [spatial, otherSpatial] = [node.shape.slice(2), other.shape.slice(2)]
  if (!same(spatial, otherSpatial)) refuse(op, `pool indices are exported for fixed spatial sizes; [${spatial.join(', ')}] changes with the dynamic dims`)
  return spatial.reduce((p, d) => p * d, 1)
}

/**
 * maxUnpool as ONNX's MaxUnpool, whose indices count over the whole output tensor: each (n, c)
 * plane's offset, plane·size, is added to shapewise's per-plane index (the planes numbered by a
 * Range over N·C, so the batch stays dynamic). The output shape is always given explicitly.
 */
const maxUnpool: Converter<'maxUnpool1d' | 'maxUnpool2d' | 'maxUnpool3d'> = ({ node, other, inputs: [values, indices], graph }) => {
  const o = node.params
  const axes = range(o.rank)
  const kernel = axes.map((i) => axisValue(o.kernelSize, i, 1))
  const pads = axes.map((i) => axisValue(o.padding, i, 0))
  const size = planeSize(node.op, node, other)
  const batchAndChannels = graph.add('Slice', [graph.add('Shape', [values]), graph.int64s('zero', [0]), graph.int64s('two', [2])])
  const planes = graph.add('Range', [graph.int64('start', 0), graph.add('ReduceProd', [batchAndChannels], [a.int('keepdims', 0)]), graph.int64('step', 1)])
  const planeShape = graph.add('Concat', [batchAndChannels, graph.int64s('ones', axes.map(() => 1))], [a.int('axis', 0)])
  const offsets = graph.add('Mul', [graph.add('Reshape', [planes, planeShape]), graph.int64('plane_size', size)])
  const flat = graph.add('Add', [cast(graph, indices, 'int64'), offsets])
  const outputShape = graph.add('Concat', [batchAndChannels, graph.int64s('output_size', node.shape.slice(2))], [a.int('axis', 0)])
  return graph.add('MaxUnpool', [values, flat, outputShape], [
    a.ints('kernel_shape', kernel), a.ints('strides', axes.map((i) => axisValue(o.stride, i, kernel[i]))), a.ints('pads', [...pads, ...pads]),
  ])
}

/** An adaptive average pool whose bins are one fixed window (the output size divides the input's), or a global one. */
const adaptiveAvgPool: Converter<AdaptivePoolOp> = ({ node, other, inputs, graph }) => {
  const out = node.shape.slice(2)
  if (out.every((d) => d === 1)) return graph.add('GlobalAveragePool', inputs)
  const kernels = [node, other].map((n) => n.inputs[0].shape.slice(2).map((d, i) => (d % n.shape[2 + i] === 0 ? d / n.shape[2 + i] : NaN)))
  if (kernels[0].some(Number.isNaN) || !same(kernels[0], kernels[1]))
    refuse(node.op, `output size ${out.join('×')} does not divide input size ${node.inputs[0].shape.slice(2).join('×')} at every traced size, so no fixed AveragePool window matches it`)
  return graph.add('AveragePool', inputs, [a.ints('kernel_shape', kernels[0]), a.ints('strides', kernels[0])])
}

const globalReduce = (kind: 'ReduceMean' | 'ReduceMax'): Converter => ({ inputs, graph }) => graph.add(kind, inputs, [a.ints('axes', [2, 3]), a.int('keepdims', 0)])

const upsample: Converter<'upsample'> = ({ node, inputs, graph }) => {
  const o = node.params
  const mode = o.mode === 'bilinear'
    ? [a.string('mode', 'linear'), a.string('coordinate_transformation_mode', o.alignCorners ? 'align_corners' : 'pytorch_half_pixel')]
    : [a.string('mode', 'nearest'), a.string('coordinate_transformation_mode', 'asymmetric'), a.string('nearest_mode', 'floor')]
  const roi = ''
  if (o.size === undefined) {
    const scales = [1, 1, axisValue(o.scaleFactor, 0, 1), axisValue(o.scaleFactor, 1, 1)]
    const name = graph.fresh('scales')
    graph.initializer(name, 'float32', [4], Float32Array.from(scales))
    return graph.add('Resize', [inputs[0], roi, name], mode)
  }
  // A fixed output size: N and C come from the input at run time, H and W are constants.
  const shape = graph.add('Shape', [inputs[0]])
  const batchAndChannels = graph.add('Slice', [shape, graph.int64s('zero', [0]), graph.int64s('two', [2])])
  const sizes = graph.add('Concat', [batchAndChannels, graph.int64s('size', node.shape.slice(2))], [a.int('axis', 0)])
  return graph.add('Resize', [inputs[0], roi, '', sizes], mode)
}

const batchNorm2d: Converter<'batchNorm2d'> = ({ node, inputs, graph }) => {
  if (node.params.training) refuse(node.op, 'training mode normalises with batch statistics; export the model with training: false (running statistics)')
  return graph.add('BatchNormalization', inputs, [a.float('epsilon', node.params.eps)])
}

// ------------------------------------------------------------ dense

const linear: Converter = ({ node, inputs, graph }) => {
  const [x, weight, bias] = inputs
  if (node.inputs[0].shape.length === 2) return graph.add('Gemm', bias ? [x, weight, bias] : [x, weight], [a.int('transB', 1)])
  const product = graph.add('MatMul', [x, graph.add('Transpose', [weight], [a.ints('perm', [1, 0])])])
  return bias ? graph.add('Add', [product, bias]) : product
}

// ------------------------------------------------------------ elementwise

const unary = <P extends Primitive>(kind: string, attributes: (n: NodeOf<P>) => ReturnType<typeof a.int>[] = () => []): Converter<P> => ({ node, inputs, graph }) =>
  graph.add(kind, inputs, attributes(node))

/** GELU is an ONNX op only from opset 20: its formula in ONNX ops. */
const gelu: Converter<'gelu'> = ({ node, inputs: [x], graph }) => {
  const half = graph.add('Mul', [x, graph.float('half', 0.5)])
  if (node.params.approximate === 'tanh') {
    const cube = graph.add('Mul', [graph.add('Mul', [x, x]), x])
    const inner = graph.add('Mul', [graph.add('Add', [x, graph.add('Mul', [cube, graph.float('c', 0.044715)])]), graph.float('sqrt_2_over_pi', Math.sqrt(2 / Math.PI))])
    return graph.add('Mul', [half, graph.add('Add', [graph.add('Tanh', [inner]), graph.float('one', 1)])])
  }
  const erf = graph.add('Erf', [graph.add('Div', [x, graph.float('sqrt_2', Math.SQRT2)])])
  return graph.add('Mul', [half, graph.add('Add', [erf, graph.float('one', 1)])])
}

/** ONNX's opsets 13–17 have no SiLU: x·Sigmoid(x). */
const silu: Converter<'silu'> = ({ inputs: [x], graph }) => graph.add('Mul', [x, graph.add('Sigmoid', [x])])

/** HardSwish is an ONNX op from opset 14; before it, x·HardSigmoid(x) with PyTorch's slope 1/6 and offset ½. */
const hardswish: Converter<'hardswish'> = ({ inputs: [x], graph }) =>
  graph.opset >= 14
    ? graph.add('HardSwish', [x])
    : graph.add('Mul', [x, graph.add('HardSigmoid', [x], [a.float('alpha', 1 / 6), a.float('beta', 0.5)])])

const binary = (kind: string): Converter => (c) => {
  // Comparisons compare in the wider type; arithmetic computes in the result's type.
  const operandType: DType = c.node.dtype === 'bool' ? (c.node.inputs.some((n) => n.dtype === 'float32') ? 'float32' : c.node.inputs[0].dtype) : c.node.dtype
  return c.graph.add(kind, castInputs(c, operandType))
}

const where: Converter = (c) => c.graph.add('Where', [c.inputs[0], ...castInputs(c, 'float32', 1)])

// ------------------------------------------------------------ reductions

const reduce = (kind: 'ReduceSum' | 'ReduceMean' | 'ReduceMax'): Converter<'sum' | 'mean' | 'max'> => ({ node, inputs, graph }) => {
  const { axes, keepDims } = node.params
  const keep = a.int('keepdims', keepDims ? 1 : 0)
  // Opset 13 moved ReduceSum's axes to an input; ReduceMean and ReduceMax follow in opset 18.
  if (kind === 'ReduceSum') return graph.add(kind, [inputs[0], graph.int64s('axes', axes)], [keep])
  return graph.add(kind, inputs, [a.ints('axes', axes), keep])
}

const argmax: Converter<'argmax'> = ({ node, inputs, graph }) => {
  const { axes, keepDims } = node.params
  const rank = node.inputs[0].shape.length
  let index: string
  if (axes.length === 1) index = graph.add('ArgMax', inputs, [a.int('axis', axes[0]), a.int('keepdims', keepDims ? 1 : 0)])
  else if (axes.length === rank) {
    // The index into the flattened tensor, as PyTorch's argmax without a dim.
    const flat = graph.add('Reshape', [inputs[0], graph.int64s('flat', [-1])])
    index = graph.add('ArgMax', [flat], [a.int('axis', 0), a.int('keepdims', 0)])
    if (keepDims) index = graph.add('Reshape', [index, graph.int64s('ones', node.shape.map(() => 1))])
  } else return refuse(node.op, `ONNX ArgMax takes one axis, got axes ${axes.join(', ')}`)
  return cast(graph, index, 'int32')
}

const alongAxis = (kind: 'Softmax' | 'LogSoftmax'): Converter<'softmax' | 'logSoftmax'> => ({ node, inputs, graph }) => graph.add(kind, inputs, [a.int('axis', node.params.axis)])

// ------------------------------------------------------------ layout

/** A target shape whose dynamic dims are 0 (copied from the input at the same place) or a single -1. */
const runtimeShape = (op: string, node: NodeBase, other: NodeBase): number[] => {
  const [inA, inB] = [node.inputs[0].shape, other.inputs[0].shape]
  let inferred = 0
  const dims = node.shape.map((d, i) => {
    if (d === other.shape[i]) {
      if (d === 0) refuse(op, 'a static dim of size 0 would read as "copy the input dim" in ONNX Reshape')
      return d
    }
    if (inA[i] === d && inB[i] === other.shape[i]) return 0
    inferred++
    return -1
  })
  if (inferred > 1) refuse(op, `the target shape [${node.shape.join(', ')}] has ${inferred} dims that change with the dynamic input dims in different ways; ONNX Reshape can infer only one`)
  return dims
}

const reshape: Converter = ({ node, other, inputs, graph }) => graph.add('Reshape', [inputs[0], graph.int64s('shape', runtimeShape('reshape', node, other))])

const broadcastTo: Converter = ({ node, other, inputs, graph }) => {
  const [inA, inB] = [node.inputs[0].shape, other.inputs[0].shape]
  const offset = node.shape.length - inA.length
  // Expand broadcasts the input with the given shape: a 1 keeps a dynamic input dim as it is.
  const dims = node.shape.map((d, i) => {
    if (d === other.shape[i]) return d
    if (i >= offset && inA[i - offset] === d && inB[i - offset] === other.shape[i]) return 1
    return refuse('broadcastTo', `target dim ${i} changes with the dynamic input dims but the input does not carry it`)
  })
  return graph.add('Expand', [inputs[0], graph.int64s('shape', dims)])
}

const permute: Converter<'permute'> = ({ node, inputs, graph }) => graph.add('Transpose', inputs, [a.ints('perm', node.params.dims)])

const concat: Converter<'concat'> = ({ node, inputs, graph }) => graph.add('Concat', inputs, [a.int('axis', node.params.axis)])

const pad: Converter<'pad'> = ({ node, inputs, graph }) => {
  const pads = node.params.pads
  const rank = node.shape.length
  const all = range(rank).map((i) => pads[i] ?? [0, 0])
  const value = graph.fresh('pad_value')
  graph.initializer(value, node.dtype, [], node.dtype === 'float32' ? Float32Array.of(node.params.value) : Int32Array.of(node.params.value))
  return graph.add('Pad', [inputs[0], graph.int64s('pads', [...all.map((p) => p[0]), ...all.map((p) => p[1])]), value])
}

const slice: Converter<'slice'> = ({ node, inputs, graph }) => {
  const spec = node.params
  const rank = node.shape.length
  const axes = range(rank).filter((i) => spec.start[i] !== undefined || spec.end[i] !== undefined || (spec.step?.[i] ?? 1) !== 1)
  // ONNX Slice clamps like Python; INT64_MAX is "to the end" whatever the size.
  const end = 2 ** 62
  return graph.add('Slice', [
    inputs[0], graph.int64s('starts', axes.map((i) => spec.start[i] ?? 0)), graph.int64s('ends', axes.map((i) => spec.end[i] ?? end)),
    graph.int64s('axes', axes), graph.int64s('steps', axes.map((i) => spec.step?.[i] ?? 1)),
  ])
}

const oneHot: Converter<'oneHot'> = ({ node, inputs, graph }) => {
  const values = graph.fresh('on_off')
  graph.initializer(values, 'float32', [2], Float32Array.of(0, 1))
  const { classes, ignoreIndex } = node.params
  // OneHot gives an all-zero row for an index outside [-depth, depth - 1]: ignored labels become `classes`.
  let labels = inputs[0]
  if (ignoreIndex !== undefined) {
    const [ignored, outside] = [graph.fresh('ignore_index'), graph.fresh('classes')]
    graph.initializer(ignored, 'int32', [], Int32Array.of(ignoreIndex))
    graph.initializer(outside, 'int32', [], Int32Array.of(classes))
    labels = graph.add('Where', [graph.add('Equal', [labels, ignored]), outside, labels])
  }
  // ONNX Runtime's OneHot takes int64 indices.
  return graph.add('OneHot', [cast(graph, labels, 'int64'), graph.int64s('depth', [classes]), values], [a.int('axis', -1)])
}

const notForward = 'is a gradient op, not part of a forward pass; export the forward function'

/**
 * Each primitive's converter, or why it cannot be exported (creation ops never reach here: they are
 * folded into initializers). A primitive missing here is refused as having no ONNX translation yet.
 */
export const CONVERTERS: { readonly [P in Primitive]?: Converter<P> | string } = {
  constant: 'folded into an initializer', external: 'folded into an initializer', fill: 'folded into an initializer',
  arange: 'folded into an initializer', eye: 'folded into an initializer', random: 'folded into an initializer',
  conv1d: conv, conv2d: conv, conv3d: conv, convTranspose1d: convTranspose, convTranspose2d: convTranspose, convTranspose3d: convTranspose,
  maxPool1d: pool('MaxPool'), maxPool2d: pool('MaxPool'), maxPool3d: pool('MaxPool'), maxPoolIndices: pool('MaxPool', true),
  maxUnpool1d: maxUnpool, maxUnpool2d: maxUnpool, maxUnpool3d: maxUnpool,
  avgPool1d: pool('AveragePool'), avgPool2d: pool('AveragePool'), avgPool3d: pool('AveragePool'),
  adaptiveAvgPool2d: adaptiveAvgPool, adaptiveAvgPool3d: adaptiveAvgPool, globalAvgPool2d: globalReduce('ReduceMean'), globalMaxPool2d: globalReduce('ReduceMax'),
  upsample, interpolate: interpolateResize, batchNorm2d,
  linear, matmul: ({ inputs, graph }) => graph.add('MatMul', inputs),
  relu: unary('Relu'), leakyRelu: unary<'leakyRelu'>('LeakyRelu', (n) => [a.float('alpha', n.params.negativeSlope)]), sigmoid: unary('Sigmoid'),
  elu: unary<'elu'>('Elu', (n) => [a.float('alpha', n.params.alpha)]), silu, hardswish,
  tanh: unary('Tanh'), gelu, exp: unary('Exp'), log: unary('Log'), sqrt: unary('Sqrt'), abs: unary('Abs'), neg: unary('Neg'), erf: unary('Erf'),
  dropout: 'dropout in training mode draws a random mask; build the model with training: false for export (inference dropout is the identity)',
  add: binary('Add'), sub: binary('Sub'), mul: binary('Mul'), div: binary('Div'), maximum: binary('Max'), minimum: binary('Min'), pow: binary('Pow'),
  greater: binary('Greater'), less: binary('Less'), equal: binary('Equal'), where,
  sum: reduce('ReduceSum'), mean: reduce('ReduceMean'), max: reduce('ReduceMax'), argmax, softmax: alongAxis('Softmax'), logSoftmax: alongAxis('LogSoftmax'),
  reshape, permute, concat, pad, slice, broadcastTo,
  stopGradient: unary('Identity'), oneHot,
  cast: ({ node, inputs, graph }) => cast(graph, inputs[0], node.dtype),
  convWeightGrad: notForward, poolGrad: notForward, maxUnpoolGrad: notForward, adaptiveAvgPoolGrad: notForward, upsampleGrad: notForward, interpolateGrad: notForward, batchNormGradStats: notForward, batchNormInputGrad: notForward,
}
