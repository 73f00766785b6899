import { gradientTests } from './helpers.ts'

gradientTests('pool')
gradientTests('upsample')
gradientTests('norm')
