import { gradientTests } from './helpers.ts'

gradientTests('elementwise')
