import { gradientTests } from './helpers.ts'

gradientTests('conv')
gradientTests('conv_transpose')
