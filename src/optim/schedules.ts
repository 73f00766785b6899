/** Learning-rate schedules: functions from a step (or epoch) number to a learning rate. */
import { fail } from '../shape/errors.ts'

export type Schedule = (step: number) => number

/**
 * Multiplies the rate by `gamma` every `stepSize` steps (PyTorch's StepLR).
 *
 * @example
 * import { stepDecay } from 'shapewise/optim'
 * const lr = stepDecay({ initial: 0.1, stepSize: 10, gamma: 0.5 })
 * const rates = [lr(0), lr(9), lr(10), lr(25)] // → [0.1, 0.1, 0.05, 0.025]
 */
export const stepDecay = (options: { readonly initial: number; readonly stepSize: number; readonly gamma?: number }): Schedule => {
  if (!(options.initial > 0)) fail(`stepDecay: the initial learning rate must be a positive number, got ${options.initial}`)
  if (!(Number.isInteger(options.stepSize) && options.stepSize > 0)) fail(`stepDecay: stepSize must be a positive integer, got ${options.stepSize}`)
  const gamma = options.gamma ?? 0.1
  return (step) => options.initial * gamma ** Math.floor(step / options.stepSize)
}

/**
 * Cosine annealing from `initial` to `min` over `total` steps, then `min`
 * (PyTorch's CosineAnnealingLR, one cycle). `min` defaults to 1/1000 of
 * `initial` rather than PyTorch's 0: a schedule that reaches 0 would hand the
 * optimizer a rate it rightly refuses (`withLearningRate` throws) on the last
 * step of a run, and a zero rate teaches nothing anyway.
 *
 * @example
 * import { cosineDecay } from 'shapewise/optim'
 * const lr = cosineDecay({ initial: 0.1, total: 100, min: 0.001 })
 * const rates = [lr(0), lr(50), lr(100), lr(200)] // → [0.1, 0.0505, 0.001, 0.001]
 */
export const cosineDecay = (options: { readonly initial: number; readonly total: number; readonly min?: number }): Schedule => {
  if (!(options.initial > 0)) fail(`cosineDecay: the initial learning rate must be a positive number, got ${options.initial}`)
  if (!(options.total > 0)) fail(`cosineDecay: total must be positive, got ${options.total}`)
  const min = options.min ?? options.initial * 1e-3
  if (!(min > 0 && min <= options.initial)) fail(`cosineDecay: min must be a positive rate no larger than initial (${options.initial}), got ${min}`)
  return (step) => min + ((options.initial - min) * (1 + Math.cos(Math.PI * Math.min(step, options.total) / options.total))) / 2
}
