/** shapewise/nn: losses, parameter initialisers, parameter trees and model summaries. */
export { crossEntropy, nllLoss, mseLoss, binaryCrossEntropyWithLogits, type Reduction, type LossOptions, type CrossEntropyOptions } from './losses.ts'
export { conv1dParams, conv2dParams, conv3dParams, convTranspose2dParams, convTranspose3dParams, linearParams, batchNorm2dParams, type InitName, type InitOptions } from './init.ts'
export { summary } from './summary.ts'
export { batchNorm2dRunningStats, type RunningStats } from './batch-norm.ts'
export { layerNormParams, groupNormParams, instanceNorm2dParams } from './norm-params.ts'
export { assertFiniteLoss, NonFiniteLossError } from './guards.ts'
export { flattenTree, mapTree, zipTrees, countParameters, leaves, type Tree, type AnyTensor, type MapLeaves } from '../tree.ts'
