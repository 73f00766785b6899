/**
 * Every op the graph can hold. The gradient rule table (src/autodiff/rules.ts)
 * is typed over this list, so an op without a VJP rule is a compile error.
 */
export const OP_NAMES = [
  // creation ('external': values produced on the device by a compiled step)
  'constant', 'external', 'fill', 'arange', 'eye', 'random',
  // convolution and pooling
  'conv1d', 'conv2d', 'convTranspose1d', 'convTranspose2d',
  'maxPool1d', 'maxPool2d', 'avgPool1d', 'avgPool2d', 'adaptiveAvgPool2d', 'globalAvgPool2d', 'globalMaxPool2d',
  'upsample', 'batchNorm2d',
  // dense
  'linear', 'matmul',
  // elementwise
  'relu', 'leakyRelu', 'sigmoid', 'tanh', 'gelu', 'exp', 'log', 'sqrt', 'abs', 'neg', 'dropout',
  'erf', 'cast', 'add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'greater', 'less', 'equal', 'where',
  // reductions
  'sum', 'mean', 'max', 'argmax', 'softmax', 'logSoftmax',
  // layout
  'reshape', 'permute', 'concat', 'pad', 'slice', 'broadcastTo',
  // autodiff and losses
  'stopGradient', 'oneHot',
  // internal: gradients that are not a composition of other ops
  'convWeightGrad', 'poolGrad', 'adaptiveAvgPool2dGrad', 'upsampleGrad',
] as const

export type OpName = (typeof OP_NAMES)[number]
