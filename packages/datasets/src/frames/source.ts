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
  /** The colour and depth files of a frame already read (by its id), for messages about its content. */
  frameFiles?(id: string): { color: string; depth: string } | undefined
  /** What the reader noticed that is not wrong and does not stop a run, in words (`plaf data inspect` prints them as notes; a run does not warn). */
  notes?: string[]
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
 * A frame's images against their own intrinsics: a colour image of 1 pixel in a dimension is not a
 * camera frame; each image's size must be the one its intrinsics state, and the principal point
 * must lie on the image (−0.5 ≤ cx ≤ W − 0.5, the same for cy). A colour image scaled down by some
 * tool while its intrinsics stayed (ScanNet's intrinsic files carry no size) fails the last test,
 * instead of being resized back and back-projected with the wrong camera.
 */
function checkIntrinsics(f: Frame, files: { color: string; depth: string }): void {
  const [h, w] = f.rgb.shape
  if (w < 2 || h < 2) {
    fail('PLAF_INPUT_INVALID', `frame ${f.id}: ${files.color}: colour image is ${w}×${h}; a camera frame has at least 2×2 pixels`, { file: files.color, frame: f.id, expected: 'at least 2×2 pixels', actual: `${w}×${h}` })
  }
  const views: [string, string, readonly number[] | undefined, Frame['colorIntrinsics']][] = [
    ['colour', files.color, f.rgb.shape, f.colorIntrinsics], ['depth', files.depth, f.depth?.shape, f.depthIntrinsics],
  ]
  for (const [what, file, shape, k] of views) {
    if (!shape || !k) continue
    const [H, W] = shape
    if (k.width !== W || k.height !== H) {
      fail('PLAF_INPUT_INVALID', `frame ${f.id}: ${file}: ${what} image is ${W}×${H} but its intrinsics are for ${k.width}×${k.height}`, { file, frame: f.id, expected: `${k.width}×${k.height}`, actual: `${W}×${H}` })
    }
    if (!(k.cx >= -0.5 && k.cx <= W - 0.5 && k.cy >= -0.5 && k.cy <= H - 0.5)) {
      const actual = `cx ${k.cx}, cy ${k.cy}`
      fail('PLAF_INPUT_INVALID', `frame ${f.id}: ${file}: ${what} image is ${W}×${H} but its intrinsics' principal point (${actual}) lies off it; the image was resized or its intrinsics are another camera's`, {
        file, frame: f.id, expected: `a principal point within the ${W}×${H} image (−0.5 ≤ cx ≤ ${W - 0.5}, −0.5 ≤ cy ≤ ${H - 0.5})`, actual,
      })
    }
  }
}

/**
 * Builds a DatasetSource from a reader's selected frames. Frames are decoded one ahead: the next
 * frame decodes on libuv's thread pool while the caller works on the current one. Every frame's
 * images are checked against their intrinsics (`checkIntrinsics`), and its colour and depth sizes
 * must equal the first yielded frame's (a size change mid-sequence is an
 * error naming both frames).
 */
export function datasetSource<T>(p: DatasetSourceParts<T>): DatasetSource {
  const { items, load } = p
  const filesById = new Map<string, { color: string; depth: string }>()
  const checked = async (item: T, first: { color: { id: string; shape: Shape }; depth?: { id: string; shape: Shape } } | undefined): Promise<Frame> => {
    const f = await load(item)
    const files = p.files(item)
    filesById.set(f.id, files)
    if (first) {
      sameSize('colour', files.color, f, f.rgb.shape, first.color)
      if (f.depth && first.depth) sameSize('depth', files.depth, f, f.depth.shape, first.depth)
    }
    checkIntrinsics(f, files)
    return f
  }
  return {
    format: p.format, found: p.found, skips: p.skips, depthScale: p.depthScale,
    identity: p.identity, describe: p.describe, frameCount: items.length,
    frameFiles: (id) => filesById.get(id),
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
