/**
 * The lesson examples run as programs (`npx tsx examples/<file>.ts`, each in
 * its own process with its own Dawn device) and print what the lessons print.
 * These tests run each one and check the key lines of its output.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decode } from 'fast-png'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const exec = promisify(execFile)

/** Runs one example and returns its stdout (stderr carries Dawn's warnings and is ignored unless it fails). */
const run = async (name: string, args: readonly string[] = [], timeout = 120_000, env: Record<string, string> = {}): Promise<string> => {
  try {
    const { stdout } = await exec('npx', ['tsx', `examples/${name}.ts`, ...args], { cwd: root, timeout, maxBuffer: 16 << 20, env: { ...process.env, ...env } })
    return stdout
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string }
    throw new Error(`examples/${name}.ts failed: ${e.message}\n--- stdout\n${e.stdout ?? ''}\n--- stderr\n${e.stderr ?? ''}`)
  }
}

/** The text after `label` up to the end of its line. */
const lineAfter = (out: string, label: string): string => {
  const start = out.indexOf(label)
  expect(start, `missing "${label}" in:\n${out}`).toBeGreaterThanOrEqual(0)
  return out.slice(start + label.length).split('\n')[0].trim()
}
/** The line following the one that starts with `label`. */
const nextLine = (out: string, label: string): string => {
  const lines = out.split('\n')
  const i = lines.findIndex((l) => l.startsWith(label))
  expect(i, `missing "${label}" in:\n${out}`).toBeGreaterThanOrEqual(0)
  return lines[i + 1].trim()
}
/** Runs a lesson example in quick mode (few images, few steps), its pictures in a fresh folder. */
const runQuick = (name: string) => run(name, [], 300_000, { SHAPEWISE_EXAMPLES_QUICK: '1', SHAPEWISE_EXAMPLES_OUT: mkdtempSync(join(tmpdir(), `shapewise-${name}-`)) })
/** The PNG whose path follows `label`, decoded. */
const pictureAfter = (out: string, label: string) => decode(readFileSync(lineAfter(out, label)))
const numbers = (text: string) => (text.match(/-?\d+(\.\d+)?(e[-+]?\d+)?/g) ?? []).map(Number)

describe('examples', () => {
  it('corr2d: the lesson numbers and the vertical edges', async () => {
    const out = await run('corr2d')
    expect(numbers(lineAfter(out, 'corr2d(X, K) ='))).toEqual([19, 25, 37, 43])
    const edges = out.split('\n').filter((l) => /^\s*0\s+1\s+0\s+0\s+0\s+-1\s+0\s*$/.test(l))
    expect(edges).toHaveLength(6)
    expect(lineAfter(out, 'corr2d(Xᵀ, K) is all zeros:')).toBe('true')
  })

  it('edge-detector: learns K ≈ [1, −1] and the loss falls', async () => {
    const out = await run('edge-detector')
    const [k0, k1] = numbers(lineAfter(out, 'learned kernel:'))
    expect(Math.abs(k0 - 1)).toBeLessThan(0.05)
    expect(Math.abs(k1 + 1)).toBeLessThan(0.05)
    const losses = out.split('\n').filter((l) => /^\s*\d+\s+[\d.]+$/.test(l)).map((l) => numbers(l)[1])
    expect(losses).toHaveLength(10)
    expect(losses[9]).toBeLessThan(losses[0] / 100)
  })

  it('padding-stride: the shapes of the lesson', async () => {
    const out = await run('padding-stride')
    const shape = (label: string) => lineAfter(out, label).split(/\s+/)[1]
    expect(shape('kernel 3, padding 1 ')).toBe('8×8')
    expect(shape('kernel (5, 3), padding (2, 1)')).toBe('8×8')
    expect(shape('kernel 3, padding 1, stride 2')).toBe('4×4')
    expect(shape('kernel (3, 5), padding (0, 1), stride (3, 4)')).toBe('2×2')
    expect(shape("kernel 4, padding 'same'")).toBe('8×8')
    expect(shape("kernel 3, padding 'valid'")).toBe('6×6')
    expect(lineAfter(out, 'the stride-2 output has')).toBe('16 values, all finite: true')
  })

  it('channels: multi-in, multi-in-out and the 1×1 convolution', async () => {
    const out = await run('channels')
    expect(numbers(lineAfter(out, 'corr2d_multi_in(X, K) ='))).toEqual([56, 72, 104, 120])
    expect(lineAfter(out, 'K3.shape =')).toBe('[3, 2, 2, 2]')
    const stack = out.split('corr2d_multi_in_out(X, K3) =\n')[1].split('\n').slice(0, 3).map(numbers)
    expect(stack).toEqual([[56, 72, 104, 120], [76, 100, 148, 172], [96, 128, 192, 224]])
    expect(numbers(lineAfter(out, 'max |difference| =')).at(-1)).toBeLessThan(1e-5)
  })

  it('pooling: max, avg, padding, stride and channels', async () => {
    const out = await run('pooling')
    expect(nextLine(out, "pool2d(X, (2, 2), 'max')")).toBe('[[[[4, 5], [7, 8]]]]')
    expect(nextLine(out, "pool2d(X, (2, 2), 'avg')")).toBe('[[[[2, 3], [5, 6]]]]')
    expect(nextLine(out, 'MaxPool2d(3) ')).toBe('[[[[10]]]]')
    expect(nextLine(out, 'MaxPool2d(3, padding=1, stride=2) ')).toBe('[[[[5, 7], [13, 15]]]]')
    expect(nextLine(out, 'MaxPool2d((2, 3), padding=(0, 1), stride=(2, 3))')).toBe('[[[[5, 7], [13, 15]]]]')
    expect(nextLine(out, 'MaxPool2d(3, padding=1, stride=2)(X2)')).toBe('[[[[5, 7], [13, 15]], [[6, 8], [14, 16]]]]')
    expect(out).toContain('MaxPool2d(3, padding=1, stride=(2, 1))(X2) (shape [1, 2, 2, 4])')
    expect(nextLine(out, 'MaxPool2d(3, padding=1, stride=(2, 1))(X2)')).toBe(
      '[[[[5, 6, 7, 7], [13, 14, 15, 15]], [[6, 7, 8, 8], [14, 15, 16, 16]]]]',
    )
  })

  it('conv1d-sequence: moving average, difference and corr1d_multi_in', async () => {
    const out = await run('conv1d-sequence')
    const channels = (label: string) => out.split(label)[1].split('\n').slice(1, 3).map((l) => numbers(l.split(':')[1]))
    expect(out).toContain('moving average, window 3 (shape [1, 2, 8])')
    expect(channels('moving average, window 3')).toEqual([
      [2, 3.33, 3.67, 5, 6, 7, 8, 8.67],
      [0, 0.33, 0.67, 1, 1, 0.67, 0.33, 0],
    ])
    expect(out).toContain("moving average, padding 'same' (shape [1, 2, 10])")
    expect(channels('difference x[t+1] − x[t]')).toEqual([
      [2, -1, 3, -1, 2, 2, -1, 2, 1],
      [0, 0, 1, 0, 0, 0, -1, 0, 0],
    ])
    expect(channels('two output channels, each over both inputs')).toEqual([
      [2, 3.33, 4.67, 6, 7, 8, 8, 8.67],
      [-1, 3, -3, 0, 0, -3, 2, 1],
    ])
    expect(numbers(lineAfter(out, 'corr1d_multi_in(X, K) ='))).toEqual([2, 8, 14, 20, 26, 32])
  })

  it('transposed-conv: outputPadding picks the size, and the lesson values', async () => {
    const out = await run('transposed-conv')
    expect(lineAfter(out, 'conv2d(k3, s2, p1):')).toBe('7×7 → 4×4, 8×8 → 4×4')
    expect(lineAfter(out, 'convTranspose2d(k3, s2, p1):')).toBe('4×4 → 7×7 with outputPadding 0, → 8×8 with outputPadding 1')
    expect(lineAfter(out, 'ConvTranspose2d(k3, s2, p1, op1):')).toBe('32×32 → 64×64')
    expect(lineAfter(out, 'ConvTranspose2d(k3, s2, p1):')).toBe('3×3 → 5×5 (op 0), 6×6 (op 1)')
    expect(lineAfter(out, 'computed')).toBe('49 + 64 + 12288 + 75 + 108 values, all finite: true')
    expect(numbers(lineAfter(out, 'trans_conv(X, K) ='))).toEqual([0, 0, 1, 0, 4, 6, 4, 12, 9])
    expect(numbers(lineAfter(out, 'with padding 1 ='))).toEqual([4])
    expect(numbers(lineAfter(out, 'with stride 2 ='))).toEqual([0, 0, 0, 1, 0, 0, 2, 3, 0, 2, 0, 3, 4, 6, 6, 9])
    expect(out).toContain('[1, 10, 16, 16] → [1, 20, 6, 6] → [1, 10, 16, 16]')
  })

  it('train-lenet (the demo, shortened): fit plain progress lines, the accuracy, and the two pictures it says it wrote', async () => {
    const out = mkdtempSync(join(tmpdir(), 'shapewise-demo-'))
    const text = await run('train-lenet', ['--epochs', '2', '--limit', '320', '--out', out], 300_000)
    const epochLines = text.split('\n').filter((l) => l.startsWith('epoch '))
    expect(epochLines).toHaveLength(2) // not a TTY: one plain line per epoch, no redraws
    expect(text).not.toContain('\r')
    expect(epochLines[1]).toMatch(/^epoch 2\/2  5 steps  loss \d\.\d{4}  acc [\d.]+%  val_loss \d\.\d{4}  val_acc [\d.]+%/)
    expect(numbers(lineAfter(text, 'final test accuracy:'))[0]).toBeGreaterThan(10) // above chance after 10 steps
    const loss = decode(readFileSync(lineAfter(text, 'loss curve:')))
    expect([loss.width, loss.height]).toEqual([640, 400])
    // Classic LeNet's first layer: 6 filters of 5×5 in a 3×2 grid, scale 8, margin 2.
    const filters = decode(readFileSync(lineAfter(text, 'learned first-layer filters:')))
    expect([filters.width, filters.height, filters.channels]).toEqual([2 + 3 * 42, 2 + 2 * 42, 1])
    expect(lineAfter(text, 'loss curve:').startsWith(out)).toBe(true)
  })

  it('feature-maps: a digit and the activations of both conv layers as pictures', async () => {
    const out = await runQuick('feature-maps')
    expect(numbers(lineAfter(out, 'held-out accuracy'))[0]).toBeGreaterThan(20)
    const digit = pictureAfter(out, 'as a picture:')
    expect([digit.width, digit.height - 14]).toEqual([2 + 28 * 4, 2 + 28 * 4]) // one tile, scale 4, margin 1, caption band
    const conv1 = pictureAfter(out, '6 maps of 28×28:')
    expect([conv1.width, conv1.height, conv1.channels]).toEqual([2 + 6 * (84 + 2), 2 + 84 + 2, 1])
    const conv2 = pictureAfter(out, '16 maps of 10×10:')
    expect([conv2.width, conv2.height]).toEqual([2 + 8 * 62, 2 + 2 * 62])
    // After relu each map is mapped from its own range: every tile holds black (its minimum, 0) and most hold white.
    expect(Array.from(conv1.data).filter((v) => v === 255).length).toBeGreaterThan(6)
  })

  it('simple-convnet: trains, and the 30 filters before and after training differ', async () => {
    const out = await runQuick('simple-convnet')
    expect(numbers(lineAfter(out, 'SimpleConvNet: test accuracy'))[0]).toBeGreaterThan(20)
    const before = pictureAfter(out, '30 filters before training:')
    const after = pictureAfter(out, '30 filters after training:')
    // 10 columns × 3 rows of 5×5 filters at scale 6, margin 2.
    expect([before.width, before.height, before.channels]).toEqual([2 + 10 * 32, 2 + 3 * 32, 1])
    expect([after.width, after.height]).toEqual([before.width, before.height])
    expect(Array.from(after.data)).not.toEqual(Array.from(before.data))
  })

  it('lesson-loop: the notes\' "[epoch, batch] loss" lines, falling', async () => {
    const out = await runQuick('lesson-loop')
    const lines = out.split('\n').filter((l) => /^\[\d+, +\d+\] loss: \d\.\d{3}$/.test(l))
    expect(lines.map((l) => numbers(l).slice(0, 2))).toEqual([[1, 30], [1, 60]])
    expect(numbers(lines[1])[2]).toBeLessThan(numbers(lines[0])[2])
    expect(out).toContain('Finished Training')
  })

  it('transposed-conv-matrix: C for d2l\'s example, conv = C·x and convT = Cᵀ·y in every case of the note', async () => {
    const out = await run('transposed-conv-matrix', [], 300_000)
    const matrix = out.split('(4 outputs × 9 inputs):\n')[1].split('\n').slice(0, 4).map(numbers)
    expect(matrix).toEqual([[1, 2, 0, 3, 4, 0, 0, 0, 0], [0, 1, 2, 0, 3, 4, 0, 0, 0], [0, 0, 0, 1, 2, 0, 3, 4, 0], [0, 0, 0, 0, 1, 2, 0, 3, 4]])
    expect(lineAfter(out, 'conv2d(X, K) =')).toBe('[27, 37, 57, 67]; C·x = [27, 37, 57, 67]')
    expect(lineAfter(out, 'convTranspose2d(Y, K) = Cᵀ·y:').startsWith('true')).toBe(true)
    const cases = out.split('\n').filter((l) => /^kernel 3/.test(l))
    expect(cases).toHaveLength(6)
    for (const line of cases) {
      const [convDiff, transposedDiff] = line.match(/\d\.\de[-+]\d+/g)!.map(Number)
      expect(convDiff).toBeLessThan(1e-5)
      expect(transposedDiff).toBeLessThan(1e-5)
    }
    // outputPadding 1 gives back the 8×8 that the stride-2 conv rounded to 4×4.
    expect(cases[4]).toMatch(/8×8 → 4×4 .*\(convT gives 8×8\)$/)
  })

  it('lenet-d2l: the shape table of d2l\'s LeNet, and both LeNets trained', async () => {
    const out = await runQuick('lenet-d2l')
    for (const [layer, shape] of [['1. conv2d', '[1, 6, 28, 28]'], ['3. avgPool2d', '[1, 6, 14, 14]'], ['6. avgPool2d', '[1, 16, 5, 5]'], ['12. linear', '[1, 10]']])
      expect(lineAfter(out, layer).startsWith(shape)).toBe(true)
    const [d2l, modern] = numbers(lineAfter(out, 'test accuracy: d2l LeNet'))
    expect(d2l).toBeGreaterThanOrEqual(0)
    expect(modern).toBeGreaterThan(15) // above chance after 4 steps
  })

  it('depthwise-separable: parameter and multiply-add counts, shapes, and the per-channel identity', async () => {
    const out = await run('depthwise-separable')
    expect(numbers(lineAfter(out, 'standard 3×3 conv 32 → 64:').replace(/,/g, ''))).toEqual([18432, 57802752])
    expect(numbers(lineAfter(out, 'depthwise 3×3 (groups 32) + 1×1:').replace(/,/g, ''))).toEqual([2336, 7325696])
    expect(lineAfter(out, 'shapes:')).toBe('standard [1, 64, 56, 56], depthwise [1, 32, 56, 56], separable [1, 64, 56, 56]')
    expect(numbers(lineAfter(out, 'max |difference| =')).at(-1)).toBeLessThan(1e-5)
  })

  it('inception-resnet: the Inception block\'s 256 channels, a ResNet smoke run and its loss curve', async () => {
    const out = await runQuick('inception-resnet')
    expect(lineAfter(out, 'Inception block:')).toMatch(/^\[2, 192, 28, 28\] → \[2, 256, 28, 28\] .* all finite: true$/)
    // The architecture, by its parameter count (convs without bias, four numbers per batch norm channel).
    expect(lineAfter(out, 'ResNet (')).toBe('3 residual blocks, 38,682 parameters) on Fashion-MNIST: 128 train / 100 test, 1 epoch(s)')
    const perEpoch = numbers(lineAfter(out, 'ResNet test accuracy per epoch:'))
    expect(perEpoch).toHaveLength(1)
    expect(perEpoch[0]).toBeGreaterThanOrEqual(0)
    expect(perEpoch[0]).toBeLessThanOrEqual(100)
    const summary = lineAfter(out, 'ResNet test accuracy:')
    expect(numbers(summary)[0]).toBe(perEpoch[0])
    expect(Number(summary.match(/(\d+) images\/s/)?.[1])).toBeGreaterThan(0)
    const curve = pictureAfter(out, 'loss curve:')
    expect([curve.width, curve.height]).toEqual([640, 400])
  })

  it('im2col: the lesson\'s (9, 75) and (90, 75), and conv = im2col + matmul', async () => {
    const out = await run('im2col')
    expect(lineAfter(out, 'unfold(x1, kernel 5).shape =')).toBe('[1, 75, 9]')
    expect(lineAfter(out, 'im2col(x1 [1, 3, 7, 7], 5, 5, stride=1, pad=0).shape =')).toBe('(9, 75)')
    expect(lineAfter(out, 'im2col(x2 [10, 3, 7, 7], 5, 5, stride=1, pad=0).shape =')).toBe('(90, 75)')
    for (const label of ['x2, stride 1, pad 0:', 'x2, stride 2, pad 2:']) expect(numbers(lineAfter(out, label).split('=')[1])[0]).toBeLessThan(1e-4)
  })

  it('alexnet: typed at 227 with LRN and dropout, a forward pass runs, LRN matches its formula', async () => {
    const out = await run('alexnet', [], 300_000)
    expect(lineAfter(out, 'Total params:')).toBe('62,378,344')
    expect(lineAfter(out, 'AlexNet forward (227×227, evaluation mode):')).toMatch(/^logits \[1, 1000\], all finite: true/)
    expect(numbers(lineAfter(out, 'local response norm vs its formula: max |difference| =')).at(-1)).toBeLessThan(1e-5)
  })

  it('dcgan: untrained and briefly trained samples as 8×8 grids, the discriminator learning', async () => {
    const out = await runQuick('dcgan')
    const losses = out.split('\n').filter((l) => l.startsWith('step ')).map((l) => numbers(l))
    expect(losses.map((l) => l[0])).toEqual([2, 4, 6, 8, 10])
    expect(losses[4][1]).toBeLessThan(losses[0][1]) // the discriminator loss falls first
    const before = pictureAfter(out, 'untrained samples:')
    const after = pictureAfter(out, 'trained samples:')
    expect([before.width, before.height, before.channels]).toEqual([2 + 8 * 58, 2 + 8 * 58, 1])
    expect([after.width, after.height]).toEqual([before.width, before.height])
    // Ten steps at lr 2e-4 move the samples only slightly: the change is measured on the values, not the bytes.
    expect(numbers(lineAfter(out, "mean |change| of the 64 samples' pixels (range −1..1):"))[0]).toBeGreaterThan(0)
  })
})
