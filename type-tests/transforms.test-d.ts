/**
 * Types of the function transformations and of memory management:
 * valueAndGrad / grad / valueAndGradWithAux / vjp give gradients with the
 * parameters' own types (a tuple of them for tuple argnums), jit keeps the
 * function's parameters and wraps its result in a Promise, scope returns
 * what its function returns, assertShape narrows, memory() has its fields.
 *
 * `//// @ts-expect-error` above an `expectError(...)`: see type-tests/README.md.
 */
import { expectType, expectError, expectAssignable } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import {
  valueAndGrad, valueAndGradWithAux, grad, vjp, jit, jitTraces, pipelineCompilations, scope, memory, assertShape, randn, zeros, tensor,
  conv2d, relu, flatten, linear, mul, sum, mean,
  type Tensor, type AnyTensor, type GradsOf, type Memory,
} from '../src/index.ts'

// ================================================================== a small model
const params = {
  conv: { weight: randn([2, 1, 3, 3]), bias: zeros([2]) },
  layers: [{ weight: randn([3, 32]), bias: zeros([3]) }] as const,
}
type Params = typeof params
declare const x: Tensor<[number, 1, 6, 6]>
declare const labels: Tensor<[number], 'int32'>
declare const floatLabels: Tensor<[number]>
const model = (p: Params, input: Tensor<[number, 1, 6, 6]>) => pipe(input, conv2d(p.conv), relu, flatten, linear(p.layers[0]))
const loss = (p: Params, input: Tensor<[number, 1, 6, 6]>, y: Tensor<[number], 'int32'>) => mean()(mul(model(p, input), 2))

expectType<Tensor<[number, 3]>>(model(params, x))

// ================================================================== valueAndGrad / grad: gradients typed like the parameters
expectType<[AnyTensor, Params]>(valueAndGrad(loss)(params, x, labels))
expectType<Params>(grad(loss)(params, x, labels))
expectType<Tensor<[2, 1, 3, 3]>>(grad(loss)(params, x, labels).conv.weight)
expectType<Tensor<[3]>>(grad(loss)(params, x, labels).layers[0].bias)
// argnums: a number picks one argument, a tuple gives a tuple in that order
expectType<Tensor<[number, 1, 6, 6]>>(grad(loss, { argnums: 1 })(params, x, labels))
expectType<[Params, Tensor<[number, 1, 6, 6]>]>(grad(loss, { argnums: [0, 1] })(params, x, labels))
expectType<[Tensor<[number, 1, 6, 6]>, Params]>(grad(loss, { argnums: [1, 0] })(params, x, labels))
expectType<[Tensor<[number, 1, 6, 6]>]>(grad(loss, { argnums: [1] })(params, x, labels))
expectType<[AnyTensor, [Params, Tensor<[number, 1, 6, 6]>]]>(valueAndGrad(loss, { argnums: [0, 1] })(params, x, labels))
expectType<Params>(null as unknown as GradsOf<[Params, number], 0>)
expectType<[number, Params]>(null as unknown as GradsOf<[Params, number], readonly [1, 0]>)

// the differentiated function keeps its parameter types
//// @ts-expect-error
expectError(grad(loss)(params, randn([2, 3, 6, 6]), labels))
//// @ts-expect-error
expectError(valueAndGrad(loss)(params, x))
//// @ts-expect-error
expectError(grad(loss)({ conv: params.conv }, x, labels))
// the function must return a tensor; argnums are numbers
//// @ts-expect-error
expectError(grad((p: Params) => 3)(params))
//// @ts-expect-error
expectError(grad(loss, { argnums: 'p' }))

// ================================================================== valueAndGradWithAux: aux keeps its type
const withAux = (p: Params, input: Tensor<[number, 1, 6, 6]>) => {
  const logits = model(p, input)
  return [sum()(logits), { logits, note: 'aux' }] as const
}
expectType<[[AnyTensor, { readonly logits: Tensor<[number, 3]>; readonly note: 'aux' }], Params]>(valueAndGradWithAux(withAux)(params, x))
expectType<[[AnyTensor, { readonly logits: Tensor<[number, 3]>; readonly note: 'aux' }], [Tensor<[number, 1, 6, 6]>]]>(
  valueAndGradWithAux(withAux, { argnums: [1] })(params, x),
)
//// @ts-expect-error
expectError(valueAndGradWithAux((p: Params) => sum()(model(p, x)))(params))

// ================================================================== vjp: the output's type, cotangents shaped like the primals
const [out, pullback] = vjp((p: Params, input: Tensor<[number, 1, 6, 6]>) => model(p, input), params, x)
expectType<Tensor<[number, 3]>>(out)
expectType<(cotangent: AnyTensor) => [Params, Tensor<[number, 1, 6, 6]>]>(pullback)
expectType<Params>(pullback(zeros([4, 3]))[0])
//// @ts-expect-error
expectError(vjp((p: Params) => sum()(model(p, x)), { conv: params.conv }))

// ================================================================== jit: same parameters, a Promise of the result
const step = jit(
  (p: Params, input: Tensor<[number, 1, 6, 6]>, y: Tensor<[number], 'int32'>, lr: number) => {
    const [value, grads] = valueAndGrad(loss)(p, input, y)
    return { loss: value, grads, lr }
  },
  { donate: [0] },
)
expectType<(p: Params, input: Tensor<[number, 1, 6, 6]>, y: Tensor<[number], 'int32'>, lr: number) => Promise<{ loss: AnyTensor; grads: Params; lr: number }>>(step)
expectType<Promise<{ loss: AnyTensor; grads: Params; lr: number }>>(step(params, x, labels, 0.1))
expectType<Promise<Tensor<[number, 3]>>>(jit(model)(params, x))
// a wrong argument is a compile error, as for the function itself
//// @ts-expect-error
expectError(step(params, x, labels, '0.1'))
//// @ts-expect-error
expectError(step(params, randn([8, 3, 6, 6]), labels, 0.1))
//// @ts-expect-error
expectError(step(params, x, floatLabels, 0.1))
//// @ts-expect-error
expectError(step(params, x, labels))
//// @ts-expect-error
expectError(step({ conv: params.conv }, x, labels, 0.1))
//// @ts-expect-error
expectError(jit(model, { donate: 0 }))
expectType<number>(jitTraces())
expectType<number>(pipelineCompilations())

// ================================================================== scope: returns what its function returns
const t = tensor([1, 2])
expectType<Tensor<[2]>>(scope(() => relu(t)))
expectType<{ a: Tensor<[2]>; n: number }>(scope(() => ({ a: relu(t), n: 1 })))
expectType<Promise<Tensor<[2]>>>(scope(async () => relu(t)))
expectType<readonly [Tensor<[2]>, Tensor<[2]>]>(scope(() => [t, relu(t)] as const))
//// @ts-expect-error
expectError(scope(relu(t)))

// ================================================================== dispose / using
expectType<void>(t.dispose())
expectType<boolean>(t.isDisposed)
expectType<void>(t[Symbol.dispose]())
expectAssignable<Disposable>(t)
expectType<Promise<Float32Array>>(t.data())
expectType<Promise<Int32Array>>(zeros([3], 'int32').data())

// ================================================================== assertShape narrows a tensor of unknown shape
declare const u: Tensor<number[]>
expectType<Tensor<[number, 3]>>(assertShape(u, [-1, 3]))
expectType<Tensor<[2, 3]>>(assertShape(u, [2, 3]))
expectType<Tensor<[number, 1, 6, 6]>>(assertShape(u, [-1, 1, 6, 6]))
expectType<Tensor<[number, 3]>>(model(params, assertShape(u, [-1, 1, 6, 6])))
//// @ts-expect-error
expectError(model(params, u))

// ================================================================== memory()
const m = memory()
expectType<Memory>(m)
expectType<number>(m.liveTensors)
expectType<number>(m.deviceTensors)
expectType<number>(m.inUseBytes)
expectType<number>(m.pooledBytes)
expectType<number>(m.inUseCount)
expectType<number>(m.pooledCount)
expectType<number>(m.pipelines)
expectType<number>(m.storage.created)
//// @ts-expect-error
expectError(m.tensors)
