import { gradientTests } from './helpers.ts'

gradientTests('shape')
