/** The progress display: redrawn in a terminal, plain lines otherwise. */
import { describe, expect, it } from 'vitest'
import { ProgressBar, progressFigures, type ProgressState } from '../../src/train/index.ts'

const collector = (isTTY: boolean) => {
  const chunks: string[] = []
  return { stream: { isTTY, write: (t: string) => chunks.push(t), columns: 120 }, chunks }
}
const state = (done: number, total?: number): ProgressState => ({ epoch: 1, epochs: 2, done, total, loss: 0.5, accuracy: 0.875, imagesPerSecond: 1234.4 })

describe('ProgressBar', () => {
  it('figures: steps, loss, accuracy, images/s', () => {
    expect(progressFigures(state(3, 10))).toBe('3/10  loss 0.5000  acc 87.50%  1,234 img/s')
    expect(progressFigures({ ...state(3), accuracy: undefined })).toBe('3 steps  loss 0.5000  1,234 img/s')
  })

  it('in a terminal: redraws one line with \\r and clear-to-end, then the epoch summary on its own line', () => {
    const out = collector(true)
    const bar = new ProgressBar({ stream: out.stream })
    bar.update(state(5, 10))
    bar.update(state(10, 10)) // the last step of an epoch always draws
    bar.endEpoch('epoch 1/2 done')
    expect(out.chunks).toEqual([
      `\repoch 1/2 ${'█'.repeat(12)}${'·'.repeat(12)} 5/10  loss 0.5000  acc 87.50%  1,234 img/s\x1b[K`,
      `\repoch 1/2 ${'█'.repeat(24)} 10/10  loss 0.5000  acc 87.50%  1,234 img/s\x1b[K`,
      '\r\x1b[Kepoch 1/2 done\n',
    ])
  })

  it('without a terminal: nothing per step unless `every`, then whole lines', () => {
    const quiet = collector(false)
    const bar = new ProgressBar({ stream: quiet.stream })
    for (let i = 1; i <= 10; i++) bar.update(state(i, 10))
    bar.endEpoch('epoch 1/2 done')
    expect(quiet.chunks).toEqual(['epoch 1/2 done\n'])
    const periodic = collector(false)
    const every = new ProgressBar({ stream: periodic.stream, every: 4 })
    for (let i = 1; i <= 10; i++) every.update(state(i, 10))
    expect(periodic.chunks).toEqual(['epoch 1/2  4/10  loss 0.5000  acc 87.50%  1,234 img/s\n', 'epoch 1/2  8/10  loss 0.5000  acc 87.50%  1,234 img/s\n'])
    expect(() => new ProgressBar({ every: 0 })).toThrow('ProgressBar: every must be a positive integer, got 0')
  })
})
