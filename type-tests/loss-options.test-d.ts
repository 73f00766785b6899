/**
 * crossEntropy / nllLoss options: spatial inputs [N, C, d1, …] with labels [N, d1, …], probability
 * targets (crossEntropy only), a class weight of C values, ignoreIndex; each mistake at its argument.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { randn, zeros, tensor, type Tensor } from '../src/index.ts'
import { crossEntropy, nllLoss } from '../src/nn/index.ts'

const logits = randn([8, 10])
const labels = zeros([8], 'int32')
const weight = randn([10])

// class weights and ignoreIndex keep the result types
expectType<Tensor<[]>>(crossEntropy(logits, labels, { weight, ignoreIndex: 3 }))
expectType<Tensor<[8]>>(nllLoss(logits, labels, { weight, reduction: 'none' }))
//// @ts-expect-error
expectError(crossEntropy(logits, labels, { weight: randn([9]) }))
//// @ts-expect-error
expectError(nllLoss(logits, labels, { weight: zeros([10], 'int32') }))

// segmentation: [N, C, H, W] scores, [N, H, W] labels; 'none' keeps one loss per pixel
const scores = randn([2, 21, 16, 16])
const masks = zeros([2, 16, 16], 'int32')
expectType<Tensor<[]>>(crossEntropy(scores, masks, { ignoreIndex: 255 }))
expectType<Tensor<[2, 16, 16]>>(crossEntropy(scores, masks, { reduction: 'none' }))
expectType<Tensor<[2, 16, 16]>>(nllLoss(scores, masks, { reduction: 'none', weight: randn([21]) }))
expectType<Tensor<[3, 7]>>(crossEntropy(randn([3, 4, 7]), zeros([3, 7], 'int32'), { reduction: 'none' }))
//// @ts-expect-error
expectError(crossEntropy(scores, zeros([2, 16, 15], 'int32')))
//// @ts-expect-error
expectError(crossEntropy(scores, zeros([2, 21, 16, 16], 'int32')))
expectType<'crossEntropy: input [2, 21, 16, 16] needs labels [2, 16, 16], got [2, 16, 15]'>(
  {} as Parameters<typeof crossEntropy<2, 21, [16, 16], [2, 16, 15], 'int32'>>[1],
)

// probability targets: float32, shaped like the logits; crossEntropy only
expectType<Tensor<[]>>(crossEntropy(scores, randn([2, 21, 16, 16]), { labelSmoothing: 0.1, weight: randn([21]) }))
expectType<Tensor<[2, 16, 16]>>(crossEntropy(scores, randn([2, 21, 16, 16]), { reduction: 'none' }))
//// @ts-expect-error
expectError(crossEntropy(scores, randn([2, 21, 16])))
//// @ts-expect-error
expectError(nllLoss(scores, randn([2, 21, 16, 16])))
expectType<'crossEntropy: target must be int32 class indices [2, 16, 16] or float32 probabilities [2, 21, 16, 16], got float32 [2, 21, 16]'>(
  {} as Parameters<typeof crossEntropy<2, 21, [16, 16], [2, 21, 16], 'float32'>>[1],
)
expectType<'crossEntropy: target must be int32 class indices [8] or float32 probabilities [8, 10], got bool [8, 10]'>(
  {} as Parameters<typeof crossEntropy<8, 10, [], [8, 10], 'bool'>>[1],
)

// a generic batch: labels [N, H, W] for scores [N, C, H, W]
expectType<<N extends number>(s: Tensor<[N, 3, 4, 4]>, y: Tensor<[N, 4, 4], 'int32'>) => Tensor<[N, 4, 4]>>(
  <N extends number>(s: Tensor<[N, 3, 4, 4]>, y: Tensor<[N, 4, 4], 'int32'>) => crossEntropy(s, y, { reduction: 'none', weight: tensor([1, 2, 3]) as Tensor<[3]> }),
)
