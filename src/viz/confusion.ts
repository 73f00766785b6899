/** Confusion matrices: which classes a classifier mistakes for which. */
import { svgToPng, escapeXml, FONT_FAMILY } from './svg.ts'
import { vizFail } from './raster.ts'

/**
 * Counts of (true class, predicted class) pairs: row = true class, column =
 * predicted (scikit-learn's convention), so the diagonal holds the hits.
 *
 * @example
 * import { confusionMatrix } from 'shapewise/viz'
 * // Rows are the actual classes, columns the predicted ones.
 * confusionMatrix([0, 1, 1], [0, 1, 0], 2) // → [[1, 1], [0, 1]]
 */
export function confusionMatrix(predicted: ArrayLike<number>, actual: ArrayLike<number>, classCount: number): number[][] {
  if (!(Number.isInteger(classCount) && classCount >= 1)) vizFail(`confusionMatrix: classCount must be a positive integer, got ${classCount}`)
  if (predicted.length !== actual.length) vizFail(`confusionMatrix: ${predicted.length} predictions for ${actual.length} labels`)
  const m = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0))
  for (let i = 0; i < predicted.length; i++) {
    const [p, a] = [predicted[i], actual[i]]
    if (!(Number.isInteger(p) && p >= 0 && p < classCount && Number.isInteger(a) && a >= 0 && a < classCount))
      vizFail(`confusionMatrix: pair ${i} (predicted ${p}, actual ${a}) is not a class in 0..${classCount - 1}`)
    m[a][p]++
  }
  return m
}

export interface ConfusionMatrixPngOptions {
  /** Names along the axes (default 0, 1, 2, …). */
  readonly classNames?: readonly string[]
  readonly title?: string
  /** Pixels per cell (default 40). */
  readonly cellSize?: number
}

/** Cell colour: white for 0 to dark blue for the largest count (matplotlib's Blues, its two ends). */
export const cellColor = (fraction: number): [number, number, number] => {
  const [light, dark] = [[255, 255, 255], [8, 48, 107]]
  return light.map((l, k) => Math.round(l + (dark[k] - l) * fraction)) as [number, number, number]
}

/** Where the cell grid starts: room for the title, the "predicted" axis label and the row names. */
export const matrixOrigin = (names: readonly string[]) => ({ x: 40 + 7 * Math.max(...names.map((n) => n.length)), y: 40 })

/**
 * A confusion matrix as a picture: one shaded cell per (true, predicted)
 * pair with its count, rows = true class.
 *
 * @example
 * import { writeFileSync } from 'node:fs'
 * import { confusionMatrix, confusionMatrixPng } from 'shapewise/viz'
 * writeFileSync('confusion.png', confusionMatrixPng(confusionMatrix([0, 1, 1], [0, 1, 0], 2), { classNames: ['cat', 'dog'] }))
 */
export function confusionMatrixPng(matrix: readonly (readonly number[])[], options: ConfusionMatrixPngOptions = {}): Uint8Array {
  const k = matrix.length
  if (k === 0 || matrix.some((row) => row.length !== k)) vizFail(`confusionMatrixPng: the matrix must be square and non-empty, got ${k} rows of lengths [${matrix.map((r) => r.length).join(', ')}]`)
  const names = options.classNames ?? matrix.map((_, i) => String(i))
  if (names.length !== k) vizFail(`confusionMatrixPng: ${names.length} class names for ${k} classes`)
  const cell = options.cellSize ?? 40
  if (!(Number.isInteger(cell) && cell >= 12)) vizFail(`confusionMatrixPng: cellSize must be an integer ≥ 12, got ${cell}`)
  const max = Math.max(1, ...matrix.flat())
  const origin = matrixOrigin(names)
  const width = origin.x + k * cell + 10
  const height = origin.y + k * cell + 40
  const parts = [`<rect width="${width}" height="${height}" fill="white"/>`]
  matrix.forEach((row, a) =>
    row.forEach((count, p) => {
      const [x, y] = [origin.x + p * cell, origin.y + a * cell]
      const fraction = count / max
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${cellColor(fraction).join(',')})" shape-rendering="crispEdges"/>`)
      parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="${Math.min(12, cell / 3)}" fill="${fraction > 0.5 ? 'white' : 'black'}">${count}</text>`)
    }),
  )
  names.forEach((name, i) => {
    parts.push(`<text x="${origin.x - 6}" y="${origin.y + i * cell + cell / 2 + 4}" text-anchor="end" font-size="11">${escapeXml(name)}</text>`)
    parts.push(`<text x="${origin.x + i * cell + cell / 2}" y="${origin.y + k * cell + 14}" text-anchor="middle" font-size="11">${escapeXml(name)}</text>`)
  })
  parts.push(`<text x="${origin.x + (k * cell) / 2}" y="${height - 8}" text-anchor="middle" font-size="12">predicted</text>`)
  parts.push(`<text transform="translate(12 ${origin.y + (k * cell) / 2}) rotate(-90)" text-anchor="middle" font-size="12">true class</text>`)
  if (options.title) parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`)
  return svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="${FONT_FAMILY}">\n${parts.join('\n')}\n</svg>\n`)
}
