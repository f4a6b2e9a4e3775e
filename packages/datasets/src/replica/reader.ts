import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fail, type Intrinsics, type PluginNote } from '@plaf/core'
import { fileFrameSource } from '../frames/file-frames.js'
import { poseFault, toCameraToWorldOpenCv, type PoseAxes, type PoseDirection } from '../frames/pose.js'
import { selectFrames, type FrameSelection, type PoseRead } from '../frames/select.js'
import type { DatasetSource } from '../frames/source.js'
import { listFolder } from '../rgbd-folder/layout.js'
import { parseNumberToken } from '../scannet/text.js'

/**
 * Replica as NICE-SLAM distributes it: `<scene>/results/frame%06d.jpg` and `depth%06d.png`
 * (16-bit, `scale` units per metre: 6553.5), `<scene>/traj.txt` (one camera-to-world 4×4 per
 * line, 16 numbers, OpenCV axes), and `cam_params.json` in the scene folder or the one above:
 * `{"camera": {"w", "h", "fx", "fy", "cx", "cy", "scale"}}`.
 */

/** How to read a Replica sequence (the `replica` plugin's options, `sequence` absolute). */
export interface ReplicaReadOptions extends FrameSelection {
  sequence: string
  pose_axes: PoseAxes
  pose_direction: PoseDirection
}

/** The camera of `cam_params.json`. */
export interface ReplicaCamera {
  intrinsics: Intrinsics
  scale: number
  file: string
}

/** Reads `cam_params.json` from the scene folder or its parent, naming a missing or bad key. */
export function readReplicaCamera(dir: string): ReplicaCamera {
  const file = [join(dir, 'cam_params.json'), join(dirname(dir), 'cam_params.json')].find((f) => existsSync(f))
  if (!file) {
    fail('PLAF_INPUT_INVALID', `no cam_params.json in ${dir} or ${dirname(dir)}: Replica's intrinsics and depth scale are read from it`, {
      file: join(dirname(dir), 'cam_params.json'), expected: '{"camera": {"w": 1200, "h": 680, "fx": 600, "fy": 600, "cx": 599.5, "cy": 339.5, "scale": 6553.5}}', actual: 'no such file',
      hint: 'it ships with the NICE-SLAM download of Replica (Replica/cam_params.json)',
    })
  }
  let cam: Record<string, unknown>
  try {
    cam = (JSON.parse(readFileSync(file, 'utf8')) as { camera: Record<string, unknown> }).camera
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `${file} is not JSON with a "camera" object (${(e as Error).message})`, { file, cause: e, expected: '{"camera": {…}}' })
  }
  if (typeof cam !== 'object' || cam === null) fail('PLAF_INPUT_INVALID', `${file} has no "camera" object`, { file, path: 'camera', expected: '{"camera": {w, h, fx, fy, cx, cy, scale}}', actual: JSON.stringify(cam) ?? 'missing' })
  for (const key of ['w', 'h', 'fx', 'fy', 'cx', 'cy', 'scale']) {
    const v = cam[key]
    if (!(typeof v === 'number' && Number.isFinite(v) && (key === 'cx' || key === 'cy' || v > 0))) {
      fail('PLAF_INPUT_INVALID', `${file}: camera.${key} is ${v === undefined ? 'missing' : JSON.stringify(v)}`, { file, path: `camera.${key}`, expected: 'a positive number', actual: v === undefined ? 'missing' : JSON.stringify(v) })
    }
  }
  const n = cam as Record<string, number>
  return { intrinsics: { fx: n.fx, fy: n.fy, cx: n.cx, cy: n.cy, width: n.w, height: n.h }, scale: n.scale, file }
}

/** Parses `traj.txt`: one 16-number camera-to-world matrix per line (row-major). */
export function parseReplicaTrajectory(text: string, file: string): Float64Array[] {
  const out: Float64Array[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (!line) return
    const tokens = line.split(/\s+/)
    if (tokens.length !== 16) fail('PLAF_INPUT_INVALID', `${file}:${i + 1}: expected 16 numbers (a 4×4 pose), found ${tokens.length}`, { file, line: i + 1, expected: '16 numbers', actual: String(tokens.length) })
    out.push(Float64Array.from(tokens, (t, j) => {
      const v = parseNumberToken(t)
      if (v === undefined) fail('PLAF_INPUT_INVALID', `${file}:${i + 1}: "${t}" is not a number (value ${j + 1})`, { file, line: i + 1, expected: 'a number', actual: t })
      return v
    }))
  })
  return out
}

/** Opens a Replica sequence in the NICE-SLAM layout. Frame i is `frame%06d.jpg`, `depth%06d.png` and line i of traj.txt. */
export function openReplicaSequence(o: ReplicaReadOptions, warn: (note: PluginNote) => void): DatasetSource {
  const dir = o.sequence
  if (!existsSync(dir)) fail('PLAF_FILE_NOT_FOUND', `Replica sequence ${dir} does not exist`, { file: dir, expected: 'a directory holding results/ and traj.txt' })
  if (!statSync(dir).isDirectory()) fail('PLAF_INPUT_INVALID', `${dir} is not a directory`, { file: dir, expected: 'a directory holding results/ and traj.txt' })
  const results = join(dir, 'results')
  const names = listFolder(results)
  if (!names) fail('PLAF_INPUT_INVALID', `${dir} has no results/ folder (Replica in the NICE-SLAM layout)`, { file: results, expected: 'results/frame%06d.jpg and depth%06d.png', actual: 'no results/' })
  const stems = names.map((n) => /^frame(\d+)\.(jpg|png)$/.exec(n)).filter((m) => m !== null).map((m) => ({ index: Number(m[1]), name: m[0], digits: m[1] })).sort((a, b) => a.index - b.index)
  if (!stems.length) fail('PLAF_INPUT_INVALID', `${results} holds no frame%06d.jpg images`, { file: results, expected: 'frame000000.jpg …', actual: 'none' })
  const camera = readReplicaCamera(dir)
  const trajFile = join(dir, 'traj.txt')
  let text: string
  try {
    text = readFileSync(trajFile, 'utf8')
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `${trajFile} is missing: Replica's poses are read from it`, { file: trajFile, cause: e, expected: 'traj.txt with one 4×4 pose per line', actual: 'no such file' })
  }
  const poses = parseReplicaTrajectory(text, trajFile)
  const have = new Set(names)
  const candidates = stems.map((s) => ({ index: s.index, color: join(results, s.name), depth: join(results, `depth${s.digits}.png`), poseFile: trajFile }))
  const readPose = (c: (typeof candidates)[number]): PoseRead => {
    const m = poses[c.index]
    if (!m) return { reason: `traj.txt has ${poses.length} poses, none for frame ${c.index}` }
    const fault = poseFault(m)
    return fault ? { reason: fault } : { pose: toCameraToWorldOpenCv(m, o.pose_axes, o.pose_direction) }
  }
  const { frames, skips } = selectFrames(candidates, o, readPose, warn)
  if (!frames.length) fail('PLAF_INPUT_INVALID', `${dir}: no usable frame among the ${candidates.length} in results/ (${skips.length} skipped)`, { file: dir, expected: 'at least one frame with a valid pose', actual: `${skips.length} skipped` })
  for (const { item } of frames) {
    const name = item.depth.slice(results.length + 1)
    if (!have.has(name)) fail('PLAF_INPUT_INVALID', `frame ${String(item.index).padStart(6, '0')}: ${item.depth} is missing`, { file: item.depth, frame: String(item.index).padStart(6, '0'), expected: `a depth image for ${item.color}`, actual: 'no such file' })
  }
  return fileFrameSource({
    format: 'replica', found: candidates.length, skips, depthScale: camera.scale, color: camera.intrinsics, depth: camera.intrinsics,
    intrinsicsFrom: { color: camera.file, depth: camera.file },
    identitySeed: `${readFileSync(camera.file, 'utf8')}\0${o.pose_axes} ${o.pose_direction}`,
    describe: `Replica sequence ${dir} (${frames.length} frames${skips.length ? `, ${skips.length} skipped` : ''})`,
    frames: frames.map(({ item, pose }) => ({ index: item.index, color: item.color, depth: item.depth, pose })),
  })
}
