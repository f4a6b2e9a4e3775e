import type { Intrinsics, Mat4 } from '@plaf/core'

/**
 * Pinhole cameras in ScanNet's conventions: OpenCV axes (x right, y down, z forward), integer
 * pixel coordinates at pixel centres, poses camera-to-world, row-major 4×4, world z up.
 */

/** scene0000_00's colour intrinsics, the ScanNet reference camera at 1296×968. */
export const SCANNET_COLOR_INTRINSICS: Readonly<Intrinsics> = {
  fx: 1169.621094, fy: 1167.105103, cx: 646.295044, cy: 489.927032, width: 1296, height: 968,
}

/**
 * Intrinsics of the same camera resampled to width×height, with the pixel-centre rule
 * fx' = fx·sx, cx' = (cx + 0.5)·sx − 0.5 (exact for a half-pixel-centred resize; data-eval §3.1).
 */
export function scaleIntrinsics(k: Intrinsics, width: number, height: number): Intrinsics {
  const sx = width / k.width
  const sy = height / k.height
  return { fx: k.fx * sx, fy: k.fy * sy, cx: (k.cx + 0.5) * sx - 0.5, cy: (k.cy + 0.5) * sy - 0.5, width, height }
}

type Vec3 = readonly [number, number, number]

/**
 * Camera-to-world pose of a camera at `eye` looking at `target`, world up = +z:
 * f = normalise(target − eye), r = normalise(f × up), d = f × r; R = [r | d | f] (columns).
 */
export function lookAtPose(eye: Vec3, target: Vec3): Mat4 {
  let fx = target[0] - eye[0], fy = target[1] - eye[1], fz = target[2] - eye[2]
  const fn = Math.hypot(fx, fy, fz)
  fx /= fn; fy /= fn; fz /= fn
  // r = f × (0,0,1) = (fy, −fx, 0)
  let rx = fy, ry = -fx
  const rn = Math.hypot(rx, ry)
  if (rn < 1e-9) throw new RangeError('lookAtPose: viewing direction is parallel to world up')
  rx /= rn; ry /= rn
  const rz = 0
  // d = f × r
  const dx = fy * rz - fz * ry, dy = fz * rx - fx * rz, dz = fx * ry - fy * rx
  return Float64Array.from([rx, dx, fx, eye[0], ry, dy, fy, eye[1], rz, dz, fz, eye[2], 0, 0, 0, 1])
}

/**
 * Projects world point (x, y, z) with a camera-to-world pose: X_c = Rᵀ(X − t),
 * u = fx·x_c/z_c + cx, v = fy·y_c/z_c + cy. Writes [u, v, z_c] into `out` and returns it.
 */
export function projectPoint(k: Intrinsics, pose: Mat4, x: number, y: number, z: number, out = new Float64Array(3)): Float64Array {
  const px = x - pose[3], py = y - pose[7], pz = z - pose[11]
  const xc = pose[0] * px + pose[4] * py + pose[8] * pz
  const yc = pose[1] * px + pose[5] * py + pose[9] * pz
  const zc = pose[2] * px + pose[6] * py + pose[10] * pz
  out[0] = (k.fx * xc) / zc + k.cx
  out[1] = (k.fy * yc) / zc + k.cy
  out[2] = zc
  return out
}

/** Back-projects pixel (u, v) at z-depth `depth` (metres) to world coordinates: X = R·X_c + t. */
export function backProject(k: Intrinsics, pose: Mat4, u: number, v: number, depth: number, out = new Float64Array(3)): Float64Array {
  const xc = ((u - k.cx) / k.fx) * depth
  const yc = ((v - k.cy) / k.fy) * depth
  for (let r = 0; r < 3; r++) out[r] = pose[4 * r] * xc + pose[4 * r + 1] * yc + pose[4 * r + 2] * depth + pose[4 * r + 3]
  return out
}
