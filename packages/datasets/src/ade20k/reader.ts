import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fail, type RgbImage } from '@plaf/core'
import { decodeColor, decodeLabelPng } from '../frames/images.js'
import type { FrameSelection } from '../frames/select.js'
import { listFolder } from '../rgbd-folder/layout.js'
import { ADE20K_CLASSES } from './classes.js'

/** The two splits of ADEChallengeData2016. */
export type Ade20kSplit = 'training' | 'validation'

/** One ADE20K sample: the image and its annotation (0 = ignore, k = ADE20K_CLASSES[k - 1]). */
export interface Ade20kSample {
  /** Position in the split, in file-name order. */
  index: number
  /** File stem, e.g. `ADE_val_00000001`. */
  id: string
  image: RgbImage
  labels: { data: Uint8Array; shape: [h: number, w: number] }
}

/** An opened split: its files, and a reader that decodes one sample at a time. */
export interface Ade20kSplitSource {
  root: string
  split: Ade20kSplit
  /** Images the split holds (before any selection). */
  found: number
  /** Position in the split of each selected image (`Ade20kSample.index`). */
  indices: number[]
  /** The selected image files, in file-name order; `annotations[i]` is image i's annotation. */
  images: string[]
  annotations: string[]
  /** Decodes the selected images from the `from`-th on, one ahead. */
  samples(from?: number): AsyncIterable<Ade20kSample>
}

/** Positions 0…n−1 kept by a selection: frame_range on the position, then every frame_step-th, at most max_frames. */
function selectPositions(n: number, select: number | null | FrameSelection): number[] {
  const all = Array.from({ length: n }, (_, k) => k)
  if (select === null) return all
  if (typeof select === 'number') return all.slice(0, select)
  const [start, end] = select.frame_range ?? [0, n]
  const kept = all.filter((k) => k >= start && k < end).filter((_, j) => j % select.frame_step === 0)
  return select.max_frames === null ? kept : kept.slice(0, select.max_frames)
}

const LAYOUT = 'images/{training,validation}/*.jpg and annotations/{training,validation}/*.png'

/**
 * Opens a split of ADEChallengeData2016 (`root` holds images/ and annotations/). Every image must
 * have its annotation; decoding checks that it is a single-channel 8-bit PNG of the image's size
 * with values in 0…150, and names the file otherwise. `select` is the first n images, or the
 * readers' frame selection on the position in file-name order (null = all).
 */
export function openAde20kSplit(root: string, split: Ade20kSplit, select: number | null | FrameSelection = null): Ade20kSplitSource {
  if (!existsSync(root)) fail('PLAF_FILE_NOT_FOUND', `ADE20K root ${root} does not exist`, { file: root, expected: `ADEChallengeData2016: ${LAYOUT}` })
  if (!statSync(root).isDirectory()) fail('PLAF_INPUT_INVALID', `${root} is not a directory`, { file: root, expected: `ADEChallengeData2016: ${LAYOUT}` })
  const imageDir = join(root, 'images', split)
  const annotationDir = join(root, 'annotations', split)
  const names = listFolder(imageDir)
  if (!names) fail('PLAF_INPUT_INVALID', `${root} has no images/${split}/ folder`, { file: imageDir, expected: LAYOUT, actual: `no images/${split}/` })
  const annotated = new Set(listFolder(annotationDir) ?? [])
  const stems = names.filter((n) => /\.jpe?g$/i.test(n)).map((n) => n.replace(/\.jpe?g$/i, '')).sort()
  if (!stems.length) fail('PLAF_INPUT_INVALID', `${imageDir} holds no .jpg images`, { file: imageDir, expected: 'ADE_*.jpg', actual: 'none' })
  const indices = selectPositions(stems.length, select)
  const chosen = indices.map((k) => stems[k])
  if (!chosen.length) fail('PLAF_INPUT_INVALID', `the selection keeps none of the ${stems.length} images of ${imageDir}`, { file: imageDir, expected: 'at least one image', actual: `${stems.length} images, none selected` })
  const missing = chosen.find((s) => !annotated.has(`${s}.png`))
  if (missing) fail('PLAF_INPUT_INVALID', `${join(annotationDir, `${missing}.png`)} is missing: every image of ${imageDir} needs its annotation`, { file: join(annotationDir, `${missing}.png`), expected: `annotations/${split}/${missing}.png`, actual: 'no such file' })
  const images = chosen.map((s) => join(imageDir, `${s}.jpg`)).map((f, k) => (existsSync(f) ? f : join(imageDir, `${chosen[k]}.jpeg`)))
  const annotations = chosen.map((s) => join(annotationDir, `${s}.png`))

  async function load(k: number): Promise<Ade20kSample> {
    const id = chosen[k]
    const [img, ann] = await Promise.all([decodeColor(images[k], id), decodeLabelPng(annotations[k], id)])
    const file = annotations[k]
    if (ann.width !== img.width || ann.height !== img.height) {
      fail('PLAF_INPUT_INVALID', `${file}: annotation is ${ann.width}×${ann.height}, its image ${img.width}×${img.height}`, { file, frame: id, expected: `${img.width}×${img.height}`, actual: `${ann.width}×${ann.height}` })
    }
    const data = new Uint8Array(ann.data.length)
    let bad = -1
    for (let i = 0; i < data.length; i++) {
      const v = ann.data[i]
      if (v > ADE20K_CLASSES.length) bad = v
      data[i] = v
    }
    if (bad >= 0) fail('PLAF_INPUT_INVALID', `${file}: label ${bad} is outside 0…${ADE20K_CLASSES.length} (0 = ignore, 1…150 the SceneParse150 classes)`, { file, frame: id, expected: `0…${ADE20K_CLASSES.length}`, actual: String(bad) })
    return { index: indices[k], id, image: { data: img.data, shape: [img.height, img.width, 3] }, labels: { data, shape: [img.height, img.width] } }
  }

  return {
    root, split, found: stems.length, indices, images, annotations,
    async *samples(from = 0) {
      let next = from < chosen.length ? load(from) : undefined
      next?.catch(() => {})
      for (let k = from; k < chosen.length && next; k++) {
        const current = await next
        next = k + 1 < chosen.length ? load(k + 1) : undefined
        next?.catch(() => {})
        yield current
      }
    },
  }
}

/**
 * mmsegmentation's `reduce_zero_label`: 0 (other) becomes 255 (ignore) and class k becomes k − 1,
 * so labels index `ADE20K_CLASSES` directly. Returns a new array.
 */
export function reduceZeroLabel(labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length)
  for (let i = 0; i < labels.length; i++) out[i] = labels[i] === 0 ? 255 : labels[i] - 1
  return out
}
