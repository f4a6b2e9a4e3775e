import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { loadSharp } from '../frames/sharp.js'
import { encodeNpy, encodePng, fail, type Frame } from '@plaf/core'
import { rotationQuaternion } from '../frames/pose.js'

/** How `writeRgbdFolder` stores frames. */
export interface WriteRgbdFolderOptions {
  /** `png` (lossless, default) or `jpg` (quality 95). */
  color_format: 'png' | 'jpg'
  /** `png`: 16-bit at `depth_scale` units per metre (default); `npy`: float32 metres. */
  depth_format: 'png' | 'npy'
  /** Depth PNG units per metre; 1000 = millimetres. */
  depth_scale: number
  /** `files`: pose/<stem>.txt per frame (default); `trajectory`: one TUM-style trajectory.txt, image stems are timestamps. */
  poses: 'files' | 'trajectory'
  /** Timestamp in seconds of a frame (trajectory mode); default index / 30. */
  timestamp?: (frame: Frame) => number
}

/** What was written. */
export interface WriteRgbdFolderSummary {
  dir: string
  frames: number
  /** Frames whose pose was null: written as `-inf` rows (pose files) or left out of trajectory.txt. */
  invalidPoses: number
  /** Depth pixels beyond what a 16-bit PNG holds at `depth_scale`, written as 0 (invalid). */
  depthOutOfRange: number
}

const DEFAULTS: WriteRgbdFolderOptions = { color_format: 'png', depth_format: 'png', depth_scale: 1000, poses: 'files' }
const num = (v: number): string => (Number.isNaN(v) ? 'nan' : Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : '-inf')

/** Formats a pose as 4 rows of 4 numbers, each the shortest text that reads back to the same double. */
export function formatPoseRows(m: ArrayLike<number> | null): string {
  let s = ''
  for (let r = 0; r < 4; r++) s += [0, 1, 2, 3].map((c) => (m ? num(m[4 * r + c]) : '-inf')).join(' ') + '\n'
  return s
}

/**
 * Writes frames as an rgbd-folder (what `plaf data convert --to rgbd-folder` produces). Files go
 * into a temporary sibling directory that is renamed into place at the end, so `dir` is never
 * half written; an existing non-empty `dir` is refused. Intrinsics come from the first frame.
 */
export async function writeRgbdFolder(dir: string, frames: AsyncIterable<Frame>, options: Partial<WriteRgbdFolderOptions> = {}): Promise<WriteRgbdFolderSummary> {
  const sharp = await loadSharp()
  const o = { ...DEFAULTS, ...options }
  if (existsSync(dir) && readdirSync(dir).length) fail('PLAF_INVALID_OPTION', `${dir} exists and is not empty; refusing to write an rgbd-folder over it`, { file: dir, expected: 'a new or empty directory', actual: 'a non-empty directory' })
  mkdirSync(dirname(dir), { recursive: true })
  const tmp = mkdtempSync(join(dirname(dir), `.${basename(dir)}.partial-`))
  try {
    for (const sub of ['color', 'depth', ...(o.poses === 'files' ? ['pose'] : [])]) mkdirSync(join(tmp, sub))
    const summary: WriteRgbdFolderSummary = { dir, frames: 0, invalidPoses: 0, depthOutOfRange: 0 }
    let intrinsics: Record<string, unknown> | undefined
    const trajectory: string[] = ['# timestamp tx ty tz qx qy qz qw (camera-to-world, OpenCV camera axes)']
    for await (const f of frames) {
      const stem = o.poses === 'trajectory' ? (o.timestamp?.(f) ?? f.index / 30).toFixed(6) : String(f.index)
      const [h, w] = f.rgb.shape
      const img = sharp(f.rgb.data, { raw: { width: w, height: h, channels: 3 } })
      writeFileSync(join(tmp, 'color', `${stem}.${o.color_format}`), o.color_format === 'png' ? await img.png().toBuffer() : await img.jpeg({ quality: 95 }).toBuffer())
      if (!f.depth || !f.depthIntrinsics || !f.colorIntrinsics) fail('PLAF_INPUT_INVALID', `frame ${f.id} has no depth${f.colorIntrinsics ? '' : ' and no camera'}; an rgbd-folder needs depth and intrinsics for every frame`, { frame: f.id })
      const [dh, dw] = f.depth.shape
      if (o.depth_format === 'npy') {
        writeFileSync(join(tmp, 'depth', `${stem}.npy`), encodeNpy({ data: f.depth.data, shape: [dh, dw] }))
      } else {
        const u16 = new Uint16Array(dw * dh)
        const d = f.depth.data
        for (let i = 0; i < u16.length; i++) {
          const v = Math.round(d[i] * o.depth_scale)
          if (v > 65535) summary.depthOutOfRange++
          u16[i] = v > 0 && v <= 65535 ? v : 0
        }
        writeFileSync(join(tmp, 'depth', `${stem}.png`), encodePng({ data: u16, width: dw, height: dh, channels: 1, depth: 16 }))
      }
      if (!f.pose) summary.invalidPoses++
      if (o.poses === 'files') writeFileSync(join(tmp, 'pose', `${stem}.txt`), formatPoseRows(f.pose))
      else if (f.pose) {
        const q = rotationQuaternion(f.pose)
        trajectory.push([stem, f.pose[3], f.pose[7], f.pose[11], ...q].map((v) => (typeof v === 'string' ? v : num(v))).join(' '))
      }
      intrinsics ??= {
        color: pick(f.colorIntrinsics), depth: pick(f.depthIntrinsics),
        ...(o.depth_format === 'png' ? { depth_scale: o.depth_scale } : {}),
      }
      summary.frames++
    }
    if (!intrinsics) fail('PLAF_INPUT_INVALID', 'no frames to write', { file: dir })
    if (o.poses === 'trajectory') writeFileSync(join(tmp, 'trajectory.txt'), trajectory.join('\n') + '\n')
    writeFileSync(join(tmp, 'intrinsics.json'), JSON.stringify(intrinsics, null, 2) + '\n')
    if (existsSync(dir)) rmdirSync(dir)
    renameSync(tmp, dir)
    return summary
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true })
    throw e
  }
}

const pick = (k: { width: number; height: number; fx: number; fy: number; cx: number; cy: number }) =>
  ({ width: k.width, height: k.height, fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy })
