/** shapewise/optim: pure optimizers and learning-rate schedules. */
export { sgd, adam, adamW, withLearningRate, type Optimizer, type OptimizerState, type SgdOptions, type AdamOptions } from './optimizers.ts'
export { stepDecay, cosineDecay, type Schedule } from './schedules.ts'
export { guarded, readUpdateReport, type GuardedOptimizer, type UpdateReport } from './guarded.ts'
