import { gradientTests } from './helpers.ts'

gradientTests('linear')
