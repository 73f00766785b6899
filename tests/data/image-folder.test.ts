/** imageFolder and imageBatches on tiny images this test writes itself. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encode as encodePng } from 'fast-png'
import jpeg from 'jpeg-js'
import { describe, expect, it } from 'vitest'
import { imageFolder, imageBatches, ImageFolderError } from '../../src/data/index.ts'

const png = (width: number, height: number, channels: number, data: number[] | Uint8Array, depth: 8 | 16 = 8) =>
  encodePng({ width, height, channels, depth, data: depth === 16 ? Uint16Array.from(data) : Uint8Array.from(data) })

/** root/cat: a 2×2 grey PNG and a 4×4 solid red RGBA PNG; root/dog: a 4×4 solid blue JPEG and a 2×1 16-bit grey PNG; plus files to skip. */
const makeFolder = () => {
  const root = mkdtempSync(join(tmpdir(), 'shapewise-images-'))
  mkdirSync(join(root, 'dog'))
  mkdirSync(join(root, 'cat'))
  writeFileSync(join(root, 'cat', 'a.png'), png(2, 2, 1, [0, 255, 255, 0]))
  writeFileSync(join(root, 'cat', 'b.PNG'), png(4, 4, 4, Array.from({ length: 16 }, () => [255, 0, 0, 255]).flat()))
  writeFileSync(join(root, 'cat', 'notes.txt'), 'not an image')
  const blue = jpeg.encode({ width: 4, height: 4, data: Buffer.from(Array.from({ length: 16 }, () => [0, 0, 255, 255]).flat()) }, 100)
  writeFileSync(join(root, 'dog', 'c.jpg'), blue.data)
  writeFileSync(join(root, 'dog', 'd.png'), png(2, 1, 1, [0, 65535], 16))
  writeFileSync(join(root, 'README'), 'a file beside the class folders is ignored')
  return root
}

const close = (actual: ArrayLike<number>, expected: number[], tolerance = 1e-6) => {
  expect(actual.length).toBe(expected.length)
  expected.forEach((e, i) => expect(Math.abs(actual[i] - e), `value ${i}: ${actual[i]} vs ${e}`).toBeLessThanOrEqual(tolerance))
}

describe('imageFolder', () => {
  it('one class per sub-folder (sorted), PNG and JPEG files, other files skipped', () => {
    const root = makeFolder()
    const folder = imageFolder(root, { size: [2, 2] })
    expect(folder.classes).toEqual(['cat', 'dog'])
    expect(folder.files).toEqual(['cat/a.png', 'cat/b.PNG', 'dog/c.jpg', 'dog/d.png'].map((f) => join(root, f)))
    expect(Array.from(folder.labels)).toEqual([0, 0, 1, 1])
    expect(folder.shape).toEqual([3, 2, 2])
  })

  it('converts channels, resizes bilinearly (half-pixel centres) and normalises', () => {
    const root = makeFolder()
    const rgb = imageFolder(root, { size: [2, 2] })
    close(rgb.load(0), [0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0]) // grey replicated on R, G, B
    close(rgb.load(1), [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]) // solid red, alpha dropped, 4×4 → 2×2
    close(rgb.load(2), [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1], 0.02) // JPEG is lossy
    const grey = imageFolder(root, { channels: 1, size: [1, 4] })
    // 16-bit [0, 65535] widened 2 → 4 like PyTorch's bilinear, align_corners=False: [0, ¼, ¾, 1].
    close(grey.load(3), [0, 0.25, 0.75, 1], 1e-6)
    close(grey.load(1), [0.299, 0.299, 0.299, 0.299], 1e-6) // luma of red
    const rgba = imageFolder(root, { channels: 4, size: [1, 1] })
    close(rgba.load(0), [0.5, 0.5, 0.5, 1])
    const normalised = imageFolder(root, { size: [2, 2], mean: [0.5, 0.5, 0.5], std: 0.5 })
    close(normalised.load(0), [-1, 1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1])
    expect(imageFolder(root).shape).toEqual([3, 2, 2]) // default size: the first image's
    // Downsampling 4×4 → 2×2, values from torch.nn.functional.interpolate(arange(16), (2, 2), mode='bilinear', align_corners=False).
    const ramp = mkdtempSync(join(tmpdir(), 'shapewise-ramp-'))
    mkdirSync(join(ramp, 'only'))
    writeFileSync(join(ramp, 'only', 'r.png'), png(4, 4, 1, Array.from({ length: 16 }, (_, i) => i)))
    close(imageFolder(ramp, { channels: 1, size: [2, 2] }).load(0), [2.5, 4.5, 10.5, 12.5].map((v) => v / 255))
  })

  it('names the file that cannot be decoded, and refuses folders and options that make no sense', () => {
    const root = makeFolder()
    writeFileSync(join(root, 'dog', 'e.png'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]))
    writeFileSync(join(root, 'dog', 'f.jpg'), Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2]))
    const folder = imageFolder(root, { size: [2, 2] })
    expect(() => folder.load(4)).toThrow(ImageFolderError)
    expect(() => folder.load(4)).toThrow(`imageFolder: cannot decode ${join(root, 'dog', 'e.png')}: `)
    expect(() => folder.load(5)).toThrow(`imageFolder: cannot decode ${join(root, 'dog', 'f.jpg')}: `)
    expect(() => folder.load(9)).toThrow('imageFolder: index 9 out of range for 6 images')
    const empty = mkdtempSync(join(tmpdir(), 'shapewise-empty-'))
    expect(() => imageFolder(empty)).toThrow(`imageFolder: ${empty} has no class sub-folders (expected ${empty}/<class>/<image>.png|jpg)`)
    mkdirSync(join(empty, 'nothing'))
    expect(() => imageFolder(empty)).toThrow(`imageFolder: class folder ${join(empty, 'nothing')} has no .png, .jpg or .jpeg file`)
    expect(() => imageFolder(join(empty, 'missing'))).toThrow(`imageFolder: cannot read folder ${join(empty, 'missing')}: `)
    expect(() => imageFolder(root, { channels: 5 as 3 })).toThrow('imageFolder: channels must be 1, 2, 3 or 4, got 5')
    expect(() => imageFolder(root, { mean: [0, 0] })).toThrow('imageFolder: mean has 2 values for 3 channels')
    expect(() => imageFolder(root, { size: [2, 0] })).toThrow('imageFolder: size must be two positive integers [height, width], got [2, 0]')
  })
})

/** A folder of n 1-channel 3×3 images whose pixels are 9·i + 0..8 (over 255), one class per parity. */
const numbered = (n: number) => {
  const root = mkdtempSync(join(tmpdir(), 'shapewise-numbered-'))
  for (const c of ['even', 'odd']) mkdirSync(join(root, c))
  for (let i = 0; i < n; i++) writeFileSync(join(root, i % 2 ? 'odd' : 'even', `${String(i).padStart(3, '0')}.png`), png(3, 3, 1, Array.from({ length: 9 }, (_, k) => 9 * i + k)))
  return imageFolder(root, { channels: 1, size: [3, 3] })
}
const collect = async (folder: ReturnType<typeof numbered>, options: Parameters<typeof imageBatches>[1]) => {
  const out: { x: number[][]; y: number[] }[] = []
  for await (const { x, y } of imageBatches(folder, options)) {
    const values = Array.from(await x.data(), (v) => Math.round(v * 255))
    out.push({ x: Array.from({ length: x.shape[0] }, (_, i) => values.slice(9 * i, 9 * i + 9)), y: Array.from(await y.data()) })
    x.dispose()
    y.dispose()
  }
  return out
}

describe('imageBatches', () => {
  it('batches in order, or shuffled by a seed; the same seed gives the same batches, prefetch or not', async () => {
    const folder = numbered(10)
    const plain = await collect(folder, { batchSize: 4 })
    expect(plain.map((b) => b.x.length)).toEqual([4, 4, 2])
    // Files sort class by class: even 0,2,4,6,8 then odd 1,3,5,7,9.
    expect(plain.flatMap((b) => b.x.map((img) => img[0] / 9))).toEqual([0, 2, 4, 6, 8, 1, 3, 5, 7, 9])
    expect(plain.flatMap((b) => b.y)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    const a = await collect(folder, { batchSize: 4, shuffle: true, seed: 7, dropLast: true })
    expect(a).toHaveLength(2)
    expect(await collect(folder, { batchSize: 4, shuffle: true, seed: 7, dropLast: true, prefetch: 3 })).toEqual(a)
    expect(await collect(folder, { batchSize: 4, shuffle: true, seed: 8, dropLast: true })).not.toEqual(a)
    for (const b of a) b.x.forEach((img, i) => expect(b.y[i]).toBe((img[0] / 9) % 2))
  })

  it('random crop with padding shifts by at most `padding` and fills with zeros; flip mirrors rows', async () => {
    const folder = numbered(8)
    const original = (img: number[]) => Math.floor(Math.max(...img) / 9) // which image (its largest value is 9i + 8)
    const flipped = await collect(folder, { batchSize: 8, flip: true, seed: 1 })
    const kinds = new Set<string>()
    for (const img of flipped[0].x) {
      const i = original(img)
      const base = Array.from({ length: 9 }, (_, k) => 9 * i + k)
      const mirrored = [2, 1, 0, 5, 4, 3, 8, 7, 6].map((k) => base[k])
      expect([JSON.stringify(base), JSON.stringify(mirrored)]).toContain(JSON.stringify(img))
      kinds.add(JSON.stringify(img) === JSON.stringify(base) ? 'kept' : 'mirrored')
    }
    expect(kinds).toEqual(new Set(['kept', 'mirrored']))
    const cropped = await collect(folder, { batchSize: 8, randomCrop: { padding: 1 }, seed: 2 })
    let shifted = 0
    for (const img of cropped[0].x) {
      const i = original(img)
      // Some (dy, dx) in [-1, 1]² explains every pixel: the source pixel, or 0 outside.
      const explains = (dy: number, dx: number) =>
        img.every((v, k) => {
          const [y, x] = [Math.floor(k / 3) + dy, (k % 3) + dx]
          return v === (y >= 0 && y < 3 && x >= 0 && x < 3 ? 9 * i + 3 * y + x : 0)
        })
      const shifts = [-1, 0, 1].flatMap((dy) => [-1, 0, 1].filter((dx) => explains(dy, dx)).map((dx) => [dy, dx]))
      expect(shifts.length, `image ${i}: ${img}`).toBeGreaterThan(0)
      if (!explains(0, 0)) shifted++
    }
    expect(shifted).toBeGreaterThan(0)
    await expect(collect(folder, { batchSize: 2, randomCrop: { padding: -1 } })).rejects.toThrow('imageBatches: randomCrop.padding must be a non-negative integer, got -1')
  })

  it('a corrupt file fails the batch that needs it, naming the file', async () => {
    const folder = numbered(4)
    writeFileSync(folder.files[3], 'garbage')
    await expect(collect(folder, { batchSize: 2, prefetch: 1 })).rejects.toThrow(`imageFolder: cannot decode ${folder.files[3]}: `)
  })
})
