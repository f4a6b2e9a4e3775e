import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSharp } from '../frames/sharp.js'
import { encodePng } from '@plaf/core'
import { mulberry32 } from '../synthetic/prng.js'
import type { Ade20kSplit } from './reader.js'

/** One generated sample: the image and annotation written, for tests to compare with what is read. */
export interface GeneratedAde20kSample {
  id: string
  rgb: Uint8Array
  labels: Uint8Array
  width: number
  height: number
}

/**
 * Writes a small ADEChallengeData2016-layout split for tests: each image is a background class
 * plus a few rectangles of other classes (1…150, some pixels left 0 = ignore), each class with its
 * own flat colour. Images are JPEG (quality 100, so lossy: compare with what libvips decodes), as
 * ADE20K stores them; annotations are 8-bit PNG.
 */
export async function writeAde20kSplit(root: string, split: Ade20kSplit, count: number, size: [w: number, h: number], seed = 1): Promise<GeneratedAde20kSample[]> {
  const sharp = await loadSharp()
  const [w, h] = size
  const prefix = split === 'training' ? 'ADE_train_' : 'ADE_val_'
  mkdirSync(join(root, 'images', split), { recursive: true })
  mkdirSync(join(root, 'annotations', split), { recursive: true })
  const rng = mulberry32(seed)
  const out: GeneratedAde20kSample[] = []
  for (let k = 0; k < count; k++) {
    const id = `${prefix}${String(k + 1).padStart(8, '0')}`
    const labels = new Uint8Array(w * h).fill(1 + Math.floor(rng() * 150))
    for (let r = 0; r < 4; r++) {
      const cls = r === 3 ? 0 : 1 + Math.floor(rng() * 150)
      const x0 = Math.floor(rng() * w * 0.7), y0 = Math.floor(rng() * h * 0.7)
      const x1 = Math.min(w, x0 + 4 + Math.floor(rng() * w * 0.4)), y1 = Math.min(h, y0 + 4 + Math.floor(rng() * h * 0.4))
      for (let y = y0; y < y1; y++) labels.fill(cls, y * w + x0, y * w + x1)
    }
    const rgb = new Uint8Array(w * h * 3)
    for (let i = 0; i < labels.length; i++) {
      const c = labels[i]
      rgb[3 * i] = (c * 37) & 255; rgb[3 * i + 1] = (c * 91) & 255; rgb[3 * i + 2] = (c * 53) & 255
    }
    writeFileSync(join(root, 'images', split, `${id}.jpg`), await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 100 }).toBuffer())
    writeFileSync(join(root, 'annotations', split, `${id}.png`), encodePng({ data: labels, width: w, height: h, channels: 1, depth: 8 }))
    out.push({ id, rgb, labels, width: w, height: h })
  }
  return out
}
