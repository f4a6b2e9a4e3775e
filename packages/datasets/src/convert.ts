import { fail } from '@plaf/core'
import type { LensDistortion } from './frames/distortion.js'
import type { FrameSkip } from './frames/select.js'
import type { DatasetFormat } from './frames/source.js'
import { detectFormat, openDataset } from './inspect.js'
import { writeRgbdFolder, type WriteRgbdFolderSummary } from './rgbd-folder/write.js'

/** What `convertToRgbdFolder` did. */
export interface ConvertSummary extends WriteRgbdFolderSummary {
  /** The source format read. */
  from: DatasetFormat
  /** Source frames left out because the source's reader skips them (with the reasons). */
  skipped: FrameSkip[]
  /** The source's lens distortion; `corrected` says whether the frames written are undistorted (intrinsics.json has no place for it). */
  distortion?: LensDistortion
}

/**
 * Converts any readable data set into an rgbd-folder (`plaf data convert <src> --to rgbd-folder
 * <dir>`). The usable frames are read with the source's reader and default options, exactly as
 * `plaf run` would, and written losslessly: colour as PNG, depth as 16-bit PNG at the source's
 * own depth scale (or float32 .npy when the source stores metres), poses camera-to-world OpenCV
 * at full double precision. Reading the folder back gives the same pixels, depths and poses.
 */
export async function convertToRgbdFolder(path: string, dir: string, format: DatasetFormat | 'auto' = 'auto'): Promise<ConvertSummary> {
  const from = format === 'auto' ? detectFormat(path) : format
  if (from === 'ade20k') fail('PLAF_INPUT_INVALID', `${path}: ADE20K holds images and annotations, not RGB-D frames (no depth, no camera); an rgbd-folder needs both`, { file: path, expected: 'an RGB-D format', actual: 'ade20k' })
  const src = openDataset(path, from)
  try {
    const scale = src.depthScale
    const written = await writeRgbdFolder(dir, src.frames(), { depth_format: scale === null ? 'npy' : 'png', depth_scale: scale ?? 1000 })
    return { ...written, from, skipped: src.skips, ...(src.distortion ? { distortion: src.distortion } : {}) }
  } finally {
    await src.dispose?.()
  }
}
