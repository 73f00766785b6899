import { gradientTests } from './helpers.ts'

gradientTests('reduce')
gradientTests('softmax')
