/**
 * Training guards: a NaN or infinite loss stops training with the step where it happened. This check
 * reads the loss after the update has run; to keep the model intact through such a step (skip the
 * batch instead of stopping), use `guarded(optimizer).guardedUpdate` from shapewise/optim.
 *
 * @example
 * import { assertFiniteLoss, NonFiniteLossError } from 'shapewise/nn'
 * let error: unknown
 * try { assertFiniteLoss(NaN, 12) } catch (e) { error = e }
 * error instanceof NonFiniteLossError // → true
 * const step = (error as NonFiniteLossError).step // → 12
 */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError'
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(`loss is ${loss} at step ${step}; check the learning rate and the inputs (pass { continueOnNonFinite: true } to go on)`)
  }
}

/**
 * Throws NonFiniteLossError unless the loss is finite or the caller asked to continue.
 *
 * @example
 * import { assertFiniteLoss } from 'shapewise/nn'
 * assertFiniteLoss(0.25, 1) // a finite loss passes
 * assertFiniteLoss(Infinity, 2, { continueOnNonFinite: true }) // asked to go on: no error
 */
export const assertFiniteLoss = (loss: number, step: number, options: { readonly continueOnNonFinite?: boolean } = {}): void => {
  if (!Number.isFinite(loss) && !options.continueOnNonFinite) throw new NonFiniteLossError(step, loss)
}
