/**
 * Types of the memory helpers: realize(tree) resolves to the tree it was
 * given (tuples and records keep their tensors' shapes), trimMemory() to the
 * bytes it gave back, memory() shows pooled bytes and each pool's cap.
 */
import { expectType, expectError } from 'tsd'
import { tensor, randn, realize, trimMemory, memory, type Tensor } from '../src/index.ts'

const x = tensor([1, 2, 3])
const image = randn([2, 1, 28, 28])

const [a, { b }] = await realize([x, { b: image }])
expectType<Tensor<[3]>>(a)
expectType<Tensor<[2, 1, 28, 28]>>(b)
expectType<Tensor<[3]>>(await realize(x))
// Non-tensor members are left alone, and keep their types.
const mixed = await realize({ params: { w: x }, step: 3, note: 'text' })
expectType<Tensor<[3]>>(mixed.params.w)
expectType<3>(mixed.step)

expectType<number>(trimMemory())
//// @ts-expect-error
expectError(trimMemory(true))

expectType<number>(memory().pooledBytes)
expectType<number>(memory().storage.maxFreeBytes)
