import type { Intrinsics } from '@plaf/core'
import type { LensDistortion } from './distortion.js'

/**
 * Undistortion maps for one camera, computed once per sequence: for every pixel of the undistorted
 * (pinhole) image, where the lens put it in the recorded image. The undistorted image keeps the
 * camera matrix (OpenCV's `cv2.undistort(img, K, D)` with `newCameraMatrix = K`).
 *
 * Colour is remapped bilinearly exactly as OpenCV's `remap(INTER_LINEAR, BORDER_CONSTANT)` does:
 * source positions in 1/32 pixel steps, integer weights summing to 1024, round half up, 0 outside.
 * Depth is remapped to the nearest recorded pixel (never blended: 0 = no depth must not mix with
 * real depths, and depth edges must not produce points between two surfaces); outside is 0.
 */
export interface UndistortMaps {
  width: number
  height: number
  /** Column and row of the top-left of the four recorded pixels each output pixel blends (may lie outside). */
  x0: Int32Array
  y0: Int32Array
  /** Sub-pixel position in 1/32 pixel: `fy * 32 + fx`, fx and fy in 0…31. */
  frac: Uint16Array
  /** Index of the nearest recorded pixel, or -1 when it lies outside the image. */
  nearest: Int32Array
}

/** Rounds to the nearest integer, ties to even (OpenCV's cvRound). */
function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r
}

/** OpenCV's INTER_BITS: bilinear positions are quantised to 1/32 pixel. */
const STEPS = 32

/**
 * The maps of an image of `k.width × k.height` taken through `coefficients` (OpenCV's k1 k2 p1 p2 k3),
 * as `cv2.initUndistortRectifyMap(K, D, None, K, size, …)` computes them (in double precision).
 */
export function undistortMaps(k: Intrinsics, coefficients: LensDistortion['coefficients']): UndistortMaps {
  const { width: W, height: H, fx, fy, cx, cy } = k
  const [k1, k2, p1, p2, k3] = coefficients
  const n = W * H
  const x0 = new Int32Array(n), y0 = new Int32Array(n), frac = new Uint16Array(n), nearest = new Int32Array(n)
  for (let v = 0, i = 0; v < H; v++) {
    const y = (v - cy) / fy
    const y2 = y * y
    for (let u = 0; u < W; u++, i++) {
      const x = (u - cx) / fx
      const x2 = x * x, r2 = x2 + y2, xy2 = 2 * x * y
      const kr = 1 + ((k3 * r2 + k2) * r2 + k1) * r2
      const su = fx * (x * kr + p1 * xy2 + p2 * (r2 + 2 * x2)) + cx
      const sv = fy * (y * kr + p1 * (r2 + 2 * y2) + p2 * xy2) + cy
      const X = roundHalfEven(su * STEPS), Y = roundHalfEven(sv * STEPS)
      x0[i] = X >> 5
      y0[i] = Y >> 5
      frac[i] = (Y & (STEPS - 1)) * STEPS + (X & (STEPS - 1))
      // nearest as remap rounds a CV_32FC1 map: the position in float32, rounded half to even
      const nu = roundHalfEven(Math.fround(su)), nv = roundHalfEven(Math.fround(sv))
      nearest[i] = nu >= 0 && nu < W && nv >= 0 && nv < H ? nv * W + nu : -1
    }
  }
  return { width: W, height: H, x0, y0, frac, nearest }
}

/** Bilinear remap of an interleaved 8-bit image (`channels` per pixel) through the maps. */
export function remapBilinearU8(src: Uint8Array, channels: number, m: UndistortMaps): Uint8Array {
  const { width: W, height: H } = m
  const out = new Uint8Array(W * H * channels)
  const rowStride = W * channels
  for (let i = 0; i < W * H; i++) {
    const sx = m.x0[i], sy = m.y0[i]
    if (sx >= W || sx + 1 < 0 || sy >= H || sy + 1 < 0) continue // all four outside: 0
    const fx = m.frac[i] & (STEPS - 1), fy = m.frac[i] >> 5
    const w00 = (STEPS - fx) * (STEPS - fy), w01 = fx * (STEPS - fy), w10 = (STEPS - fx) * fy, w11 = fx * fy
    const base = sy * rowStride + sx * channels
    const o = i * channels
    if (sx >= 0 && sy >= 0 && sx < W - 1 && sy < H - 1) {
      for (let c = 0; c < channels; c++) {
        const p = base + c
        out[o + c] = (w00 * src[p] + w01 * src[p + channels] + w10 * src[p + rowStride] + w11 * src[p + rowStride + channels] + 512) >> 10
      }
      continue
    }
    // at the border: recorded pixels outside the image count as 0 (OpenCV's BORDER_CONSTANT)
    const in00 = sx >= 0 && sy >= 0, in01 = sx + 1 < W && sy >= 0, in10 = sx >= 0 && sy + 1 < H, in11 = sx + 1 < W && sy + 1 < H
    for (let c = 0; c < channels; c++) {
      const p = base + c
      const s = (in00 ? w00 * src[p] : 0) + (in01 ? w01 * src[p + channels] : 0) + (in10 ? w10 * src[p + rowStride] : 0) + (in11 ? w11 * src[p + rowStride + channels] : 0)
      out[o + c] = (s + 512) >> 10
    }
  }
  return out
}

/** Nearest-neighbour remap of a one-channel float image (depth) through the maps; 0 outside. */
export function remapNearestF32(src: Float32Array, m: UndistortMaps): Float32Array {
  const out = new Float32Array(m.width * m.height)
  for (let i = 0; i < out.length; i++) {
    const j = m.nearest[i]
    if (j >= 0) out[i] = src[j]
  }
  return out
}
