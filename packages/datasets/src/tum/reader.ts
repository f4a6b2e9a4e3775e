import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fail, type Intrinsics, type PluginNote } from '@plaf/core'
import { fileFrameSource } from '../frames/file-frames.js'
import { poseFault, toCameraToWorldOpenCv, type PoseAxes, type PoseDirection } from '../frames/pose.js'
import { selectFrames, type FrameSelection, type PoseRead } from '../frames/select.js'
import { lensDistortion, type LensDistortion } from '../frames/distortion.js'
import { undistortMaps } from '../frames/undistort.js'
import type { DatasetSource } from '../frames/source.js'
import { nearestIndex, parseTrajectory, poseAt } from '../rgbd-folder/trajectory.js'
import { parseNumberToken } from '../scannet/text.js'

/** TUM RGB-D's cameras (pinhole part of the published calibration; 640×480, depth registered to colour). */
export const TUM_CAMERAS = {
  freiburg1: { fx: 517.3, fy: 516.5, cx: 318.6, cy: 255.3 },
  freiburg2: { fx: 520.9, fy: 521.0, cx: 325.1, cy: 249.7 },
  freiburg3: { fx: 535.4, fy: 539.2, cx: 320.1, cy: 247.6 },
  'ros-default': { fx: 525.0, fy: 525.0, cx: 319.5, cy: 239.5 },
} as const
/**
 * The published lens distortion of TUM's cameras (d0…d4 = OpenCV's k1, k2, p1, p2, k3). freiburg3's
 * images were undistorted by TUM already; ros-default assumes none.
 */
export const TUM_DISTORTION: Record<keyof typeof TUM_CAMERAS, LensDistortion['coefficients']> = {
  freiburg1: [0.2624, -0.9531, -0.0054, 0.0026, 1.1633],
  freiburg2: [0.2312, -0.7849, -0.0033, -0.0001, 0.9172],
  freiburg3: [0, 0, 0, 0, 0],
  'ros-default': [0, 0, 0, 0, 0],
}
/** A TUM camera name. */
export type TumCamera = keyof typeof TUM_CAMERAS
/** TUM depth PNGs hold 5000 units per metre. */
export const TUM_DEPTH_SCALE = 5000

/** How to read a TUM RGB-D sequence (the `tum` plugin's options, `sequence` absolute). */
export interface TumReadOptions extends FrameSelection {
  sequence: string
  camera: TumCamera | 'auto'
  /** Undistort freiburg1/freiburg2 frames (colour bilinear, depth nearest); false keeps them as recorded, with a warning. */
  undistort: boolean
  max_time_diff: number
  pose_axes: PoseAxes
  pose_direction: PoseDirection
}

/** One `timestamp filename` list (rgb.txt, depth.txt), sorted by time. */
export interface TimedFiles {
  times: Float64Array
  files: string[]
}

/** Parses TUM's `rgb.txt` / `depth.txt`: `#` comments, then `timestamp path` per line. */
export function parseTimedFiles(text: string, file: string, dir: string): TimedFiles {
  const rows: [number, string][] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (!line || line.startsWith('#')) return
    const [t, path, ...rest] = line.split(/\s+/)
    const time = parseNumberToken(t)
    if (time === undefined || !Number.isFinite(time) || !path || rest.length) {
      fail('PLAF_INPUT_INVALID', `${file}:${i + 1}: expected "timestamp filename", found "${line}"`, { file, line: i + 1, expected: 'timestamp filename', actual: line })
    }
    rows.push([time, join(dir, path)])
  })
  if (!rows.length) fail('PLAF_INPUT_INVALID', `${file} lists no images`, { file, expected: 'lines of "timestamp filename"', actual: 'none' })
  rows.sort((a, b) => a[0] - b[0])
  return { times: Float64Array.from(rows, (r) => r[0]), files: rows.map((r) => r[1]) }
}

function readList(dir: string, name: string): string {
  const file = join(dir, name)
  try {
    return readFileSync(file, 'utf8')
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `${file} is missing: a TUM sequence lists its images in rgb.txt and depth.txt and its poses in groundtruth.txt`, { file, cause: e, expected: 'rgb.txt, depth.txt, groundtruth.txt', actual: `no ${name}` })
  }
}

/** The camera of a sequence: the option, or `freiburgN` from the folder name (`rgbd_dataset_freiburg1_xyz`). */
export function tumCamera(dir: string, camera: TumCamera | 'auto'): TumCamera {
  if (camera !== 'auto') return camera
  const m = /freiburg([123])/.exec(basename(dir))
  if (!m) fail('PLAF_INVALID_OPTION', `cannot tell the TUM camera from the folder name ${basename(dir)}; set camera to freiburg1, freiburg2, freiburg3 or ros-default`, { path: 'camera', file: dir, expected: 'a folder named like rgbd_dataset_freiburg1_xyz, or an explicit camera', actual: basename(dir) })
  return `freiburg${m[1]}` as TumCamera
}

/**
 * Opens a TUM RGB-D sequence (rgb.txt, depth.txt, groundtruth.txt). Each colour image takes the
 * nearest depth image and the nearest pose within `max_time_diff` seconds, as TUM's associate.py
 * does; a frame without either is skipped with the reason.
 */
export function openTumSequence(o: TumReadOptions, warn: (note: PluginNote) => void): DatasetSource {
  const dir = o.sequence
  if (!existsSync(dir)) fail('PLAF_FILE_NOT_FOUND', `TUM sequence ${dir} does not exist`, { file: dir, expected: 'a directory holding rgb.txt, depth.txt, groundtruth.txt' })
  if (!statSync(dir).isDirectory()) fail('PLAF_INPUT_INVALID', `${dir} is not a directory`, { file: dir, expected: 'a directory holding rgb.txt, depth.txt, groundtruth.txt' })
  const rgb = parseTimedFiles(readList(dir, 'rgb.txt'), join(dir, 'rgb.txt'), dir)
  const depth = parseTimedFiles(readList(dir, 'depth.txt'), join(dir, 'depth.txt'), dir)
  const gtFile = join(dir, 'groundtruth.txt')
  const trajectory = parseTrajectory(readList(dir, 'groundtruth.txt'), gtFile)
  const camera = tumCamera(dir, o.camera)
  const k: Intrinsics = { ...TUM_CAMERAS[camera], width: 640, height: 480 }
  const candidates = rgb.files.map((color, index) => ({ index, color, time: rgb.times[index], poseFile: gtFile, depth: '' }))
  const readPose = (c: (typeof candidates)[number]): PoseRead => {
    const d = nearestIndex(depth.times, c.time)
    const gap = Math.abs(depth.times[d] - c.time)
    if (!(gap <= o.max_time_diff)) return { reason: `no depth image within ${o.max_time_diff} s of ${basename(c.color)} (nearest ${Number(gap.toPrecision(3))} s away)` }
    c.depth = depth.files[d]
    const raw = poseAt(trajectory, c.time, o.max_time_diff)
    if ('reason' in raw) return raw
    const fault = poseFault(raw.pose)
    return fault ? { reason: fault } : { pose: toCameraToWorldOpenCv(raw.pose, o.pose_axes, o.pose_direction) }
  }
  const { frames, skips } = selectFrames(candidates, o, readPose, warn)
  if (!frames.length) fail('PLAF_INPUT_INVALID', `${dir}: no usable frame among the ${candidates.length} in rgb.txt (${skips.length} skipped)`, { file: dir, expected: 'at least one frame with depth and a pose', actual: `${skips.length} skipped` })
  const distortion = lensDistortion(k, TUM_DISTORTION[camera], o.undistort)
  if (distortion && !o.undistort) {
    warn({
      code: 'PLAF_INPUT_INVALID', severity: 'warning', file: dir, expected: 'undistorted images (or a pinhole camera)',
      actual: `${camera}: k1 k2 p1 p2 k3 = ${distortion.coefficients.join(' ')}`,
      message: `${dir}: the ${camera} camera's lens distortion is not corrected (undistort: false); all ${frames.length} frames are used as pinhole images, so pixels near the border are up to ${distortion.max_shift_px} px from where the lens put them`,
    })
  }
  const source = fileFrameSource({
    format: 'tum', found: candidates.length, skips, depthScale: TUM_DEPTH_SCALE, color: k, depth: k,
    intrinsicsFrom: { color: `the ${camera} camera`, depth: `the ${camera} camera` },
    identitySeed: `${camera} ${o.max_time_diff} ${o.pose_axes} ${o.pose_direction}${distortion?.corrected ? ' undistorted' : ''}`,
    describe: `TUM sequence ${dir} (${frames.length} frames${skips.length ? `, ${skips.length} skipped` : ''}, ${camera}${distortion ? (distortion.corrected ? ', undistorted' : ', lens distortion kept') : ''})`,
    frames: frames.map(({ item, pose }) => ({ index: item.index, color: item.color, depth: item.depth, pose })),
    // computed once per sequence; colour and depth are registered to the same camera
    ...(distortion?.corrected ? { undistort: undistortMaps(k, distortion.coefficients) } : {}),
  })
  return distortion ? { ...source, distortion } : source
}
