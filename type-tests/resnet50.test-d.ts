/**
 * A full ResNet-50 forward pass, shape-checked by the compiler: stem
 * (conv 7×7/2, batch norm, relu, max pool 3/2 p1), 3-4-6-3 bottleneck blocks
 * (1×1 → 3×3 → 1×1 convs with batch norm, a residual add, projection shortcuts
 * with stride), global average pooling and a 2048 → 1000 linear layer.
 *
 * Blocks are named functions of their parameters, typed by generic literal
 * channel counts; each returns a layer whose shapes are computed where it is
 * applied, so the model stays generic in the batch dim N. (A block written as
 * a generic function of Tensor<[N, Cin, H, W]> cannot check its body: the
 * arithmetic on generic H/W/Cin defers. See type-tests/README.md.)
 *
 * Self-contained on purpose: its type-instantiation cost is measured alone
 * (tests/types/budget.test.ts).
 *
 * `//// @ts-expect-error` above an `expectError(...)`: see type-tests/README.md.
 */
import { expectType, expectError } from 'tsd'
import {
  randn, ones, zeros, conv2d, batchNorm2d, relu, maxPool2d, globalAvgPool2d, linear, sequential, residual,
  type Tensor,
} from '../src/index.ts'

// ------------------------------------------------------------------ parameters, typed by channel counts
interface BatchNorm<C extends number> {
  readonly weight: Tensor<[C]>
  readonly bias: Tensor<[C]>
  readonly runningMean: Tensor<[C]>
  readonly runningVar: Tensor<[C]>
}
interface Bottleneck<Cin extends number, Mid extends number, Cout extends number> {
  readonly conv1: Tensor<[Mid, Cin, 1, 1]>
  readonly bn1: BatchNorm<Mid>
  readonly conv2: Tensor<[Mid, Mid, 3, 3]>
  readonly bn2: BatchNorm<Mid>
  readonly conv3: Tensor<[Cout, Mid, 1, 1]>
  readonly bn3: BatchNorm<Cout>
}
interface Projection<Cin extends number, Cout extends number> {
  readonly conv: Tensor<[Cout, Cin, 1, 1]>
  readonly bn: BatchNorm<Cout>
}
/** A stage: a first block with a projection shortcut, then identity blocks (Cout → Cout). */
interface Stage<Cin extends number, Mid extends number, Cout extends number, Rest extends number> {
  readonly first: Bottleneck<Cin, Mid, Cout>
  readonly projection: Projection<Cin, Cout>
  readonly rest: readonly Bottleneck<Cout, Mid, Cout>[] & { readonly length: Rest }
}
interface ResNet50 {
  readonly stem: { readonly conv: Tensor<[64, 3, 7, 7]>; readonly bn: BatchNorm<64> }
  readonly layer1: Stage<64, 64, 256, 2>
  readonly layer2: Stage<256, 128, 512, 3>
  readonly layer3: Stage<512, 256, 1024, 5>
  readonly layer4: Stage<1024, 512, 2048, 2>
  readonly fc: { readonly weight: Tensor<[1000, 2048]>; readonly bias: Tensor<[1000]> }
}

const batchNorm = <C extends number>(c: C): BatchNorm<C> => ({ weight: ones([c]), bias: zeros([c]), runningMean: zeros([c]), runningVar: ones([c]) })
const bottleneckParams = <Cin extends number, Mid extends number, Cout extends number>(cin: Cin, mid: Mid, cout: Cout): Bottleneck<Cin, Mid, Cout> => ({
  conv1: randn([mid, cin, 1, 1]),
  bn1: batchNorm(mid),
  conv2: randn([mid, mid, 3, 3]),
  bn2: batchNorm(mid),
  conv3: randn([cout, mid, 1, 1]),
  bn3: batchNorm(cout),
})
const stageParams = <Cin extends number, Mid extends number, Cout extends number, Rest extends number>(
  cin: Cin, mid: Mid, cout: Cout, rest: Rest,
): Stage<Cin, Mid, Cout, Rest> => ({
  first: bottleneckParams(cin, mid, cout),
  projection: { conv: randn([cout, cin, 1, 1]), bn: batchNorm(cout) },
  rest: Array.from({ length: rest }, () => bottleneckParams(cout, mid, cout)) as never,
})

// ------------------------------------------------------------------ named blocks
/** 1×1 → 3×3 (carrying the stride) → 1×1, each conv followed by batch norm; relu between. */
const mainBranch = <Cin extends number, Mid extends number, Cout extends number, S extends number>(p: Bottleneck<Cin, Mid, Cout>, stride: S) =>
  sequential(
    conv2d(p.conv1),
    batchNorm2d(p.bn1, { training: false }),
    relu,
    conv2d(p.conv2, { stride, padding: 1 }),
    batchNorm2d(p.bn2, { training: false }),
    relu,
    conv2d(p.conv3),
    batchNorm2d(p.bn3, { training: false }),
  )
/** The bottleneck with an identity shortcut: relu(main(x) + x). */
const identityBlock = <C extends number, Mid extends number>(p: Bottleneck<C, Mid, C>) => sequential(residual(mainBranch(p, 1)), relu)
/** The bottleneck with a projection shortcut (1×1 conv with stride + batch norm): relu(main(x) + proj(x)). */
const projectionBlock = <Cin extends number, Mid extends number, Cout extends number, S extends number>(
  p: Bottleneck<Cin, Mid, Cout>, proj: Projection<Cin, Cout>, stride: S,
) => sequential(residual(mainBranch(p, stride), sequential(conv2d(proj.conv, { stride }), batchNorm2d(proj.bn, { training: false }))), relu)

const stem = (p: ResNet50['stem']) =>
  sequential(conv2d(p.conv, { stride: 2, padding: 3 }), batchNorm2d(p.bn, { training: false }), relu, maxPool2d({ kernelSize: 3, stride: 2, padding: 1 }))
const stage3 = <Cin extends number, Mid extends number, Cout extends number, S extends number>(p: Stage<Cin, Mid, Cout, 2>, stride: S) =>
  sequential(projectionBlock(p.first, p.projection, stride), identityBlock(p.rest[0]), identityBlock(p.rest[1]))
const stage4 = <Cin extends number, Mid extends number, Cout extends number, S extends number>(p: Stage<Cin, Mid, Cout, 3>, stride: S) =>
  sequential(projectionBlock(p.first, p.projection, stride), identityBlock(p.rest[0]), identityBlock(p.rest[1]), identityBlock(p.rest[2]))
const stage6 = <Cin extends number, Mid extends number, Cout extends number, S extends number>(p: Stage<Cin, Mid, Cout, 5>, stride: S) =>
  sequential(
    projectionBlock(p.first, p.projection, stride),
    identityBlock(p.rest[0]),
    identityBlock(p.rest[1]),
    identityBlock(p.rest[2]),
    identityBlock(p.rest[3]),
    identityBlock(p.rest[4]),
  )

// ------------------------------------------------------------------ the model: generic in the batch dim
// (Stages are applied one per line rather than through fp-ts `pipe`: same types, but pipe's higher-order
// inference costs about 14,000 more type instantiations for this model. compose.test-d.ts covers pipe.)
const resnet50 = (p: ResNet50) => <N extends number>(x: Tensor<[N, 3, 224, 224]>) => {
  const s0 = stem(p.stem)(x)
  expectType<Tensor<[N, 64, 56, 56]>>(s0)
  const s1 = stage3(p.layer1, 1)(s0)
  expectType<Tensor<[N, 256, 56, 56]>>(s1)
  const s2 = stage4(p.layer2, 2)(s1)
  expectType<Tensor<[N, 512, 28, 28]>>(s2)
  const s3 = stage6(p.layer3, 2)(s2)
  expectType<Tensor<[N, 1024, 14, 14]>>(s3)
  const s4 = stage3(p.layer4, 2)(s3)
  expectType<Tensor<[N, 2048, 7, 7]>>(s4)
  const pooled = globalAvgPool2d(s4)
  expectType<Tensor<[N, 2048]>>(pooled)
  return linear(p.fc)(pooled)
}

const params: ResNet50 = {
  stem: { conv: randn([64, 3, 7, 7]), bn: batchNorm(64) },
  layer1: stageParams(64, 64, 256, 2),
  layer2: stageParams(256, 128, 512, 3),
  layer3: stageParams(512, 256, 1024, 5),
  layer4: stageParams(1024, 512, 2048, 2),
  fc: { weight: randn([1000, 2048]), bias: randn([1000]) },
}
const model = resnet50(params)

expectType<Tensor<[8, 1000]>>(model(randn([8, 3, 224, 224])))
expectType<Tensor<[number, 1000]>>(model(randn([8, 3, 224, 224]) as Tensor<[number, 3, 224, 224]>))
expectType<<N extends number>(x: Tensor<[N, 3, 224, 224]>) => Tensor<[N, 1000]>>(model)

// ------------------------------------------------------------------ what does not compile
// an image of the wrong size or channel count
//// @ts-expect-error
expectError(model(randn([8, 1, 224, 224])))
//// @ts-expect-error
expectError(model(randn([8, 3, 256, 256])))
// a stage given the wrong input: layer2 expects 256 channels
//// @ts-expect-error
expectError(stage4(params.layer2, 2)(randn([8, 64, 56, 56])))
// a shortcut without the stride of the main branch: 28×28 + 56×56 do not add up
const p2 = params.layer2
//// @ts-expect-error
expectError(residual(mainBranch(p2.first, 2), sequential(conv2d(p2.projection.conv), batchNorm2d(p2.projection.bn, { training: false })))(randn([8, 256, 56, 56])))
// an identity block on a stage whose channels change: the residual add does not fit
//// @ts-expect-error
expectError(sequential(residual(mainBranch(params.layer2.first, 1)), relu)(randn([8, 256, 56, 56])))
