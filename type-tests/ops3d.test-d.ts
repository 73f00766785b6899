/**
 * The 3-D ops' shape rules (src/shape/conv.ts, src/shape/pool.ts at rank 3), pinned the way the
 * 2-D ones are in conv.test-d.ts and pool.test-d.ts: hand-computed output sizes as exact types
 * (PyTorch's formulas on every one of D, H and W), and each refused configuration twice: it must
 * not compile (expectError), and the parameter type it turns into is the exact message
 * (expectType on `errorOf`), the text the run-time twin throws.
 *
 * `//// @ts-expect-error` above an `expectError(...)`: see type-tests/README.md.
 */
import { expectType, expectError } from 'tsd'
import { randn, ones, conv3d, convTranspose3d, maxPool3d, avgPool3d, adaptiveAvgPool3d, relu, flatten, linear, pipe, type Tensor } from '../src/index.ts'
import { conv3dParams, convTranspose3dParams } from '../src/nn/index.ts'
import { errorOf } from './error-of.ts'

// ------------------------------------------------------------------ conv3d: hand-computed sizes
{
  const clip = randn([2, 3, 16, 32, 32])
  // The lesson's rule on each axis: kernel 3, padding 1, stride 2 on 16×32×32:
  // ⌊(16 + 2·1 − 3) / 2⌋ + 1 = 8, ⌊(32 + 2 − 3) / 2⌋ + 1 = 16 → 8×16×16.
  expectType<Tensor<[2, 8, 8, 16, 16]>>(conv3d(randn([8, 3, 3, 3, 3]), { padding: 1, stride: 2 })(clip))
  // No padding: 16 − 3 + 1 = 14, 32 − 3 + 1 = 30.
  expectType<Tensor<[2, 8, 14, 30, 30]>>(conv3d(randn([8, 3, 3, 3, 3]))(clip))
  // Per-axis options: space only (kernel 1×3×3, padding (0, 1, 1), stride (1, 2, 2)) keeps the 16 frames.
  expectType<Tensor<[2, 8, 16, 16, 16]>>(conv3d(randn([8, 3, 1, 3, 3]), { padding: [0, 1, 1], stride: [1, 2, 2] })(clip))
  // Dilation 2 makes kernel 3 span 5: 16 − 5 + 1 = 12, 32 − 5 + 1 = 28.
  expectType<Tensor<[2, 8, 12, 28, 28]>>(conv3d(randn([8, 3, 3, 3, 3]), { dilation: 2 })(clip))
  // Mixed per-axis: D ⌊(16 + 2 − 5) / 3⌋ + 1 = 5, H ⌊(32 − 2) / 1⌋ + 1 = 31, W ⌊(32 + 4 − 7) / 4⌋ + 1 = 8.
  expectType<Tensor<[2, 8, 5, 31, 8]>>(conv3d(randn([8, 3, 5, 2, 7]), { padding: [1, 0, 2], stride: [3, 1, 4] })(clip))
  // 'same' at stride 1 keeps every size (odd and even kernels), and is ⌈in / stride⌉ beyond.
  expectType<Tensor<[2, 8, 16, 32, 32]>>(conv3d(randn([8, 3, 3, 3, 3]), { padding: 'same' })(clip))
  expectType<Tensor<[2, 8, 16, 32, 32]>>(conv3d(randn([8, 3, 4, 2, 3]), { padding: 'same', dilation: 2 })(clip))
  expectType<Tensor<[2, 8, 8, 16, 16]>>(conv3d(randn([8, 3, 3, 3, 3]), { padding: 'same', stride: 2 })(clip))
  expectType<Tensor<[1, 4, 4, 3, 3]>>(conv3d(randn([4, 3, 3, 3, 3]), { padding: 'same', stride: [2, 3, 4] })(randn([1, 3, 7, 9, 11])))
  expectType<Tensor<[2, 8, 14, 30, 30]>>(conv3d(randn([8, 3, 3, 3, 3]), { padding: 'valid' })(clip))
  // Groups and bias: 4 input channels as 2 groups of 2; depthwise.
  expectType<Tensor<[1, 6, 4, 4, 4]>>(conv3d({ weight: randn([6, 2, 3, 3, 3]), bias: randn([6]) }, { groups: 2 })(randn([1, 4, 6, 6, 6])))
  expectType<Tensor<[1, 4, 3, 3, 3]>>(conv3d(randn([4, 1, 3, 3, 3]), { groups: 4, stride: 2, padding: 1 })(randn([1, 4, 6, 6, 6])))
  // A one-element tuple is that value on every axis.
  expectType<Tensor<[2, 8, 8, 16, 16]>>(conv3d(randn([8, 3, 3, 3, 3]), { padding: [1], stride: [2] })(clip))
}

// C3D's first block with a generic batch: conv 3×3×3 (padding 1), then pool space only.
{
  const c1 = { weight: randn([64, 3, 3, 3, 3]), bias: randn([64]) }
  const fc = { weight: randn([10, 64 * 16 * 56 * 56]), bias: randn([10]) }
  const c3d = <N extends number>(x: Tensor<[N, 3, 16, 112, 112]>) =>
    pipe(x, conv3d(c1, { padding: 1 }), relu, maxPool3d({ kernelSize: [1, 2, 2] }), flatten, linear(fc))
  expectType<Tensor<[8, 10]>>(c3d(randn([8, 3, 16, 112, 112])))
  const features = <N extends number>(x: Tensor<[N, 3, 16, 112, 112]>) => pipe(x, conv3d(c1, { padding: 1 }), maxPool3d({ kernelSize: [1, 2, 2] }))
  expectType<Tensor<[4, 64, 16, 56, 56]>>(features(randn([4, 3, 16, 112, 112])))
}

// shapewise/nn's initialisers give the weights their exact shapes, so a model built from them is checked too.
{
  const c = conv3dParams({ inChannels: 3, outChannels: 64, kernelSize: [1, 3, 3] })
  expectType<{ weight: Tensor<[64, 3, 1, 3, 3]>; bias: Tensor<[64]> }>(c)
  expectType<Tensor<[2, 64, 16, 32, 32]>>(conv3d(c, { padding: [0, 1, 1] })(randn([2, 3, 16, 32, 32])))
  const t = convTranspose3dParams({ inChannels: 16, outChannels: 8, kernelSize: 4, groups: 2, bias: false })
  expectType<{ weight: Tensor<[16, 4, 4, 4, 4]> }>(t)
  expectType<Tensor<[1, 8, 8, 8, 8]>>(convTranspose3d(t, { stride: 2, padding: 1, groups: 2 })(randn([1, 16, 4, 4, 4])))
  const wrong = conv3dParams({ inChannels: 1, outChannels: 8, kernelSize: 3 })
  expectType<'conv3d: input has 3 channels but weight expects 1'>(errorOf(conv3d(wrong), randn([2, 3, 16, 32, 32])))
}

// ------------------------------------------------------------------ convTranspose3d: hand-computed sizes
{
  // Kernel 4, stride 2, padding 1: (4 − 1)·2 − 2 + 3 + 1 = 8 on every axis (a 3-D DCGAN step).
  expectType<Tensor<[1, 8, 8, 8, 8]>>(convTranspose3d(randn([16, 8, 4, 4, 4]), { stride: 2, padding: 1 })(randn([1, 16, 4, 4, 4])))
  // The plain transposed conv: (in − 1) + k.
  expectType<Tensor<[1, 2, 5, 6, 7]>>(convTranspose3d(randn([3, 2, 3, 3, 3]))(randn([1, 3, 3, 4, 5])))
  // Per-axis: D (3 − 1)·2 − 2 + 2 + 1 + 1 = 6, H (4 − 1)·1 − 0 + 2 + 0 + 1 = 6, W (5 − 1)·3 − 2 + 4 + 2 + 1 = 17.
  expectType<Tensor<[1, 4, 6, 6, 17]>>(
    convTranspose3d(randn([2, 4, 3, 3, 3]), { stride: [2, 1, 3], padding: [1, 0, 1], outputPadding: [1, 0, 2], dilation: [1, 1, 2] })(randn([1, 2, 3, 4, 5])),
  )
  // Groups: [Ci, Co/groups, …] with 2 groups gives 2·3 output channels.
  expectType<Tensor<[1, 6, 5, 5, 5]>>(convTranspose3d({ weight: randn([4, 3, 3, 3, 3]), bias: randn([6]) }, { groups: 2, stride: 2, padding: 1 })(randn([1, 4, 3, 3, 3])))
}

// ------------------------------------------------------------------ pools: hand-computed sizes
{
  const clip = randn([2, 64, 16, 112, 112])
  // The stride defaults to the kernel size.
  expectType<Tensor<[2, 64, 8, 56, 56]>>(maxPool3d({ kernelSize: 2 })(clip))
  expectType<Tensor<[2, 64, 16, 56, 56]>>(maxPool3d({ kernelSize: [1, 2, 2] })(clip))
  expectType<Tensor<[2, 64, 8, 56, 56]>>(avgPool3d({ kernelSize: 2 })(clip))
  // Kernel 3, stride 2, padding 1: ⌊(16 + 2 − 3) / 2⌋ + 1 = 8, ⌊(112 + 2 − 3) / 2⌋ + 1 = 56.
  expectType<Tensor<[2, 64, 8, 56, 56]>>(maxPool3d({ kernelSize: 3, stride: 2, padding: 1 })(clip))
  expectType<Tensor<[2, 64, 8, 56, 56]>>(avgPool3d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false })(clip))
  // Dilation 2 with kernel 3 spans 5: D ⌊(16 − 5) / 1⌋ + 1 = 12.
  expectType<Tensor<[2, 64, 12, 108, 108]>>(maxPool3d({ kernelSize: 3, stride: 1, dilation: 2 })(clip))
  // ceilMode: 7 with kernel 2 is 3 floored, 4 ceiled, on every axis.
  const odd = randn([1, 1, 7, 7, 7])
  expectType<Tensor<[1, 1, 3, 3, 3]>>(maxPool3d({ kernelSize: 2 })(odd))
  expectType<Tensor<[1, 1, 4, 4, 4]>>(maxPool3d({ kernelSize: 2, ceilMode: true })(odd))
  expectType<Tensor<[1, 1, 4, 3, 4]>>(avgPool3d({ kernelSize: [2, 3, 2], ceilMode: true })(odd))
  // PyTorch's last-window rule: 5, kernel 2, stride 2, padding 1, ceil: ⌈(7 − 2) / 2⌉ + 1 = 4, but (4 − 1)·2 = 6 ≥ 5 + 1, so 3.
  expectType<Tensor<[1, 1, 3, 3, 3]>>(maxPool3d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true })(randn([1, 1, 5, 5, 5])))
  expectType<Tensor<[1, 1, 3, 3, 3]>>(avgPool3d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true })(randn([1, 1, 5, 5, 5])))
}
{
  // adaptiveAvgPool3d: the output size whatever the input size; one number is every axis.
  expectType<Tensor<[2, 512, 1, 1, 1]>>(adaptiveAvgPool3d(1)(randn([2, 512, 4, 7, 7])))
  expectType<Tensor<[2, 512, 2, 3, 4]>>(adaptiveAvgPool3d([2, 3, 4])(randn([2, 512, 4, 7, 7])))
  expectType<Tensor<[2, 512, 5, 5, 5]>>(adaptiveAvgPool3d([5])(randn([2, 512, 4, 7, 7])))
  const head = <N extends number>(x: Tensor<[N, 512, 4, 7, 7]>) => pipe(x, adaptiveAvgPool3d(1), flatten)
  expectType<Tensor<[3, 512]>>(head(randn([3, 512, 4, 7, 7])))
}

// ================================================================== refused configurations
const clip = randn([2, 3, 16, 32, 32])

// wrong channel count (and with groups, the expected count says why)
{
  const c = conv3d(randn([8, 1, 3, 3, 3]))
  expectType<'conv3d: input has 3 channels but weight expects 1'>(errorOf(c, clip))
  //// @ts-expect-error
  expectError(c(clip))
  const g = conv3d(randn([8, 2, 3, 3, 3]), { groups: 2 })
  expectType<'conv3d: input has 3 channels but weight expects 4 (groups 2 × 2 channels per group)'>(errorOf(g, clip))
  //// @ts-expect-error
  expectError(g(clip))
  const t = convTranspose3d(randn([16, 8, 4, 4, 4]))
  expectType<'convTranspose3d: input has 3 channels but weight expects 16'>(errorOf(t, clip))
  //// @ts-expect-error
  expectError(t(clip))
}

// channels not divisible by groups, bias of the wrong size
{
  const g = conv3d(randn([6, 1, 3, 3, 3]), { groups: 4 })
  expectType<'conv3d: 6 output channels are not divisible by groups 4'>(errorOf(g, randn([1, 4, 8, 8, 8])))
  //// @ts-expect-error
  expectError(g(randn([1, 4, 8, 8, 8])))
  const t = convTranspose3d(randn([6, 2, 3, 3, 3]), { groups: 4 })
  expectType<'convTranspose3d: 6 input channels are not divisible by groups 4'>(errorOf(t, randn([1, 6, 4, 4, 4])))
  //// @ts-expect-error
  expectError(t(randn([1, 6, 4, 4, 4])))
  const b = conv3d({ weight: randn([8, 3, 3, 3, 3]), bias: randn([4]) })
  expectType<'conv3d: bias has 4 values but weight has 8 output channels'>(errorOf(b, clip))
  //// @ts-expect-error
  expectError(b(clip))
}

// a kernel larger than the padded input, on one axis only
{
  const deep = conv3d(randn([8, 3, 5, 3, 3]))
  const thin = randn([2, 3, 4, 32, 32])
  expectType<'conv3d: kernel 5 exceeds padded input 4'>(errorOf(deep, thin))
  //// @ts-expect-error
  expectError(deep(thin))
  // padding 1 makes it fit: 4 + 2 − 5 + 1 = 2
  expectType<Tensor<[2, 8, 2, 32, 32]>>(conv3d(randn([8, 3, 5, 3, 3]), { padding: 1 })(thin))
  const p = maxPool3d({ kernelSize: [5, 2, 2] })
  expectType<'maxPool3d: kernel 5 exceeds padded input 4'>(errorOf(p, thin))
  //// @ts-expect-error
  expectError(p(thin))
}

// wrong input or weight rank: a 2-D image is not a volume
{
  const image = randn([1, 3, 32, 32])
  const c = conv3d(randn([8, 3, 3, 3, 3]))
  expectType<'conv3d: expects input [N, C, D, H, W], got [1, 3, 32, 32]'>(errorOf(c, image))
  //// @ts-expect-error
  expectError(c(image))
  const w2 = conv3d(randn([8, 3, 3, 3]))
  expectType<'conv3d: weight must be [Co, Ci/groups, 3 kernel dims], got [8, 3, 3, 3]'>(errorOf(w2, clip))
  //// @ts-expect-error
  expectError(w2(clip))
  const t = convTranspose3d(randn([3, 8, 3, 3]))
  expectType<'convTranspose3d: weight must be [Ci, Co/groups, 3 kernel dims], got [3, 8, 3, 3]'>(errorOf(t, clip))
  //// @ts-expect-error
  expectError(t(clip))
  expectType<'maxPool3d: expects input [N, C, D, H, W], got [1, 3, 32, 32]'>(errorOf(maxPool3d({ kernelSize: 2 }), image))
  //// @ts-expect-error
  expectError(maxPool3d({ kernelSize: 2 })(image))
  expectType<'avgPool3d: expects input [N, C, D, H, W], got [1, 3, 32, 32]'>(errorOf(avgPool3d({ kernelSize: 2 }), image))
  //// @ts-expect-error
  expectError(avgPool3d({ kernelSize: 2 })(image))
  expectType<'adaptiveAvgPool3d: expects input [N, C, D, H, W], got [1, 3, 32, 32]'>(errorOf(adaptiveAvgPool3d(1), image))
  //// @ts-expect-error
  expectError(adaptiveAvgPool3d(1)(image))
}

// option values: per-axis tuples of 1 or 3 values, the pools' padding limit, transposed outputPadding
{
  expectType<'conv3d: stride has 2 values for 3 spatial axes; give one (used on every axis) or 3'>(errorOf(conv3d(randn([8, 3, 3, 3, 3]), { stride: [1, 2] }), clip))
  //// @ts-expect-error
  expectError(conv3d(randn([8, 3, 3, 3, 3]), { stride: [1, 2] })(clip))
  expectType<"conv3d: padding must be a number, [number, number, number], 'same' or 'valid', got 'full'">(errorOf(conv3d(randn([8, 3, 3, 3, 3]), { padding: 'full' }), clip))
  //// @ts-expect-error
  expectError(conv3d(randn([8, 3, 3, 3, 3]), { padding: 'full' })(clip))
  expectType<'maxPool3d: padding 2 exceeds half the kernel 3'>(errorOf(maxPool3d({ kernelSize: 3, padding: 2 }), clip))
  //// @ts-expect-error
  expectError(maxPool3d({ kernelSize: 3, padding: 2 })(clip))
  expectType<'avgPool3d: padding 2 exceeds half the kernel 2'>(errorOf(avgPool3d({ kernelSize: [3, 2, 3], padding: [1, 2, 1] }), clip))
  //// @ts-expect-error
  expectError(avgPool3d({ kernelSize: [3, 2, 3], padding: [1, 2, 1] })(clip))
  expectType<'convTranspose3d: outputPadding 2 must be smaller than stride 2 or dilation 1'>(
    errorOf(convTranspose3d(randn([3, 8, 3, 3, 3]), { stride: 2, outputPadding: [0, 2, 0] }), clip),
  )
  //// @ts-expect-error
  expectError(convTranspose3d(randn([3, 8, 3, 3, 3]), { stride: 2, outputPadding: [0, 2, 0] })(clip))
  expectType<'adaptiveAvgPool3d: outputSize has 2 values for 3 spatial axes; give one (used on every axis) or 3'>(errorOf(adaptiveAvgPool3d([2, 2]), clip))
  //// @ts-expect-error
  expectError(adaptiveAvgPool3d([2, 2])(clip))
  expectType<'adaptiveAvgPool3d: outputSize must be a positive integer, got 0'>(errorOf(adaptiveAvgPool3d(0), clip))
  //// @ts-expect-error
  expectError(adaptiveAvgPool3d(0)(clip))
  // average pooling has no dilation (PyTorch's neither): an unknown option at the options argument
  //// @ts-expect-error
  expectError(avgPool3d({ kernelSize: 2, dilation: 2 }))
  // 3-D ops compute in float32: int32 is refused at the argument
  //// @ts-expect-error
  expectError(maxPool3d({ kernelSize: 2 })(ones([1, 1, 4, 4, 4], 'int32')))
  //// @ts-expect-error
  expectError(conv3d(randn([1, 1, 3, 3, 3]))(ones([1, 1, 4, 4, 4], 'int32')))
}
