import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fail, type PluginNote } from '@plaf/core'
import { fileFrameSource } from '../frames/file-frames.js'
import { parsePoseRows, poseFault, toCameraToWorldOpenCv, type PoseAxes, type PoseDirection } from '../frames/pose.js'
import { selectFrames, type FrameSelection, type PoseRead } from '../frames/select.js'
import type { DatasetSource } from '../frames/source.js'
import { frameId } from '../synthetic/render.js'
import { readFolderIntrinsics } from './intrinsics.js'
import { RGBD_FOLDER_LAYOUT, depthByStem, findPoseSource, frameStems, listFolder } from './layout.js'
import { parseTrajectory, poseAt } from './trajectory.js'

/** How to read an rgbd-folder (the plugin's options, `folder` resolved to an absolute path). */
export interface RgbdFolderReadOptions extends FrameSelection {
  folder: string
  pose_axes: PoseAxes
  pose_direction: PoseDirection
  max_time_diff: number
}

interface Candidate {
  index: number
  stem: string
  color: string
  /** False when the frame has a depth or pose file but no colour image. */
  hasColor: boolean
  poseFile: string
}

function readPoseFile(file: string, id: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
    return fail('PLAF_INPUT_INVALID', `frame ${id}: ${file}: pose file ${missing ? 'is missing' : 'cannot be read'}`, {
      file, frame: id, cause: e, expected: 'a 4×4 pose text file for every colour image', actual: missing ? 'no such file' : (e as Error).message,
    })
  }
}

/**
 * A frame listed for its depth or pose file but without a colour image: an error naming the image
 * (with the extension the folder's other colour images have) and what the frame does have, as a
 * missing pose or depth file is.
 */
function failMissingColor(c: Candidate, depthName: string | undefined, poseFile: string | undefined): never {
  const id = frameId(c.index)
  const present = [depthName && `depth/${depthName}`, poseFile && `pose/${c.stem}.txt`].filter(Boolean)
  return fail('PLAF_INPUT_INVALID', `frame ${id}: ${c.color}: colour image is missing; ${present.join(' and ')} ${present.length > 1 ? 'are' : 'is'} there`, {
    file: c.color, frame: id, expected: 'a colour image for every frame that has a depth image or pose file', actual: 'no such file',
  })
}

/**
 * Opens an rgbd-folder. Poses of the selected frames are read and checked now (the shared
 * `selectFrames`), so `frameCount` is exact and each skipped frame is reported once through
 * `warn`; images are decoded when their frame is read.
 */
export function openRgbdFolder(o: RgbdFolderReadOptions, warn: (note: PluginNote) => void): DatasetSource {
  const dir = o.folder
  if (!existsSync(dir)) fail('PLAF_FILE_NOT_FOUND', `rgbd-folder ${dir} does not exist`, { file: dir, expected: `a directory holding ${RGBD_FOLDER_LAYOUT}` })
  const names = listFolder(dir)
  if (!names) fail('PLAF_INPUT_INVALID', `${dir} is not a directory`, { file: dir, expected: `a directory holding ${RGBD_FOLDER_LAYOUT}` })
  if (!names.length) fail('PLAF_INPUT_INVALID', `${dir} is empty; expected an rgbd-folder (${RGBD_FOLDER_LAYOUT})`, { file: dir, expected: RGBD_FOLDER_LAYOUT, actual: 'an empty directory' })
  const missing = ['color', 'depth'].filter((p) => !listFolder(join(dir, p)))
  if (missing.length) {
    fail('PLAF_INPUT_INVALID', `${dir} has no ${missing.map((m) => `${m}/`).join(', ')} folder; expected an rgbd-folder (${RGBD_FOLDER_LAYOUT})`, { file: dir, expected: RGBD_FOLDER_LAYOUT, actual: `missing ${missing.map((m) => `${m}/`).join(', ')}` })
  }
  const intrinsicsFile = join(dir, 'intrinsics.json')
  const k = readFolderIntrinsics(intrinsicsFile)
  const poses = findPoseSource(dir)
  if (!poses) fail('PLAF_INPUT_INVALID', `${dir} has neither a pose/ folder nor a trajectory.txt`, { file: dir, expected: 'pose/<stem>.txt per frame, or trajectory.txt', actual: 'no poses' })
  if (poses === 'both') fail('PLAF_INPUT_INVALID', `${dir} has both a pose/ folder and a trajectory.txt; keep one so it is clear which poses to use`, { file: dir, expected: 'pose/ or trajectory.txt', actual: 'both' })

  const colorDir = join(dir, 'color')
  const colorNames = listFolder(colorDir)!
  const depthNames = listFolder(join(dir, 'depth'))!
  const stems = frameStems(colorNames, depthNames, poses.kind === 'files' ? listFolder(poses.dir) ?? [] : [])
  // The extension a missing colour image is named with: the one the other colour images have.
  const colorExt = stems.find((s) => s.name)?.name?.replace(/^.*\./, '.')
  if (!colorExt) fail('PLAF_INPUT_INVALID', `${colorDir} holds no colour images`, { file: colorDir, expected: 'color/<stem>.jpg or .png', actual: 'no images' })
  const trajectory = poses.kind === 'trajectory' ? parseTrajectory(readFileSync(poses.file, 'utf8'), poses.file) : undefined
  // Integer stems are the frame indices (pose/7.txt is frame 7, as in ScanNet); otherwise (timestamps, names) the position.
  const integers = stems.every((s) => /^\d+$/.test(s.stem))
  const candidates: Candidate[] = stems.map((s, position) => ({
    index: integers ? Number(s.stem) : position, stem: s.stem, color: join(colorDir, s.name ?? `${s.stem}${colorExt}`), hasColor: s.name !== undefined,
    poseFile: poses.kind === 'files' ? join(poses.dir, `${s.stem}.txt`) : poses.file,
  }))
  if (trajectory) {
    const bad = candidates.find((c) => !Number.isFinite(Number(c.stem)))
    if (bad) fail('PLAF_INPUT_INVALID', `${bad.color}: with trajectory.txt, colour images must be named by their timestamp in seconds (e.g. 1305031102.175304.png)`, { file: bad.color, frame: frameId(bad.index), expected: '<timestamp>.png', actual: bad.stem })
  }
  const depthFiles = depthByStem(depthNames)
  const readPose = (c: Candidate): PoseRead => {
    if (!c.hasColor) failMissingColor(c, depthFiles.get(c.stem), poses.kind === 'files' && existsSync(c.poseFile) ? c.poseFile : undefined)
    const raw = trajectory ? poseAt(trajectory, Number(c.stem), o.max_time_diff) : { pose: parsePoseRows(readPoseFile(c.poseFile, frameId(c.index)), c.poseFile, frameId(c.index)) }
    if ('reason' in raw) return raw
    const fault = poseFault(raw.pose)
    return fault ? { reason: fault } : { pose: toCameraToWorldOpenCv(raw.pose, o.pose_axes, o.pose_direction) }
  }
  const { frames, skips } = selectFrames(candidates, o, readPose, warn)
  if (!frames.length) fail('PLAF_INPUT_INVALID', `${dir}: no usable frame among the ${candidates.length} found (${skips.length} skipped for their poses)`, { file: dir, expected: 'at least one frame with a valid pose', actual: `${skips.length} skipped` })

  const fileFrames = frames.map(({ item, pose }) => {
    const id = frameId(item.index)
    const depthName = depthFiles.get(item.stem)
    if (!depthName) fail('PLAF_INPUT_INVALID', `frame ${id}: ${join(dir, 'depth')} has no depth image for ${item.color}`, { file: join(dir, 'depth', `${item.stem}.png`), frame: id, expected: `depth/${item.stem}.png or depth/${item.stem}.npy`, actual: 'no such file' })
    const depth = join(dir, 'depth', depthName)
    if (depthName.toLowerCase().endsWith('.png') && k.depthScale === null) {
      fail('PLAF_INPUT_INVALID', `${intrinsicsFile}: depth images are 16-bit PNGs (${depth}) but depth_scale is not stated`, { file: intrinsicsFile, path: 'depth_scale', expected: 'depth_scale: depth PNG units per metre (1000 for millimetres)', actual: 'missing' })
    }
    return { index: item.index, color: item.color, depth, pose }
  })
  const skipped = skips.length ? `, ${skips.length} skipped` : ''
  return fileFrameSource({
    format: 'rgbd-folder', found: candidates.length, skips, depthScale: k.depthScale, color: k.color, depth: k.depth,
    intrinsicsFrom: { color: `${intrinsicsFile} (color)`, depth: `${intrinsicsFile} (${k.depth === k.color ? 'color, as no depth camera is given' : 'depth'})` },
    identitySeed: `${readFileSync(intrinsicsFile, 'utf8')}\0${o.pose_axes} ${o.pose_direction}`,
    describe: `rgbd-folder ${dir} (${fileFrames.length} frames${skipped})`, frames: fileFrames,
  })
}

/** True when `dir` looks like an rgbd-folder (for format detection): intrinsics.json and color/. */
export function isRgbdFolder(dir: string): boolean {
  return existsSync(join(dir, 'intrinsics.json')) && existsSync(join(dir, 'color')) && statSync(join(dir, 'color')).isDirectory()
}
