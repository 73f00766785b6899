/**
 * Your own images: a folder with one sub-folder per class (torchvision's
 * ImageFolder layout), PNG and JPEG files decoded by pure-JavaScript
 * libraries — fast-png (every PNG colour type and bit depth, palettes,
 * interlacing) and jpeg-js (baseline and progressive JPEG) — so nothing is
 * compiled or downloaded at install time. Images are decoded when a batch
 * needs them, converted to the channel count asked for, resized (bilinear)
 * and normalised; the batch iterator shuffles with a seed, augments (random
 * crop with padding, horizontal flip) and can prepare the next batches while
 * the device runs the current step.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import { decode as decodePng, convertIndexedToRgb } from 'fast-png'
import jpeg from 'jpeg-js'
import { fromArray, type Tensor } from '../tensor.ts'
import { permutation, rng } from './random.ts'

/**
 * A file that cannot be read as an image, a folder that is not an image folder, or a bad option; the message names the file or option.
 *
 * @example
 * import { imageFolder, ImageFolderError } from 'shapewise/data'
 * let error: unknown
 * try { imageFolder('no-such-folder') } catch (e) { error = e }
 * error instanceof ImageFolderError // → true
 */
export class ImageFolderError extends Error {
  override readonly name = 'ImageFolderError'
}
const refuse = (message: string): never => {
  throw new ImageFolderError(message)
}

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg'])

export interface ImageFolderOptions<C extends number = number, H extends number = number, W extends number = number> {
  /**
   * Channels of every image: 1 (grey, ITU-R 601 luma as PIL's 'L'), 3 (RGB,
   * grey replicated; the default, as torchvision), 4 (RGBA), or 2 (grey and
   * alpha). Alpha is 255 where a file has none.
   */
  readonly channels?: C
  /** `[height, width]` after resizing (default: the size of the first image). */
  readonly size?: readonly [H, W]
  /** Per channel (or one for all): pixels are `(value / 255 − mean) / std`. Default mean 0, std 1 (values in 0..1). */
  readonly mean?: number | readonly number[]
  readonly std?: number | readonly number[]
}

/** An image folder, scanned: its files and labels. Pixels are read when `load` (or a batch) asks for them. */
export interface ImageFolder<C extends number = number, H extends number = number, W extends number = number> {
  readonly root: string
  /** Class names: the sub-folder names, sorted; a label is an index into this list. */
  readonly classes: readonly string[]
  readonly files: readonly string[]
  readonly labels: Int32Array
  readonly count: number
  /** `[C, H, W]` of every loaded image. */
  readonly shape: readonly [C, H, W]
  /** Image i, decoded, converted, resized and normalised: C·H·W values, CHW order. */
  load(index: number): Float32Array
}

const perChannel = (name: string, v: number | readonly number[] | undefined, channels: number, fallback: number): number[] => {
  const values = v === undefined ? [fallback] : typeof v === 'number' ? [v] : [...v]
  if (values.length !== 1 && values.length !== channels) refuse(`imageFolder: ${name} has ${values.length} values for ${channels} channels`)
  return Array.from({ length: channels }, (_, c) => values[values.length === 1 ? 0 : c])
}

/** Decoded pixels: `channels` interleaved 8-bit values per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
interface Pixels {
  readonly width: number
  readonly height: number
  readonly channels: number
  readonly data: Uint8Array
}

/**
 * Reads a PNG or JPEG file; any failure becomes an error naming the file.
 *
 * @example
 * import { mkdirSync, writeFileSync } from 'node:fs'
 * import { encode } from 'fast-png'
 * // Two classes of tiny 4×4 RGB images, one folder per class.
 * for (const [name, value] of [['cat', 40], ['dog', 200]] as const) {
 *   mkdirSync(`photos/${name}`, { recursive: true })
 *   for (const i of [1, 2]) writeFileSync(`photos/${name}/${i}.png`, encode({ width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(value) }))
 * }
 * import { decodeImageFile } from 'shapewise/data'
 * const image = decodeImageFile('photos/cat/1.png')
 * const size = [image.width, image.height, image.channels] // → [4, 4, 3]
 */
export function decodeImageFile(path: string): Pixels {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (error) {
    return refuse(`imageFolder: cannot read ${path}: ${(error as Error).message}`)
  }
  try {
    const ext = extname(path).toLowerCase()
    if (ext === '.png') {
      const png = decodePng(bytes)
      if (png.palette) return { width: png.width, height: png.height, channels: png.palette[0].length, data: convertIndexedToRgb(png) }
      // 16-bit samples keep their high byte; 1/2/4-bit grey is scaled up to 0..255.
      const scale = png.depth < 8 ? 255 / (2 ** png.depth - 1) : 1
      const data = png.depth === 16 ? Uint8Array.from(png.data as Uint16Array, (v) => v >> 8) : scale === 1 ? Uint8Array.from(png.data) : Uint8Array.from(png.data, (v) => Math.round(v * scale))
      return { width: png.width, height: png.height, channels: png.channels, data }
    }
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false })
    return { width: image.width, height: image.height, channels: image.data.length / (image.width * image.height), data: image.data }
  } catch (error) {
    return refuse(`imageFolder: cannot decode ${path}: ${(error as Error).message}`)
  }
}

/** One pixel's value on `channel` of the target channel count, from a source pixel at `p`. */
const convertPixel = (src: Pixels, p: number, channels: number, channel: number): number => {
  const d = src.data
  const s = src.channels
  const hasColor = s >= 3
  const alpha = s === 2 || s === 4 ? d[p + s - 1] : 255
  const grey = () => (hasColor ? 0.299 * d[p] + 0.587 * d[p + 1] + 0.114 * d[p + 2] : d[p])
  if (channels === 1) return grey()
  if (channels === 2) return channel === 0 ? grey() : alpha
  if (channel === 3) return alpha
  return hasColor ? d[p + channel] : d[p]
}

/**
 * Bilinear resize with half-pixel centres (PyTorch's `interpolate(mode='bilinear', align_corners=False)`,
 * torchvision's Resize on tensors without antialiasing), channel conversion and normalisation, into CHW.
 */
export function resizeToChw(src: Pixels, channels: number, height: number, width: number, mean: readonly number[], std: readonly number[]): Float32Array {
  const out = new Float32Array(channels * height * width)
  const [sy, sx] = [src.height / height, src.width / width]
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5)
    const y0 = Math.min(Math.floor(fy), src.height - 1)
    const y1 = Math.min(y0 + 1, src.height - 1)
    const ly = fy - y0
    for (let x = 0; x < width; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5)
      const x0 = Math.min(Math.floor(fx), src.width - 1)
      const x1 = Math.min(x0 + 1, src.width - 1)
      const lx = fx - x0
      const at = (yy: number, xx: number) => (yy * src.width + xx) * src.channels
      for (let c = 0; c < channels; c++) {
        const top = (1 - lx) * convertPixel(src, at(y0, x0), channels, c) + lx * convertPixel(src, at(y0, x1), channels, c)
        const bottom = (1 - lx) * convertPixel(src, at(y1, x0), channels, c) + lx * convertPixel(src, at(y1, x1), channels, c)
        out[(c * height + y) * width + x] = ((1 - ly) * top + ly * bottom) / 255 / std[c] - mean[c] / std[c]
      }
    }
  }
  return out
}

/**
 * Scans `dir` (one sub-folder per class, `.png`/`.jpg`/`.jpeg` files inside,
 * sorted by name) and returns the folder's files and labels; pixels are
 * decoded on demand. Files of other types are skipped; an empty class
 * folder, or no class folder at all, is an error.
 *
 * @example
 * import { mkdirSync, writeFileSync } from 'node:fs'
 * import { encode } from 'fast-png'
 * // Two classes of tiny 4×4 RGB images, one folder per class.
 * for (const [name, value] of [['cat', 40], ['dog', 200]] as const) {
 *   mkdirSync(`photos/${name}`, { recursive: true })
 *   for (const i of [1, 2]) writeFileSync(`photos/${name}/${i}.png`, encode({ width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(value) }))
 * }
 * import { imageFolder } from 'shapewise/data'
 * const folder = imageFolder('photos', { channels: 3, size: [2, 2], mean: 0.5, std: 0.5 })
 * folder.classes // → ['cat', 'dog']
 * folder.count // → 4
 * folder.load(3).length // → 12
 */
export function imageFolder<const C extends number = 3, const H extends number = number, const W extends number = number>(
  dir: string,
  options: ImageFolderOptions<C, H, W> = {},
): ImageFolder<C, H, W> {
  const channels = options.channels ?? 3
  if (![1, 2, 3, 4].includes(channels)) refuse(`imageFolder: channels must be 1, 2, 3 or 4, got ${channels}`)
  if (options.size && !options.size.every((s) => Number.isInteger(s) && s >= 1)) refuse(`imageFolder: size must be two positive integers [height, width], got [${options.size.join(', ')}]`)
  let entries: string[]
  try {
    entries = readdirSync(dir).sort()
  } catch (error) {
    return refuse(`imageFolder: cannot read folder ${dir}: ${(error as Error).message}`)
  }
  const classes = entries.filter((name) => statSync(join(dir, name)).isDirectory())
  if (classes.length === 0) refuse(`imageFolder: ${dir} has no class sub-folders (expected ${dir}/<class>/<image>.png|jpg)`)
  const files: string[] = []
  const labels: number[] = []
  classes.forEach((name, label) => {
    const inClass = readdirSync(join(dir, name)).sort().filter((f) => EXTENSIONS.has(extname(f).toLowerCase()))
    if (inClass.length === 0) refuse(`imageFolder: class folder ${join(dir, name)} has no .png, .jpg or .jpeg file`)
    for (const f of inClass) {
      files.push(join(dir, name, f))
      labels.push(label)
    }
  })
  const first = options.size ? undefined : decodeImageFile(files[0])
  const [height, width] = options.size ?? [first!.height, first!.width]
  const mean = perChannel('mean', options.mean, channels, 0)
  const std = perChannel('std', options.std, channels, 1)
  if (!std.every((s) => s > 0 && Number.isFinite(s))) refuse(`imageFolder: std must be positive, got [${std.join(', ')}]`)
  return {
    root: dir,
    classes,
    files,
    labels: Int32Array.from(labels),
    count: files.length,
    shape: [channels as C, height as H, width as W],
    load: (index) => {
      if (!(Number.isInteger(index) && index >= 0 && index < files.length)) refuse(`imageFolder: index ${index} out of range for ${files.length} images`)
      return resizeToChw(decodeImageFile(files[index]), channels, height, width, mean, std)
    },
  }
}

export interface ImageBatchOptions {
  readonly batchSize: number
  /** Visit the images in a seeded random order (default false). */
  readonly shuffle?: boolean
  /** Seed of the order and the augmentations (default 0); pass a new one per epoch, e.g. the epoch number. */
  readonly seed?: number
  readonly dropLast?: boolean
  /** Pad each side by `padding` (zeros, after normalisation) and cut a random window of the image's size: torchvision's RandomCrop(size, padding). */
  readonly randomCrop?: { readonly padding: number }
  /** Mirror left–right with probability 0.5 (RandomHorizontalFlip). */
  readonly flip?: boolean
  /** Batches prepared ahead (default 0): they are decoded while the device runs the current step. */
  readonly prefetch?: number
}

/** Random crop with zero padding and a horizontal flip, in place of `image` (CHW). */
const augment = (image: Float32Array, [c, h, w]: readonly number[], padding: number, flip: boolean, next: () => number): Float32Array => {
  const out = new Float32Array(image.length)
  const dy = padding ? (next() >>> 0) % (2 * padding + 1) - padding : 0
  const dx = padding ? (next() >>> 0) % (2 * padding + 1) - padding : 0
  const mirror = flip && (next() >>> 0) % 2 === 1
  for (let k = 0; k < c; k++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const [sy, sx] = [y + dy, (mirror ? w - 1 - x : x) + dx]
        if (sy >= 0 && sy < h && sx >= 0 && sx < w) out[(k * h + y) * w + x] = image[(k * h + sy) * w + sx]
      }
  return out
}

/** The batch of `indices`: decoded, augmented, as host arrays. */
const hostBatch = (folder: ImageFolder, indices: Uint32Array, options: ImageBatchOptions, next: () => number) => {
  const size = folder.shape[0] * folder.shape[1] * folder.shape[2]
  const images = new Float32Array(indices.length * size)
  const labels = new Int32Array(indices.length)
  const padding = options.randomCrop?.padding ?? 0
  indices.forEach((i, k) => {
    const image = folder.load(i)
    images.set(padding || options.flip ? augment(image, folder.shape, padding, Boolean(options.flip), next) : image, k * size)
    labels[k] = folder.labels[i]
  })
  return { images, labels, count: indices.length }
}

/** Runs `f` on a later turn of the event loop (after pending I/O, such as a GPU step's completion). */
const later = <T>(f: () => T): Promise<T> =>
  new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(f())
      } catch (error) {
        reject(error)
      }
    }),
  )

/**
 * One epoch of an image folder as tensor batches, `x: [n, C, H, W]`,
 * `y: [n]`. Shuffling and augmentation are seeded; with `prefetch: k` the
 * next k batches are decoded ahead, each on its own turn of the event loop,
 * so the work fills the time the device spends on the step.
 *
 * @example
 * import { mkdirSync, writeFileSync } from 'node:fs'
 * import { encode } from 'fast-png'
 * // Two classes of tiny 4×4 RGB images, one folder per class.
 * for (const [name, value] of [['cat', 40], ['dog', 200]] as const) {
 *   mkdirSync(`photos/${name}`, { recursive: true })
 *   for (const i of [1, 2]) writeFileSync(`photos/${name}/${i}.png`, encode({ width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(value) }))
 * }
 * import { imageFolder, imageBatches } from 'shapewise/data'
 * const folder = imageFolder('photos', { channels: 3, size: [4, 4] })
 * for await (const { x, y } of imageBatches(folder, { batchSize: 4, shuffle: true, seed: 3, randomCrop: { padding: 1 }, flip: true })) {
 *   x.shape // → [4, 3, 4, 4]
 *   const labels = Array.from(await y.data()).sort() // → [0, 0, 1, 1]
 * }
 */
export async function* imageBatches<C extends number, H extends number, W extends number>(
  folder: ImageFolder<C, H, W>,
  options: ImageBatchOptions,
): AsyncGenerator<{ x: Tensor<[number, C, H, W]>; y: Tensor<[number], 'int32'> }, void, undefined> {
  const { batchSize, prefetch = 0 } = options
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) refuse(`imageBatches: batchSize must be a positive integer, got ${batchSize}`)
  if (!(Number.isInteger(prefetch) && prefetch >= 0)) refuse(`imageBatches: prefetch must be a non-negative integer, got ${prefetch}`)
  const padding = options.randomCrop?.padding
  if (padding !== undefined && !(Number.isInteger(padding) && padding >= 0)) refuse(`imageBatches: randomCrop.padding must be a non-negative integer, got ${padding}`)
  const seed = options.seed ?? 0
  const order = options.shuffle ? permutation(folder.count, seed) : Uint32Array.from({ length: folder.count }, (_, i) => i)
  const total = options.dropLast ? Math.floor(folder.count / batchSize) : Math.ceil(folder.count / batchSize)
  // One generator per batch, so a batch's augmentation does not depend on how far ahead others were prepared.
  const prepare = (b: number) => hostBatch(folder, order.subarray(b * batchSize, Math.min((b + 1) * batchSize, folder.count)), options, rng(seed * 1_000_003 + b + 1))
  const queue: Promise<ReturnType<typeof hostBatch>>[] = []
  for (let b = 0; b < total; b++) {
    while (queue.length <= prefetch && b + queue.length < total) {
      const index = b + queue.length
      const ready = prefetch ? later(() => prepare(index)) : Promise.resolve().then(() => prepare(index))
      ready.catch(() => {}) // surfaced when awaited below; a batch never reached must not be an unhandled rejection
      queue.push(ready)
    }
    const batch = await (queue.shift() as Promise<ReturnType<typeof hostBatch>>)
    const [c, h, w] = folder.shape
    yield { x: fromArray(batch.images, [batch.count, c, h, w]), y: fromArray(batch.labels, [batch.count], 'int32') }
  }
}
