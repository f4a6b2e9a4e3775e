import { fail } from '@plaf/core'
import { parseNumberToken } from '../scannet/text.js'
import { quaternionPose } from '../frames/pose.js'
import type { PoseRead } from '../frames/select.js'

/** A TUM-style trajectory: one `timestamp tx ty tz qx qy qz qw` line per pose, sorted by time. */
export interface Trajectory {
  file: string
  /** Seconds, ascending. */
  times: Float64Array
  /** 7 numbers per entry: tx ty tz qx qy qz qw. */
  values: Float64Array
}

/** How far a quaternion's norm may be from 1 before the pose is refused (TUM writes 4 decimals). */
export const QUATERNION_NORM_TOLERANCE = 1e-2

/**
 * Parses a TUM trajectory (`groundtruth.txt`, `trajectory.txt`): `#` comments, then lines of 8
 * numbers. A line with another count or a non-number is an error naming the line.
 */
export function parseTrajectory(text: string, file: string): Trajectory {
  const rows: number[][] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (!line || line.startsWith('#')) return
    const tokens = line.split(/[\s,]+/)
    if (tokens.length !== 8) {
      fail('PLAF_INPUT_INVALID', `${file}:${i + 1}: expected 8 values (timestamp tx ty tz qx qy qz qw), found ${tokens.length}`, { file, line: i + 1, expected: '8 values', actual: String(tokens.length) })
    }
    rows.push(tokens.map((t, j) => {
      const v = parseNumberToken(t)
      if (v === undefined) fail('PLAF_INPUT_INVALID', `${file}:${i + 1}: "${t}" is not a number (value ${j + 1})`, { file, line: i + 1, expected: 'a number', actual: t })
      return v
    }))
  })
  if (!rows.length) fail('PLAF_INPUT_INVALID', `${file} holds no poses`, { file, expected: 'lines of timestamp tx ty tz qx qy qz qw', actual: 'no pose lines' })
  rows.sort((a, b) => a[0] - b[0])
  const times = Float64Array.from(rows, (r) => r[0])
  const values = new Float64Array(rows.length * 7)
  rows.forEach((r, k) => values.set(r.slice(1), 7 * k))
  return { file, times, values }
}

/** Index of the entry of a sorted array nearest to `t`. */
export function nearestIndex(times: Float64Array, t: number): number {
  let lo = 0, hi = times.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (times[mid] < t) lo = mid + 1
    else hi = mid
  }
  return lo > 0 && Math.abs(times[lo - 1] - t) <= Math.abs(times[lo] - t) ? lo - 1 : lo
}

/**
 * The pose at timestamp `t`: the nearest trajectory entry within `maxDiff` seconds (as TUM's
 * associate.py does), or the reason there is none. A quaternion whose norm is far from 1 is a
 * reason too; otherwise it is normalised.
 */
export function poseAt(traj: Trajectory, t: number, maxDiff: number): PoseRead {
  const k = nearestIndex(traj.times, t)
  const dt = Math.abs(traj.times[k] - t)
  if (!(dt <= maxDiff)) return { reason: `no pose within ${maxDiff} s of timestamp ${t} (nearest ${Number(dt.toPrecision(3))} s away)` }
  const v = traj.values.subarray(7 * k, 7 * k + 7)
  const { pose, norm } = quaternionPose(v.subarray(0, 3), v.subarray(3, 7))
  if (Number.isFinite(norm) && Math.abs(norm - 1) > QUATERNION_NORM_TOLERANCE) {
    return { reason: `not a rigid transform: quaternion norm ${Number(norm.toPrecision(4))} is not 1 (tolerance ${QUATERNION_NORM_TOLERANCE})` }
  }
  return { pose }
}
