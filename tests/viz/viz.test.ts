/** The pictures decode to the sizes and pixel values their inputs and options determine. */
import { describe, expect, it } from 'vitest'
import { decode } from 'fast-png'
import { fromArray } from '../../src/index.ts'
import { filtersPng, featureMapsPng, imageGridPng, lineChart, lineChartPng, confusionMatrix, confusionMatrixPng, VizError } from '../../src/viz/index.ts'
import { niceTicks, chartFrame, TAB10 } from '../../src/viz/chart.ts'
import { cellColor, matrixOrigin } from '../../src/viz/confusion.ts'

const png = (bytes: Uint8Array) => {
  const d = decode(bytes)
  const at = (x: number, y: number) => Array.from(d.data.slice((y * d.width + x) * d.channels, (y * d.width + x + 1) * d.channels))
  return { width: d.width, height: d.height, channels: d.channels, depth: d.depth, at }
}
const iota = (n: number, scale = 1) => Float32Array.from({ length: n }, (_, i) => i * scale)

describe('filtersPng', () => {
  it('one input channel: grey tiles, each filter mapped from its own min..max, scale and margins', async () => {
    // Two 2×2 filters: [0, 1, 2, 3] and [10, 10, 10, 40].
    const weight = { values: [0, 1, 2, 3, 10, 10, 10, 40], shape: [2, 1, 2, 2] as const }
    const p = png(await filtersPng(weight, { scale: 3, margin: 2, columns: 2 }))
    expect([p.width, p.height, p.channels, p.depth]).toEqual([2 + 2 * (6 + 2), 2 + 6 + 2, 1, 8])
    expect(p.at(0, 0)).toEqual([255]) // margin: white background
    // Filter 0 at x 2..7, y 2..7; each value is a 3×3 block.
    expect([p.at(2, 2), p.at(4, 4), p.at(5, 2), p.at(2, 5), p.at(7, 7)]).toEqual([[0], [0], [85], [170], [255]])
    // Filter 1 at x 10..15: its own range 10..40.
    expect([p.at(10, 2), p.at(15, 7)]).toEqual([[0], [255]])
  })

  it('global normalisation shares one range; gray_r reverses the ramp', async () => {
    const weight = fromArray(Float32Array.from([0, 1, 2, 3, 10, 10, 10, 40]), [2, 1, 2, 2])
    const p = png(await filtersPng(weight, { scale: 1, margin: 0, columns: 2, normalize: 'global', colorMap: 'gray_r' }))
    expect([p.width, p.height]).toEqual([4, 2])
    // 0 → white in gray_r, 40 → black; 10 → 255 − round(255·10/40) = 191.
    expect([p.at(0, 0), p.at(1, 1), p.at(2, 0), p.at(3, 1)]).toEqual([[255], [255 - Math.round((255 * 3) / 40)], [191], [0]])
  })

  it('three input channels: RGB tiles with the channels in order', async () => {
    // One 1×1 filter whose R, G, B are 0, 1, 2 → 0, 128, 255.
    const p = png(await filtersPng({ values: [0, 1, 2], shape: [1, 3, 1, 1] }, { scale: 1, margin: 0 }))
    expect([p.width, p.height, p.channels]).toEqual([1, 1, 3])
    expect(p.at(0, 0)).toEqual([0, 128, 255])
  })

  it('a constant filter is mid-grey; other channel counts need inputChannel', async () => {
    const flat = png(await filtersPng({ values: [5, 5, 5, 5], shape: [1, 1, 2, 2] }, { scale: 1, margin: 0 }))
    expect(flat.at(1, 1)).toEqual([128])
    const two = { values: iota(8), shape: [1, 2, 2, 2] as const }
    await expect(filtersPng(two)).rejects.toThrow('filtersPng: weights have 2 input channels; a picture shows 1 (grey) or 3 (RGB): pass inputChannel to draw one of them')
    const second = png(await filtersPng(two, { inputChannel: 1, scale: 1, margin: 0 }))
    expect([second.at(0, 0), second.at(1, 1)]).toEqual([[0], [255]])
    await expect(filtersPng(two, { inputChannel: 2 })).rejects.toThrow('filtersPng: inputChannel must be an integer in 0..1, got 2')
    await expect(filtersPng({ values: iota(4), shape: [4, 1] } as never)).rejects.toThrow(VizError)
    await expect(filtersPng({ values: iota(4), shape: [4, 1] } as never)).rejects.toThrow('filtersPng: expects convolution weights [Co, Ci, kh, kw], got [4, 1]')
    await expect(filtersPng(two, { inputChannel: 0, scale: 0 })).rejects.toThrow('filtersPng: scale must be an integer ≥ 1, got 0')
  })
})

describe('featureMapsPng', () => {
  it('one grey tile per channel, laid out in a near-square grid', async () => {
    const maps = fromArray(iota(5 * 2 * 3), [5, 2, 3])
    const p = png(await featureMapsPng(maps, { scale: 1, margin: 1 }))
    // 5 maps → 3 columns, 2 rows of 3×2 tiles.
    expect([p.width, p.height]).toEqual([1 + 3 * 4, 1 + 2 * 3])
    expect([p.at(1, 1), p.at(3, 2)]).toEqual([[0], [255]])
    // Map 4 (second row, second column) starts at x 5, y 4; an empty slot stays background.
    expect([p.at(5, 4), p.at(9, 4)]).toEqual([[0], [255]])
    const global = png(await featureMapsPng(maps, { scale: 1, margin: 0, normalize: 'global' }))
    expect([global.at(0, 0), global.at(3, 0)]).toEqual([[0], [Math.round((255 * 6) / 29)]])
    await expect(featureMapsPng({ values: iota(4), shape: [1, 1, 2, 2] } as never)).rejects.toThrow("featureMapsPng: expects one image's activations [C, H, W], got [1, 1, 2, 2]")
  })
})

describe('imageGridPng', () => {
  it('fixed, shared and per-image ranges', async () => {
    const images = { values: [-1, 0, 1, 0.5], shape: [2, 1, 1, 2] as const }
    const fixed = png(await imageGridPng(images, { range: [-1, 1], scale: 1, margin: 0, columns: 2 }))
    expect([fixed.at(0, 0), fixed.at(1, 0), fixed.at(2, 0), fixed.at(3, 0)]).toEqual([[0], [128], [255], [191]])
    const own = png(await imageGridPng(images, { range: 'image', scale: 1, margin: 0, columns: 2 }))
    expect([own.at(2, 0), own.at(3, 0)]).toEqual([[255], [0]])
    await expect(imageGridPng(images, { range: [1, 1] })).rejects.toThrow('imageGridPng: range must be [low, high] with high > low, got [1, 1]')
    await expect(imageGridPng({ values: iota(2), shape: [1, 2, 1, 1] })).rejects.toThrow('imageGridPng: images have 2 channels; a picture shows 1 (grey) or 3 (RGB)')
  })

  it('labels: a caption band under each tile, drawn as text, the image pixels unchanged', async () => {
    const images = { values: [0, 1, 1, 0], shape: [2, 1, 1, 2] as const }
    const plain = png(await imageGridPng(images, { scale: 20, margin: 2, columns: 2 }))
    const labelled = png(await imageGridPng(images, { scale: 20, margin: 2, columns: 2, labels: ['7 → 1', '3'], labelColors: ['red', 'black'] }))
    expect([plain.width, plain.height]).toEqual([2 + 2 * 42, 2 + 20 + 2])
    expect([labelled.width, labelled.height]).toEqual([plain.width, plain.height + 14])
    // Tile pixels are the same grey levels in both (RGBA from the renderer).
    for (const [x, y] of [[2, 2], [25, 10], [44, 2], [80, 21]]) expect(labelled.at(x, y).slice(0, 3)).toEqual([plain.at(x, y)[0], plain.at(x, y)[0], plain.at(x, y)[0]])
    // The caption band of tile 0 holds red text pixels; tile 1's holds dark ones and no red.
    const band = (x0: number, x1: number) => {
      const pixels: number[][] = []
      for (let y = 22; y < 36; y++) for (let x = x0; x < x1; x++) pixels.push(labelled.at(x, y))
      return pixels
    }
    const reddish = (p: number[]) => p[0] > 150 && p[1] < 100 && p[2] < 100
    expect(band(2, 42).filter(reddish).length).toBeGreaterThan(5)
    expect(band(44, 84).filter(reddish)).toHaveLength(0)
    expect(band(44, 84).filter((p) => p[0] < 100 && p[1] < 100).length).toBeGreaterThan(3)
    await expect(imageGridPng(images, { labels: ['1'] })).rejects.toThrow('imageGridPng: 1 labels for 2 images')
  })
})

describe('lineChart', () => {
  const options = { series: [{ name: 'train loss', values: [2, 1.5, 1, 0.5] }, { name: 'test loss', values: [2.2, NaN, 1.2, 0.9] }], xLabel: 'epoch', yLabel: 'loss', title: 'LeNet <MNIST>' }

  it('SVG: a polyline per run of finite points, escaped text, round ticks', () => {
    const svg = lineChart(options)
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400"')).toBe(true)
    expect(svg.match(/<polyline /g)).toHaveLength(2) // train: one run; test: NaN splits it into a dot and a run of two
    expect(svg.match(/<circle /g)).toHaveLength(1)
    expect(svg).toContain('LeNet &lt;MNIST&gt;')
    expect(svg).toContain('>epoch</text>')
    expect(niceTicks(0.4, 2.3)).toEqual([0.5, 1, 1.5, 2])
    expect(niceTicks(1, 100)).toEqual([20, 40, 60, 80, 100])
    expect(() => lineChart({ series: [] })).toThrow('lineChart: series is empty; give at least one { name, values }')
    expect(() => lineChart({ series: [{ name: 'a', values: [1, 2], x: [1] }] })).toThrow("lineChart: series 'a' has 1 x values for 2 y values")
    expect(() => lineChart({ series: [{ name: 'a', values: [NaN] }] })).toThrow('lineChart: no finite point to draw')
  })

  it('PNG: the picture size, white paper, the frame and the first series colour on the curve', () => {
    const p = png(lineChartPng({ series: [{ name: 'flat', values: [1, 1, 1] }], width: 300, height: 200 }))
    expect([p.width, p.height]).toEqual([300, 200])
    expect(p.at(5, 5)).toEqual([255, 255, 255, 255])
    const f = chartFrame(300, 200)
    // A constant series sits at mid-height; the middle of the curve is tab10 blue.
    const blue = [0x1f, 0x77, 0xb4, 255]
    expect(p.at(Math.round((f.left + f.right) / 2), Math.round((f.top + f.bottom) / 2))).toEqual(blue)
    expect(TAB10[0]).toBe('#1f77b4')
  })
})

describe('confusion matrix', () => {
  it('counts rows = true class, columns = predicted', () => {
    expect(confusionMatrix([0, 1, 1, 2], [0, 1, 0, 2], 3)).toEqual([[1, 1, 0], [0, 1, 0], [0, 0, 1]])
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow('confusionMatrix: pair 1 (predicted 3, actual 1) is not a class in 0..2')
    expect(() => confusionMatrix([0], [0, 1], 3)).toThrow('confusionMatrix: 1 predictions for 2 labels')
  })

  it('PNG: cells shaded by count (white for 0, darkest for the largest)', () => {
    const matrix = [[4, 0], [2, 4]]
    const names = ['cat', 'dog']
    const p = png(confusionMatrixPng(matrix, { classNames: names, cellSize: 30 }))
    const o = matrixOrigin(names)
    expect([p.width, p.height]).toEqual([o.x + 60 + 10, o.y + 60 + 40])
    const corner = (row: number, col: number) => p.at(o.x + col * 30 + 2, o.y + row * 30 + 2).slice(0, 3)
    expect(corner(0, 0)).toEqual(cellColor(1))
    expect(corner(0, 1)).toEqual([255, 255, 255])
    expect(corner(1, 0)).toEqual(cellColor(0.5))
    expect(cellColor(1)).toEqual([8, 48, 107])
    expect(() => confusionMatrixPng([[1, 2]])).toThrow('confusionMatrixPng: the matrix must be square and non-empty, got 1 rows of lengths [2]')
  })
})
