import type { Frame, InputSource } from '@plaf/core'
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
  dispose?(): Promise<void> | void
}

/**
 * Builds a DatasetSource from a reader's selected frames. Frames are decoded one ahead: the next
 * frame decodes on libuv's thread pool while the caller works on the current one.
 */
export function datasetSource<T>(p: DatasetSourceParts<T>): DatasetSource {
  const { items, load } = p
  return {
    format: p.format, found: p.found, skips: p.skips, depthScale: p.depthScale,
    identity: p.identity, describe: p.describe, frameCount: items.length,
    async *frames(from = 0) {
      let next: Promise<Frame> | undefined = from < items.length ? load(items[from]) : undefined
      next?.catch(() => {})
      for (let k = from; k < items.length && next; k++) {
        const current = await next
        next = k + 1 < items.length ? load(items[k + 1]) : undefined
        next?.catch(() => {})
        yield current
      }
    },
    ...(p.dispose ? { dispose: p.dispose } : {}),
  }
}
