/**
 * Types of shapewise/viz: which tensors each picture takes (rank checked by
 * the compiler, channel counts at run time), and what comes back.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { randn } from '../src/index.ts'
import { filtersPng, featureMapsPng, imageGridPng, lineChart, lineChartPng, confusionMatrix, confusionMatrixPng, type HostTensor } from '../src/viz/index.ts'

expectType<Promise<Uint8Array>>(filtersPng(randn([30, 1, 5, 5]), { colorMap: 'gray_r', normalize: 'global', scale: 4, margin: 1 }))
expectType<Promise<Uint8Array>>(filtersPng({ values: new Float32Array(75), shape: [1, 3, 5, 5] }))
expectType<Promise<Uint8Array>>(featureMapsPng(randn([6, 28, 28])))
expectType<Promise<Uint8Array>>(imageGridPng(randn([8, 1, 28, 28]), { labels: ['a'], range: [-1, 1] }))
const host: HostTensor<readonly [2, 3]> = { values: [1, 2, 3, 4, 5, 6], shape: [2, 3] }
expectType<readonly [2, 3]>(host.shape)
expectType<string>(lineChart({ series: [{ name: 'loss', values: [1, 0.5] }] }))
expectType<Uint8Array>(lineChartPng({ series: [{ name: 'loss', values: [1, 0.5] }], logY: true }))
expectType<number[][]>(confusionMatrix([0, 1], [1, 1], 2))
expectType<Uint8Array>(confusionMatrixPng([[1, 0], [0, 1]]))

// A filter bank is rank 4, feature maps of one image rank 3.
//// @ts-expect-error
expectError(filtersPng(randn([30, 5, 5])))
//// @ts-expect-error
expectError(featureMapsPng(randn([1, 6, 28, 28])))
//// @ts-expect-error
expectError(filtersPng(randn([30, 1, 5, 5]), { normalize: 'map' }))
