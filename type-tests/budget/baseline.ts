/**
 * Import-only baseline for the instantiation budgets (tests/types/budget.test.ts): the library,
 * fp-ts's pipe and tsd, imported and applied to nothing. Every budget file's cost is its count
 * minus this one's.
 */
import { expectType, expectError } from 'tsd'
import { pipe } from 'fp-ts/lib/function.js'
import * as shapewise from '../../src/index.ts'

export { expectType, expectError, pipe, shapewise }
