/**
 * Pictures of what a CNN holds: its filters, its feature maps, a grid of
 * images (with labels). Each returns PNG bytes; write them with
 * `fs.writeFileSync(path, bytes)`.
 */
import { gridRaster, encodePng, extent, readValues, checkGridOptions, tileOrigin, vizFail, type ColorMap, type Picturable, type Tile, type GridLayout, type Raster } from './raster.ts'
import { svgToPng, escapeXml, FONT_FAMILY } from './svg.ts'

export interface GridOptions {
  /** Each value becomes a scale × scale block of pixels (default 4). */
  readonly scale?: number
  /** Pixels between tiles and around the border (default 1). */
  readonly margin?: number
  /** Tiles per row (default: as square a grid as the count allows). */
  readonly columns?: number
  /** Grey level of the margin, 0 (black) … 255 (white); default 255. */
  readonly background?: number
  /** `gray`: low values dark, high light. `gray_r`: reversed, as the lessons' `cmap=plt.cm.gray_r`. */
  readonly colorMap?: ColorMap
}

export interface FiltersPngOptions extends GridOptions {
  /** Map each filter's own min..max to black..white (`filter`, default), or one range over all filters (`global`), which keeps their strengths comparable. */
  readonly normalize?: 'filter' | 'global'
  /** For weights whose input channels are neither 1 (grey) nor 3 (RGB): draw this input channel of every filter in grey. */
  readonly inputChannel?: number
}

const layoutFor = (fn: string, count: number, h: number, w: number, channels: 1 | 3, o: GridOptions, labelHeight = 0): GridLayout => {
  checkGridOptions(fn, o)
  const background = o.background ?? 255
  if (!(Number.isInteger(background) && background >= 0 && background <= 255)) vizFail(`${fn}: background must be an integer in 0..255, got ${background}`)
  if (count === 0) vizFail(`${fn}: there is nothing to draw (0 tiles)`)
  return {
    count,
    tileHeight: h,
    tileWidth: w,
    channels,
    columns: Math.min(count, o.columns ?? Math.ceil(Math.sqrt(count))),
    scale: o.scale ?? 4,
    margin: o.margin ?? 1,
    background,
    labelHeight,
  }
}

/** Tiles of `count` consecutive blocks of `planeSize × channels` values, each with its own or one shared range. */
const tilesOf = (values: Float32Array, count: number, stride: number, channels: number, planeSize: number, shared: boolean, firstPlane = 0): Tile[] => {
  const all = extent(values)
  return Array.from({ length: count }, (_, i) => {
    const offset = i * stride + firstPlane * planeSize
    return { values, offset, range: shared ? all : extent(values, offset, offset + channels * planeSize) }
  })
}

/**
 * The filters of a convolution `[Co, Ci, kh, kw]` as a grid of pictures:
 * grey for one input channel, colour for three (the first layer of an RGB
 * network), or one chosen input channel of any other count.
 *
 * @example
 * import { writeFileSync } from 'node:fs'
 * import { randn } from 'shapewise'
 * import { filtersPng } from 'shapewise/viz'
 * writeFileSync('filters.png', await filtersPng(randn([30, 1, 5, 5]), { colorMap: 'gray_r', columns: 10 }))
 */
export async function filtersPng(weight: Picturable<readonly [number, number, number, number]>, options: FiltersPngOptions = {}): Promise<Uint8Array> {
  const fn = 'filtersPng'
  const { values, shape: [co, ci, kh, kw] } = await readValues(fn, weight, 4, 'convolution weights [Co, Ci, kh, kw]')
  const picked = options.inputChannel
  if (picked !== undefined && !(Number.isInteger(picked) && picked >= 0 && picked < ci))
    vizFail(`${fn}: inputChannel must be an integer in 0..${ci - 1}, got ${picked}`)
  if (picked === undefined && ci !== 1 && ci !== 3)
    vizFail(`${fn}: weights have ${ci} input channels; a picture shows 1 (grey) or 3 (RGB): pass inputChannel to draw one of them`)
  const channels = picked === undefined ? (ci as 1 | 3) : 1
  const plane = kh * kw
  const g = layoutFor(fn, co, kh, kw, channels, options)
  const shared = options.normalize === 'global'
  const tiles = tilesOf(values, co, ci * plane, channels, plane, false, picked ?? 0)
  // A global range is taken over the drawn channel(s) only.
  const range = shared ? tiles.reduce<[number, number]>(([lo, hi], t) => [Math.min(lo, t.range[0]), Math.max(hi, t.range[1])], [Infinity, -Infinity]) : undefined
  return encodePng(gridRaster(g, range ? tiles.map((t) => ({ ...t, range })) : tiles, options.colorMap ?? 'gray'))
}

export interface FeatureMapsPngOptions extends GridOptions {
  /** Map each channel's own min..max to black..white (`map`, default), or one range over all channels (`global`). */
  readonly normalize?: 'map' | 'global'
}

/**
 * The activations of one image, `[C, H, W]`, as a grid of C grey pictures
 * (take one image of a batch with `x.slice` or `reshape` first).
 *
 * @example
 * import { writeFileSync } from 'node:fs'
 * import { randn } from 'shapewise'
 * import { featureMapsPng } from 'shapewise/viz'
 * writeFileSync('maps.png', await featureMapsPng(randn([6, 28, 28]), { scale: 2 }))
 */
export async function featureMapsPng(activation: Picturable<readonly [number, number, number]>, options: FeatureMapsPngOptions = {}): Promise<Uint8Array> {
  const fn = 'featureMapsPng'
  const { values, shape: [c, h, w] } = await readValues(fn, activation, 3, 'one image\'s activations [C, H, W]')
  const g = layoutFor(fn, c, h, w, 1, options)
  return encodePng(gridRaster(g, tilesOf(values, c, h * w, 1, h * w, options.normalize === 'global'), options.colorMap ?? 'gray'))
}

export interface ImageGridPngOptions extends GridOptions {
  /**
   * Values drawn black..white: `all` (default) one min..max over every image,
   * `image` each image's own, or a fixed `[low, high]` (e.g. `[-1, 1]` for a
   * tanh generator, `[0, 1]` for raw pixels).
   */
  readonly range?: 'all' | 'image' | readonly [number, number]
  /** One caption per image, drawn under it (e.g. `'7 → 1'` for a misclassified digit). */
  readonly labels?: readonly string[]
  /** CSS colour per caption (default black), e.g. red for the wrong ones. */
  readonly labelColors?: readonly string[]
}

const LABEL_FONT_SIZE = 11
const LABEL_HEIGHT = 14

/**
 * A batch of images `[N, C, H, W]` (C = 1 grey or 3 RGB) as one picture:
 * generator samples, a data set's first images, misclassified digits with
 * their labels.
 *
 * @example
 * import { writeFileSync } from 'node:fs'
 * import { rand } from 'shapewise'
 * import { imageGridPng } from 'shapewise/viz'
 * writeFileSync('grid.png', await imageGridPng(rand([8, 1, 28, 28]), { labels: ['0', '1', '2', '3', '4', '5', '6', '7'] }))
 */
export async function imageGridPng(images: Picturable<readonly [number, number, number, number]>, options: ImageGridPngOptions = {}): Promise<Uint8Array> {
  const fn = 'imageGridPng'
  const { values, shape: [n, c, h, w] } = await readValues(fn, images, 4, 'images [N, C, H, W]')
  if (c !== 1 && c !== 3) vizFail(`${fn}: images have ${c} channels; a picture shows 1 (grey) or 3 (RGB)`)
  const { labels, labelColors, range = 'all' } = options
  if (labels && labels.length !== n) vizFail(`${fn}: ${labels.length} labels for ${n} images`)
  if (labelColors && labelColors.length !== n) vizFail(`${fn}: ${labelColors.length} label colours for ${n} images`)
  if (Array.isArray(range) && !(range[1] > range[0])) vizFail(`${fn}: range must be [low, high] with high > low, got [${range.join(', ')}]`)
  const g = layoutFor(fn, n, h, w, c as 1 | 3, options, labels ? LABEL_HEIGHT : 0)
  const tiles = tilesOf(values, n, c * h * w, c, h * w, range === 'all')
  const fixed = typeof range === 'object' ? tiles.map((t) => ({ ...t, range: range as readonly [number, number] })) : tiles
  const raster = gridRaster(g, fixed, options.colorMap ?? 'gray')
  return labels ? withLabels(raster, g, labels, labelColors) : encodePng(raster)
}

/** Captions under the tiles, set by resvg over the raster (embedded as an image at its own size, so its pixels are unchanged). */
const withLabels = (raster: Raster, g: GridLayout, labels: readonly string[], colors?: readonly string[]): Uint8Array => {
  const picture = Buffer.from(encodePng(raster)).toString('base64')
  const captions = labels.map((label, i) => {
    const { x, y } = tileOrigin(g, i)
    const cx = x + (g.tileWidth * g.scale) / 2
    const baseline = y + g.tileHeight * g.scale + LABEL_HEIGHT - 3
    return `<text x="${cx}" y="${baseline}" text-anchor="middle" font-size="${LABEL_FONT_SIZE}" fill="${escapeXml(colors?.[i] ?? 'black')}">${escapeXml(label)}</text>`
  })
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${raster.width}" height="${raster.height}" font-family="${FONT_FAMILY}">
<image x="0" y="0" width="${raster.width}" height="${raster.height}" image-rendering="optimizeSpeed" xlink:href="data:image/png;base64,${picture}"/>
${captions.join('\n')}
</svg>`
  return svgToPng(svg)
}
