/**
 * Pixels before they become a PNG: tensors read to the host, values mapped to
 * bytes, tiles laid out in a grid. Encoding is fast-png's (pure JavaScript,
 * typed, grey/RGB/RGBA at 8 bits), so nothing here needs a display or a browser.
 */
import { encode } from 'fast-png'
import type { Tensor } from '../tensor.ts'

/**
 * Errors of the picture functions: which function, which input or option, what is wrong.
 *
 * @example
 * import { zeros } from 'shapewise'
 * import { imageGridPng, VizError } from 'shapewise/viz'
 * let error: unknown
 * // Two channels make no picture (grey has 1, RGB 3).
 * try { await imageGridPng(zeros([4, 2, 8, 8])) } catch (e) { error = e }
 * error instanceof VizError // → true
 * const message = (error as VizError).message // → 'imageGridPng: images have 2 channels; a picture shows 1 (grey) or 3 (RGB)'
 */
export class VizError extends Error {
  override readonly name = 'VizError'
}
export const vizFail = (message: string): never => {
  throw new VizError(message)
}

/** Values already on the host: what the picture functions accept beside a tensor. */
export interface HostTensor<S extends readonly number[] = readonly number[]> {
  readonly values: ArrayLike<number>
  readonly shape: S
}
export type Picturable<S extends readonly number[]> = Tensor<[...S]> | HostTensor<S>

/** Reads a tensor (or takes host values) and checks its rank. */
export const readValues = async (
  fn: string,
  input: Picturable<readonly number[]>,
  rank: number,
  layout: string,
): Promise<{ values: Float32Array; shape: number[] }> => {
  const shape = [...input.shape]
  if (shape.length !== rank) vizFail(`${fn}: expects ${layout}, got [${shape.join(', ')}]`)
  const raw = 'values' in input ? input.values : await input.data()
  const size = shape.reduce((a, b) => a * b, 1)
  if (raw.length !== size) vizFail(`${fn}: ${raw.length} values do not fill shape [${shape.join(', ')}]`)
  return { values: Float32Array.from(raw), shape }
}

/** An 8-bit picture, row-major, channels interleaved. */
export interface Raster {
  readonly width: number
  readonly height: number
  readonly channels: 1 | 3
  readonly data: Uint8Array
}

/** PNG bytes of a raster. */
export const encodePng = (r: Raster): Uint8Array => encode({ width: r.width, height: r.height, data: r.data, channels: r.channels, depth: 8 })

export type ColorMap = 'gray' | 'gray_r'

/** min..max of a range of values (NaN ignored); equal ends when all values are equal. */
export const extent = (values: Float32Array, start = 0, end = values.length): [number, number] => {
  let lo = Infinity
  let hi = -Infinity
  for (let i = start; i < end; i++) {
    const v = values[i]
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  return lo <= hi ? [lo, hi] : [0, 0]
}

/**
 * One value as a byte: `(v − lo) / (hi − lo)` scaled to 0..255, clamped. A
 * constant tile (lo = hi) is mid-grey, as matplotlib draws it. `gray_r`
 * reverses the ramp (high values dark), the look of the lessons' figures.
 */
export const toByte = (v: number, lo: number, hi: number, map: ColorMap): number => {
  const t = hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0.5
  const byte = Math.round(255 * t)
  return map === 'gray_r' ? 255 - byte : byte
}

/** A tile: `channels` planes of `height × width` values (CHW), with the range it is mapped from. */
export interface Tile {
  readonly values: Float32Array
  readonly offset: number
  readonly range: readonly [number, number]
}

export interface GridLayout {
  readonly count: number
  readonly tileHeight: number
  readonly tileWidth: number
  readonly channels: 1 | 3
  readonly columns: number
  /** Each source pixel becomes scale × scale output pixels. */
  readonly scale: number
  /** Output pixels between tiles and around the border. */
  readonly margin: number
  /** Byte value of the margin (0 black … 255 white). */
  readonly background: number
  /** Extra output rows under each tile (room for a label). */
  readonly labelHeight?: number
}

export const checkGridOptions = (fn: string, o: { readonly scale?: number; readonly margin?: number; readonly columns?: number }): void => {
  for (const [name, min] of [['scale', 1], ['margin', 0], ['columns', 1]] as const) {
    const v = o[name]
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) vizFail(`${fn}: ${name} must be an integer ≥ ${min}, got ${v}`)
  }
}

/** Where tile i starts in the output picture. */
export const tileOrigin = (g: GridLayout, i: number): { x: number; y: number } => {
  const col = i % g.columns
  const row = Math.floor(i / g.columns)
  return {
    x: g.margin + col * (g.tileWidth * g.scale + g.margin),
    y: g.margin + row * (g.tileHeight * g.scale + (g.labelHeight ?? 0) + g.margin),
  }
}

/** Lays tiles out left to right, top to bottom, each value mapped by its tile's range. */
export const gridRaster = (g: GridLayout, tiles: readonly Tile[], map: ColorMap): Raster => {
  const rows = Math.ceil(g.count / g.columns)
  const width = g.margin + g.columns * (g.tileWidth * g.scale + g.margin)
  const height = g.margin + rows * (g.tileHeight * g.scale + (g.labelHeight ?? 0) + g.margin)
  const data = new Uint8Array(width * height * g.channels).fill(g.background)
  const plane = g.tileHeight * g.tileWidth
  tiles.forEach((tile, i) => {
    const { x, y } = tileOrigin(g, i)
    const [lo, hi] = tile.range
    for (let r = 0; r < g.tileHeight * g.scale; r++) {
      for (let c = 0; c < g.tileWidth * g.scale; c++) {
        const source = Math.floor(r / g.scale) * g.tileWidth + Math.floor(c / g.scale)
        const target = ((y + r) * width + x + c) * g.channels
        for (let k = 0; k < g.channels; k++) data[target + k] = toByte(tile.values[tile.offset + k * plane + source], lo, hi, map)
      }
    }
  })
  return { width, height, channels: g.channels, data }
}
