/**
 * Import-only baseline for instantiation counts: exactly the imports of
 * resnet50.test-d.ts, nothing applied. See README.md in this folder.
 */
import { expectType, expectError } from 'tsd'
import {
  randn, ones, zeros, conv2d, batchNorm2d, relu, maxPool2d, globalAvgPool2d, linear, sequential, residual,
  type Tensor,
} from '../../src/index.ts'

export type { Tensor }
export { expectType, expectError, randn, ones, zeros, conv2d, batchNorm2d, relu, maxPool2d, globalAvgPool2d, linear, sequential, residual }
