import { fail, type Frame, type InputSource } from '@plaf/core'
import type { LensDistortion } from './distortion.js'
import type { FrameSkip } from './select.js'

/** Every dataset format `plaf data inspect --format` names (not all have a reader yet: see READERS). */
export const DATASET_FORMATS = ['scannet', 'sens', 'rgbd-folder', 'tum', 'replica', 'ade20k'] as const
/** One dataset format name. */
export type DatasetFormat = (typeof DATASET_FORMATS)[number]

/** What every reader of this package returns: a frame source plus what `plaf data inspect` reports. */
export interface DatasetSource extends InputSource {
  /** The format read. */
  format: DatasetFormat
  /** Frames the sequence holds, before frame_step, frame_range, max_frames and skipping. */
  found: number
  /** Every frame skipped, with the file and the reason, in sequence order. */
  skips: FrameSkip[]
  /** Depth units per metre of the stored depth (1000 = millimetres), or null when depth is stored in metres. */
  depthScale: number | null
  /** Lens distortion the images have and the reader does not correct (TUM freiburg1 and 2); absent when none is known. */
  distortion?: LensDistortion
}

/** Everything `datasetSource` needs besides the frames' loader. */
export interface DatasetSourceParts<T> {
  format: DatasetFormat
  found: number
  skips: FrameSkip[]
  depthScale: number | null
  identity: string
  describe: string
  /** The frames that will be yielded, in order. */
  items: readonly T[]
  load(item: T): Promise<Frame>
  /** The colour and depth files of an item, named when an image's size differs from the first frame's. */
  files(item: T): { color: string; depth: string }
  dispose?(): Promise<void> | void
}

type Shape = readonly number[]

function sameSize(what: string, file: string, frame: Frame, shape: Shape, first: { id: string; shape: Shape }): void {
  if (shape[0] === first.shape[0] && shape[1] === first.shape[1]) return
  const actual = `${shape[1]}×${shape[0]}`, expected = `${first.shape[1]}×${first.shape[0]}`
  fail('PLAF_INPUT_INVALID', `frame ${frame.id}: ${file}: ${what} image is ${actual}, but frame ${first.id} was ${expected}; ${what} size changes mid-sequence`, { file, frame: frame.id, expected, actual })
}

/**
 * Builds a DatasetSource from a reader's selected frames. Frames are decoded one ahead: the next
 * frame decodes on libuv's thread pool while the caller works on the current one. Every frame's
 * colour and depth sizes must equal the first yielded frame's (a size change mid-sequence is an
 * error naming both frames).
 */
export function datasetSource<T>(p: DatasetSourceParts<T>): DatasetSource {
  const { items, load } = p
  const checked = async (item: T, first: { color: { id: string; shape: Shape }; depth?: { id: string; shape: Shape } } | undefined): Promise<Frame> => {
    const f = await load(item)
    if (first) {
      const files = p.files(item)
      sameSize('colour', files.color, f, f.rgb.shape, first.color)
      if (f.depth && first.depth) sameSize('depth', files.depth, f, f.depth.shape, first.depth)
    }
    return f
  }
  return {
    format: p.format, found: p.found, skips: p.skips, depthScale: p.depthScale,
    identity: p.identity, describe: p.describe, frameCount: items.length,
    async *frames(from = 0) {
      let first: Parameters<typeof checked>[1]
      let next: Promise<Frame> | undefined = from < items.length ? checked(items[from], first) : undefined
      next?.catch(() => {})
      for (let k = from; k < items.length && next; k++) {
        const current = await next
        first ??= { color: { id: current.id, shape: current.rgb.shape }, depth: current.depth ? { id: current.id, shape: current.depth.shape } : undefined }
        next = k + 1 < items.length ? checked(items[k + 1], first) : undefined
        next?.catch(() => {})
        yield current
      }
    },
    ...(p.dispose ? { dispose: p.dispose } : {}),
  }
}
