/**
 * unfold (im2col): [N, C·kh·kw, out_h·out_w], with the convolution's output-size rule and errors.
 * `//// @ts-expect-error` before expectError: see README.md.
 */
import { expectType, expectError } from 'tsd'
import { rand, unfold, type Tensor } from '../src/index.ts'

// The lesson's shapes: 3·5·5 = 75 values per window, 3×3 = 9 windows per image.
expectType<Tensor<[1, 75, 9]>>(unfold({ kernelSize: 5 })(rand([1, 3, 7, 7])))
expectType<Tensor<[10, 75, 9]>>(unfold({ kernelSize: 5 })(rand([10, 3, 7, 7])))
expectType<Tensor<[2, 12, 16]>>(unfold({ kernelSize: [2, 3], stride: 2, padding: 1 })(rand([2, 2, 7, 7])))
expectType<Tensor<[number, 27, 25]>>(unfold({ kernelSize: 3, dilation: 2 })(rand([4, 3, 9, 9]) as Tensor<[number, 3, 9, 9]>))
//// @ts-expect-error
expectError(unfold({ kernelSize: 9 })(rand([1, 3, 7, 7])))
//// @ts-expect-error
expectError(unfold({ kernelSize: 3 })(rand([3, 7, 7])))
