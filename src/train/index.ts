/** shapewise/train: a fit-style training loop over a jitted step, its progress display and callbacks. */
export {
  fit, evaluate, trainingStep, evaluationStep, epochLine,
  type FitOptions, type FitResult, type History, type EpochRecord, type EpochEnd, type Callback, type StepContext, type Model,
  type LabelledBatch, type BatchSource, type StopReason,
} from './fit.ts'
export { checkpoint, earlyStopping, type CheckpointOptions, type CheckpointContents, type SaveCheckpoint, type EarlyStoppingOptions, type Monitored } from './callbacks.ts'
export { ProgressBar, progressFigures, type ProgressOptions, type ProgressStream, type ProgressState } from './progress.ts'
