/**
 * SVG to PNG through resvg (@resvg/resvg-js: Rust's resvg with prebuilt
 * binaries shipped as npm packages, no browser, no display, no system
 * libraries). Text is set in DejaVu Sans from the `dejavu-fonts-ttf` package
 * and system fonts are not loaded, so a picture is the same on every machine,
 * fonts installed or not.
 */
import { createRequire } from 'node:module'
import { Resvg } from '@resvg/resvg-js'

const require = createRequire(import.meta.url)
const fontFile = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')

/** The font family every chart and label uses. */
export const FONT_FAMILY = 'DejaVu Sans'

/**
 * Renders an SVG document to PNG bytes (RGBA), at its own size.
 *
 * @example
 * import { svgToPng } from 'shapewise/viz'
 * const png = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="red"/></svg>')
 * const signature = Array.from(png.subarray(1, 4)) // → [0x50, 0x4e, 0x47]
 */
export const svgToPng = (svg: string): Uint8Array => {
  const rendered = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: [fontFile], defaultFontFamily: FONT_FAMILY },
    fitTo: { mode: 'original' },
    imageRendering: 1,
    logLevel: 'off',
  }).render()
  return new Uint8Array(rendered.asPng())
}

/** Text safe to put inside an SVG element or attribute. */
export const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string)

/** A number short enough for an axis tick: 0.001, 25, 1.5e+4. */
export const tickText = (v: number): string => {
  if (v === 0) return '0'
  const a = Math.abs(v)
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1)
  return String(Number(v.toPrecision(4)))
}
