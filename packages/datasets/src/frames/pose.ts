import { fail } from '@plaf/core'
import { parseNumberToken } from '../scannet/text.js'

/**
 * Pose conventions and the checks every reader applies to a pose before a frame is used. PLAF's
 * own convention is camera-to-world with OpenCV camera axes (x right, y down, z forward), stored
 * row-major as a 4×4 `Float64Array`.
 */

/** Camera axes a pose file uses: OpenCV (x right, y down, z forward) or OpenGL (x right, y up, z backward). */
export type PoseAxes = 'opencv' | 'opengl'
/** Which way a pose maps: camera-to-world (ScanNet, TUM, Replica) or world-to-camera (COLMAP, extrinsics). */
export type PoseDirection = 'camera-to-world' | 'world-to-camera'

/** The rigidity check lives in core, shared with the `backproject` lifter. */
export { RIGID_TOLERANCE, poseFault } from '@plaf/core'

/** Rigid inverse [Rᵀ | −Rᵀt] of a row-major 4×4 rigid transform. */
export function rigidInverse(m: ArrayLike<number>): Float64Array {
  const out = new Float64Array(16)
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) out[4 * r + c] = m[4 * c + r]
    out[4 * r + 3] = -(m[r] * m[3] + m[4 + r] * m[7] + m[8 + r] * m[11])
  }
  out[15] = 1
  return out
}

/**
 * Converts a pose given in another convention to camera-to-world with OpenCV axes. A
 * world-to-camera pose is inverted first; OpenGL camera axes differ from OpenCV's by flipping y
 * and z, so the camera's y and z columns of the rotation are negated.
 */
export function toCameraToWorldOpenCv(m: Float64Array, axes: PoseAxes, direction: PoseDirection): Float64Array {
  const c2w = direction === 'world-to-camera' ? rigidInverse(m) : Float64Array.from(m)
  if (axes === 'opengl') {
    for (let r = 0; r < 3; r++) {
      c2w[4 * r + 1] = -c2w[4 * r + 1]
      c2w[4 * r + 2] = -c2w[4 * r + 2]
    }
  }
  return c2w
}

/**
 * Parses a pose text file strictly: exactly 4 non-empty lines of 4 numbers each (numpy
 * `savetxt` layout; `inf`/`-inf`/`nan` tokens accepted, to be skipped by `poseFault`). Throws
 * PLAF_INPUT_INVALID naming the file, frame, and the rows and values found.
 */
export function parsePoseRows(text: string, file: string, frame: string): Float64Array {
  const rows = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#')).map((l) => l.split(/[\s,]+/))
  if (rows.length !== 4 || rows.some((r) => r.length !== 4)) {
    const actual = `${rows.length} row(s) with ${rows.map((r) => r.length).join(', ') || 'no'} value(s)`
    fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: expected 4 rows of 4 numbers (a 4×4 pose), found ${actual}`, { file, frame, expected: '4 rows of 4 numbers', actual })
  }
  const m = new Float64Array(16)
  rows.forEach((r, i) => r.forEach((tok, j) => {
    const v = parseNumberToken(tok)
    if (v === undefined) fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: "${tok}" is not a number (row ${i + 1}, column ${j + 1})`, { file, frame, expected: 'a number', actual: tok })
    m[4 * i + j] = v
  }))
  return m
}

/**
 * Camera-to-world 4×4 from a translation and a unit quaternion (qx, qy, qz, qw), as TUM's
 * `groundtruth.txt` writes them. The quaternion is normalised; its norm is returned so callers
 * can reject one far from 1.
 */
export function quaternionPose(t: ArrayLike<number>, q: ArrayLike<number>): { pose: Float64Array; norm: number } {
  const norm = Math.hypot(q[0], q[1], q[2], q[3])
  const [x, y, z, w] = [q[0] / norm, q[1] / norm, q[2] / norm, q[3] / norm]
  const pose = Float64Array.from([
    1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w), t[0],
    2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w), t[1],
    2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y), t[2],
    0, 0, 0, 1,
  ])
  return { pose, norm }
}

/** Unit quaternion (qx, qy, qz, qw) of a row-major 4×4 pose's rotation (Shepperd's method, qw ≥ 0). */
export function rotationQuaternion(m: ArrayLike<number>): [number, number, number, number] {
  const [a, b, c, d, e, f, g, h, i] = [m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]]
  const tr = a + e + i
  let q: [number, number, number, number]
  if (tr > 0) {
    const s = 2 * Math.sqrt(tr + 1)
    q = [(h - f) / s, (c - g) / s, (d - b) / s, s / 4]
  } else if (a > e && a > i) {
    const s = 2 * Math.sqrt(1 + a - e - i)
    q = [s / 4, (b + d) / s, (c + g) / s, (h - f) / s]
  } else if (e > i) {
    const s = 2 * Math.sqrt(1 + e - a - i)
    q = [(b + d) / s, s / 4, (f + h) / s, (c - g) / s]
  } else {
    const s = 2 * Math.sqrt(1 + i - a - e)
    q = [(c + g) / s, (f + h) / s, s / 4, (d - b) / s]
  }
  const sign = q[3] < 0 ? -1 : 1
  const n = Math.hypot(...q) * sign
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n]
}
