/**
 * The training progress display. In a terminal it redraws one line in place
 * (a bar, loss, accuracy, images/s); when stdout is a file or a pipe it
 * prints plain lines instead — one per epoch, or every N steps — so a log
 * holds readable lines rather than one long line of carriage returns.
 */

/** Where progress goes: process.stdout, or anything with `write` (a test's collector). */
export interface ProgressStream {
  write(text: string): unknown
  readonly isTTY?: boolean
  readonly columns?: number
}

export interface ProgressOptions {
  /** Default process.stdout. */
  readonly stream?: ProgressStream
  /** Without a terminal, also print a plain line every `every` steps (default: only at the end of each epoch). */
  readonly every?: number
  /** Force the terminal (redrawn) or plain form; default: the stream's `isTTY`. */
  readonly tty?: boolean
}

/** Running figures of the epoch so far. */
export interface ProgressState {
  readonly epoch: number
  readonly epochs: number
  /** Steps done in this epoch, and per epoch if known. */
  readonly done: number
  readonly total?: number
  /** Mean loss over the epoch's steps so far, and accuracy in 0..1 if measured. */
  readonly loss: number
  readonly accuracy?: number
  readonly imagesPerSecond: number
}

const BAR_WIDTH = 24
/** Redraws at most this often: a redraw per step would cost more than a fast step. */
const REDRAW_MS = 100

export const formatRate = (imagesPerSecond: number): string => `${Math.round(imagesPerSecond).toLocaleString('en-US')} img/s`
export const formatAccuracy = (accuracy: number): string => `${(100 * accuracy).toFixed(2)}%`

/**
 * The figures of a progress line, without the bar: `12/125  loss 0.4123  acc 87.50%  1,234 img/s`.
 *
 * @example
 * import { progressFigures } from 'shapewise/train'
 * progressFigures({ epoch: 1, epochs: 5, done: 12, total: 125, loss: 0.4123, accuracy: 0.875, imagesPerSecond: 1234 }) // → '12/125  loss 0.4123  acc 87.50%  1,234 img/s'
 */
export const progressFigures = (s: ProgressState): string =>
  [
    s.total ? `${s.done}/${s.total}` : `${s.done} steps`,
    `loss ${s.loss.toFixed(4)}`,
    ...(s.accuracy === undefined ? [] : [`acc ${formatAccuracy(s.accuracy)}`]),
    formatRate(s.imagesPerSecond),
  ].join('  ')

/**
 * The training progress display: in a terminal one line redrawn in place (a bar, loss, accuracy,
 * images/s); into a file or a pipe plain lines, one per epoch or every `every` steps.
 *
 * @example
 * import { ProgressBar } from 'shapewise/train'
 * const lines: string[] = []
 * const bar = new ProgressBar({ stream: { write: (text: string) => lines.push(text) }, tty: false, every: 2 })
 * bar.update({ epoch: 1, epochs: 1, done: 2, total: 4, loss: 0.5, imagesPerSecond: 100 })
 * lines.join('').includes('2/4  loss 0.5000') // → true
 */
export class ProgressBar {
  readonly #stream: ProgressStream
  readonly #tty: boolean
  readonly #every?: number
  #lastDraw = 0
  #drawn = false

  constructor(options: ProgressOptions = {}) {
    this.#stream = options.stream ?? process.stdout
    this.#tty = options.tty ?? Boolean(this.#stream.isTTY)
    if (options.every !== undefined && !(Number.isInteger(options.every) && options.every > 0))
      throw new RangeError(`ProgressBar: every must be a positive integer, got ${options.every}`)
    this.#every = options.every
  }

  /** After each step. */
  update(s: ProgressState): void {
    if (this.#tty) {
      const now = performance.now()
      if (now - this.#lastDraw < REDRAW_MS && s.done !== s.total) return
      this.#lastDraw = now
      const filled = s.total ? Math.round((s.done / s.total) * BAR_WIDTH) : 0
      const bar = s.total ? `${'█'.repeat(filled)}${'·'.repeat(BAR_WIDTH - filled)} ` : ''
      const line = `epoch ${s.epoch}/${s.epochs} ${bar}${progressFigures(s)}`
      // \r and clear-to-end-of-line: a shorter line leaves no tail of the previous one.
      this.#stream.write(`\r${line.slice(0, (this.#stream.columns ?? 200) - 1)}\x1b[K`)
      this.#drawn = true
    } else if (this.#every && s.done % this.#every === 0 && s.done !== s.total) {
      this.#stream.write(`epoch ${s.epoch}/${s.epochs}  ${progressFigures(s)}\n`)
    }
  }

  /** At the end of an epoch: the epoch's summary as one line (after the redrawn bar, on its own line). */
  endEpoch(summary: string): void {
    this.#stream.write(`${this.#tty && this.#drawn ? '\r\x1b[K' : ''}${summary}\n`)
    this.#drawn = false
  }

  /** A message on its own line (a warning, a stop). */
  note(text: string): void {
    this.endEpoch(text)
  }
}
