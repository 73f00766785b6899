/**
 * interpolate exported as ONNX Resize: every mode and option runs in ONNX Runtime like shapewise
 * (whose values are PyTorch's, tests/pytorch/fixtures.test.ts) at two batch sizes, and passes
 * onnx.checker; what Resize cannot reproduce is a named error.
 */
import { describe, expect, it } from 'vitest'
import { interpolate, type Tensor } from '../../src/index.ts'
import { exportOnnx, OnnxExportError } from '../../src/io/index.ts'
import { onnxCaseTests, type OnnxCase } from './onnx-helpers.ts'
import { temporaryFolder } from './helpers.ts'

const dir = temporaryFolder('onnx-interpolate')
type Line = Tensor<[number, 2, 5]>
type Image = Tensor<[number, 2, 5, 6]>
type Volume = Tensor<[number, 2, 3, 4, 5]>

const cases: OnnxCase[] = [
  {
    name: 'nearest and nearest-exact, 1-D to 3-D', shapes: [['N', 2, 5], ['N', 2, 5, 6], ['N', 2, 3, 4, 5]],
    fn: (l: Line, i: Image, v: Volume) => [
      interpolate({ scaleFactor: 1.5 })(l), interpolate({ size: 3, mode: 'nearest-exact' })(l), interpolate({ scaleFactor: 0.6, mode: 'nearest-exact' })(l),
      interpolate({ scaleFactor: [1.5, 2.3] })(i), interpolate({ size: [7, 4], mode: 'nearest-exact' })(i), interpolate({ scaleFactor: 1.3, recomputeScaleFactor: true })(i),
      interpolate({ scaleFactor: [2, 0.8, 1.3] })(v), interpolate({ scaleFactor: 1.5, mode: 'nearest-exact' })(v),
    ],
  },
  {
    name: 'linear, bilinear, trilinear, alignCorners both ways', shapes: [['N', 2, 5], ['N', 2, 5, 6], ['N', 2, 3, 4, 5]],
    fn: (l: Line, i: Image, v: Volume) => [
      interpolate({ scaleFactor: 1.7, mode: 'linear' })(l), interpolate({ size: 3, mode: 'linear', alignCorners: true })(l), interpolate({ size: 1, mode: 'linear' })(l),
      interpolate({ scaleFactor: [2.1, 1.01], mode: 'bilinear' })(i), interpolate({ scaleFactor: 0.7, mode: 'bilinear', alignCorners: true })(i),
      interpolate({ scaleFactor: 1.3, mode: 'bilinear', recomputeScaleFactor: true })(i),
      interpolate({ scaleFactor: 1.5, mode: 'trilinear' })(v), interpolate({ size: [4, 3, 7], mode: 'trilinear', alignCorners: true })(v),
    ],
  },
  {
    name: 'bicubic, alignCorners both ways', shapes: [['N', 2, 5, 6]],
    fn: (i: Image) => [
      interpolate({ scaleFactor: [1.5, 2.3], mode: 'bicubic' })(i), interpolate({ scaleFactor: 0.7, mode: 'bicubic', alignCorners: true })(i),
      interpolate({ size: [7, 4], mode: 'bicubic' })(i), interpolate({ size: [1, 9], mode: 'bicubic', alignCorners: true })(i),
    ],
  },
  {
    name: 'a dynamic image size with a scale factor', shapes: [['N', 2, 'H', 'W']],
    fn: (i: Tensor<[number, 2, number, number]>) => [interpolate({ scaleFactor: 2, mode: 'bilinear' })(i), interpolate({ scaleFactor: 1.5 })(i)],
    options: { traceSizes: { N: [2, 3], H: [5, 7], W: [6, 9] } }, runs: [{ N: 1, H: 5, W: 6 }, { N: 2, H: 8, W: 4 }],
  },
]

describe('interpolate runs in ONNX Runtime like shapewise', () => onnxCaseTests(cases, dir))

describe('interpolate configurations Resize cannot reproduce are named errors', () => {
  it('recomputeScaleFactor with a dynamic spatial size', async () => {
    const error = await exportOnnx((i: Tensor<[number, 2, number, number]>) => interpolate({ scaleFactor: 1.5, recomputeScaleFactor: true })(i), [['N', 2, 'H', 'W']], {
      traceSizes: { N: [2, 3], H: [5, 7], W: [6, 9] },
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OnnxExportError)
    expect((error as Error).message).toMatch(/interpolate: recomputeScaleFactor with a dynamic spatial size/)
  })
})
