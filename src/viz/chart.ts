/**
 * Line charts of training curves as SVG (readable text, any size, diffable)
 * and as PNG through resvg.
 */
import { svgToPng, escapeXml, tickText, FONT_FAMILY } from './svg.ts'
import { vizFail } from './raster.ts'

export interface LineSeries {
  readonly name: string
  /** y values; non-finite ones (a NaN loss) leave a gap. */
  readonly values: readonly number[]
  /** x of each value (default 1, 2, 3, …: steps or epochs). */
  readonly x?: readonly number[]
  /** CSS colour (default: matplotlib's tab10 cycle). */
  readonly color?: string
}

export interface LineChartOptions {
  readonly series: readonly LineSeries[]
  readonly title?: string
  readonly xLabel?: string
  readonly yLabel?: string
  /** Pixels (default 640 × 400). */
  readonly width?: number
  readonly height?: number
  /** Logarithmic y axis (losses over many orders of magnitude); values ≤ 0 leave gaps. */
  readonly logY?: boolean
}

/** matplotlib's default colours, so curves look as they do in the lessons' plots. */
export const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const

/** Plot area inside the picture: room for the title above and the tick labels and axis labels below and left. */
export const chartFrame = (width: number, height: number) => ({ left: 70, right: width - 16, top: 34, bottom: height - 46 })

/** About `count` round tick values covering lo..hi (1, 2 or 5 times a power of ten apart). */
export const niceTicks = (lo: number, hi: number, count = 5): number[] => {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) as number
  const ticks: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number((Math.round(v / step) * step).toPrecision(12)))
  return ticks
}

/**
 * A line chart as an SVG document: one polyline per series, axes with round
 * ticks, a legend, title and axis labels.
 *
 * @example
 * import { writeFileSync } from 'node:fs'
 * import { lineChart } from 'shapewise/viz'
 * writeFileSync('loss.svg', lineChart({ series: [{ name: 'train loss', values: [2.3, 1.1, 0.6, 0.4] }], xLabel: 'epoch', yLabel: 'loss' }))
 */
export function lineChart(options: LineChartOptions): string {
  const { series, width = 640, height = 400, logY = false } = options
  if (series.length === 0) vizFail('lineChart: series is empty; give at least one { name, values }')
  if (!(Number.isInteger(width) && width >= 200 && Number.isInteger(height) && height >= 150))
    vizFail(`lineChart: width and height must be integers of at least 200 × 150, got ${width} × ${height}`)
  for (const s of series) {
    if (s.x && s.x.length !== s.values.length) vizFail(`lineChart: series '${s.name}' has ${s.x.length} x values for ${s.values.length} y values`)
  }
  const ty = (v: number) => (logY ? Math.log10(v) : v)
  const points = series.map((s) => s.values.map((v, i) => [s.x?.[i] ?? i + 1, ty(v)] as const))
  const finite = points.flat().filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
  if (finite.length === 0) vizFail('lineChart: no finite point to draw')
  const [xs, ys] = [finite.map((p) => p[0]), finite.map((p) => p[1])]
  let [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1]
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1]
  const pad = (y1 - y0) * 0.05
  ;[y0, y1] = [y0 - pad, y1 + pad]
  const f = chartFrame(width, height)
  const px = (x: number) => f.left + ((x - x0) / (x1 - x0)) * (f.right - f.left)
  const py = (y: number) => f.bottom - ((y - y0) / (y1 - y0)) * (f.bottom - f.top)
  const r = (v: number) => v.toFixed(2)

  const parts: string[] = [`<rect width="${width}" height="${height}" fill="white"/>`]
  const xTicks = niceTicks(x0, x1).filter((v) => v >= x0 && v <= x1)
  const yTicks = logY ? niceTicks(Math.ceil(y0), Math.floor(y1)).filter(Number.isInteger) : niceTicks(y0, y1).filter((v) => v >= y0 && v <= y1)
  for (const v of xTicks) {
    parts.push(`<line x1="${r(px(v))}" y1="${f.top}" x2="${r(px(v))}" y2="${f.bottom}" stroke="#e5e5e5"/>`)
    parts.push(`<text x="${r(px(v))}" y="${f.bottom + 16}" text-anchor="middle" font-size="11">${tickText(v)}</text>`)
  }
  for (const v of yTicks) {
    parts.push(`<line x1="${f.left}" y1="${r(py(v))}" x2="${f.right}" y2="${r(py(v))}" stroke="#e5e5e5"/>`)
    parts.push(`<text x="${f.left - 6}" y="${r(py(v) + 4)}" text-anchor="end" font-size="11">${logY ? tickText(10 ** v) : tickText(v)}</text>`)
  }
  parts.push(`<rect x="${f.left}" y="${f.top}" width="${f.right - f.left}" height="${f.bottom - f.top}" fill="none" stroke="#333"/>`)
  points.forEach((pts, k) => {
    const color = series[k].color ?? TAB10[k % TAB10.length]
    // A non-finite value ends a run of points: the curve has a gap there rather than a jump to the axis.
    const runs: string[][] = [[]]
    for (const [x, y] of pts) {
      if (Number.isFinite(x) && Number.isFinite(y)) runs[runs.length - 1].push(`${r(px(x))},${r(py(y))}`)
      else if (runs[runs.length - 1].length) runs.push([])
    }
    for (const run of runs.filter((run) => run.length)) {
      parts.push(run.length === 1
        ? `<circle cx="${run[0].split(',')[0]}" cy="${run[0].split(',')[1]}" r="2" fill="${escapeXml(color)}"/>`
        : `<polyline points="${run.join(' ')}" fill="none" stroke="${escapeXml(color)}" stroke-width="2" stroke-linejoin="round"/>`)
    }
  })
  const legendWidth = 24 + 7 * Math.max(...series.map((s) => s.name.length))
  series.forEach((s, k) => {
    const y = f.top + 14 + 16 * k
    const x = f.right - legendWidth
    const color = escapeXml(s.color ?? TAB10[k % TAB10.length])
    parts.push(`<line x1="${x}" y1="${y - 4}" x2="${x + 16}" y2="${y - 4}" stroke="${color}" stroke-width="2"/>`)
    parts.push(`<text x="${x + 20}" y="${y}" font-size="11">${escapeXml(s.name)}</text>`)
  })
  if (options.title) parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`)
  if (options.xLabel) parts.push(`<text x="${(f.left + f.right) / 2}" y="${height - 10}" text-anchor="middle" font-size="12">${escapeXml(options.xLabel)}</text>`)
  if (options.yLabel)
    parts.push(`<text transform="translate(16 ${(f.top + f.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(options.yLabel + (logY ? ' (log)' : ''))}</text>`)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">\n${parts.join('\n')}\n</svg>\n`
}

/**
 * The same chart as PNG bytes (rendered by resvg).
 *
 * @example
 * import { writeFileSync } from 'node:fs'
 * import { lineChartPng } from 'shapewise/viz'
 * writeFileSync('loss.png', lineChartPng({ series: [{ name: 'loss', values: [2.3, 1.1, 0.6] }], xLabel: 'epoch' }))
 */
export const lineChartPng = (options: LineChartOptions): Uint8Array => svgToPng(lineChart(options))
