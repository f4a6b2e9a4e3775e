import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import type { Frame } from '@plaf/core'
import type { FrameSelection } from '../frames/select.js'
import type { DatasetSource } from '../frames/source.js'
import { hashFileSample } from '../scannet/layout.js'
import { frameId } from '../synthetic/render.js'
import { ADE20K_CLASSES } from './classes.js'
import { openAde20kSplit, type Ade20kSample, type Ade20kSplit } from './reader.js'

/** What the `ade20k` input reads: the ADEChallengeData2016 root, a split and the frame selection. */
export interface Ade20kReadOptions extends FrameSelection {
  root: string
  split: Ade20kSplit
}

/** One ADE20K sample as a Frame: the image, its labels (0 = ignore, k = class k), no depth, no camera, pose null. */
export function ade20kFrame(s: Ade20kSample): Frame {
  return { id: frameId(s.index), index: s.index, rgb: s.image, pose: null, labels: { data: Uint16Array.from(s.labels.data), shape: s.labels.shape } }
}

/** The `ade20k` input's source: a DatasetSource that also names its label set. */
export interface Ade20kSource extends DatasetSource {
  /** `classes[k − 1]` is the name of label k (the 150 SceneParse150 classes; 0 = ignore). */
  classes: readonly string[]
}

/**
 * Opens a split of ADEChallengeData2016 as a frame source (the `ade20k` input). Frames carry the
 * image and its annotation as `labels` (ADE20K class numbers 1…150, 0 = ignore) and nothing a
 * camera gives: no depth, no intrinsics, pose null. Image sizes vary, as ADE20K's do. The
 * annotation checks (missing, size, value above 150) are `openAde20kSplit`'s.
 */
export function openAde20kSource(o: Ade20kReadOptions): Ade20kSource {
  const split = openAde20kSplit(o.root, o.split, o)
  const hash = createHash('sha256').update(`plaf-ade20k-identity-v1\0${o.split}\0`)
  split.images.forEach((file, k) => {
    hashFileSample(hash, file, basename(file))
    hashFileSample(hash, split.annotations[k], basename(split.annotations[k]))
  })
  return {
    format: 'ade20k', found: split.found, skips: [], depthScale: null, classes: ADE20K_CLASSES,
    identity: hash.digest('hex'), frameCount: split.images.length,
    describe: `ADE20K ${o.split} (${split.images.length} of ${split.found} images, ${ADE20K_CLASSES.length} classes, 0 = ignore) in ${o.root}`,
    async *frames(from = 0) {
      for await (const s of split.samples(from)) yield ade20kFrame(s)
    },
  }
}
