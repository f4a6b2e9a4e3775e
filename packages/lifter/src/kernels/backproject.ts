import { centreIndex } from './pixel-map.js'

/** A depth image with its pinhole intrinsics and camera-to-world pose (row-major 4×4). */
export interface DepthView {
  /** Metres, row-major height×width; 0 or NaN = no measurement. */
  depth: Float32Array
  width: number
  height: number
  fx: number
  fy: number
  cx: number
  cy: number
  pose: Float64Array
}

/** Per-pixel labels and colours to attach, at any resolution (mapped by the pixel-centre rule). */
export interface PixelAttributes {
  ids: Uint16Array
  idsWidth: number
  idsHeight: number
  /** Row-major RGB, rgbWidth×rgbHeight×3. */
  rgb: Uint8Array
  rgbWidth: number
  rgbHeight: number
}

/** Which depth pixels become points. */
export interface BackprojectOptions {
  stride: number
  /** Depths strictly between minDepth and maxDepth (metres) are kept. */
  minDepth: number
  maxDepth: number
  /** Keep pixels whose id is 0 (no mask). */
  keepBackground: boolean
  /**
   * Drop a pixel when a 4-neighbour's valid depth differs from its own by more than this fraction
   * of its depth (0 = off). Pixels on a depth discontinuity are where a one-pixel mask error puts
   * a label metres away (the background seen past an object's silhouette).
   */
  maxDepthJump: number
}

/** World points of one frame: count, xyz (float64, metres), mask id and colour of each. */
export interface BackprojectedPoints {
  count: number
  positions: Float64Array
  ids: Uint16Array
  colors: Uint8Array
}

/**
 * Back-projects depth pixels to world points: OpenCV pinhole (integer pixel = centre),
 * X_c = ((u − cx)·d/fx, (v − cy)·d/fy, d), X_w = R·X_c + t with the camera-to-world pose.
 * Pixels u, v = 0, stride, 2·stride, … with minDepth < d < maxDepth are kept, then their mask id
 * and colour are read at the pixel-centre-mapped pixel of the id map and of the RGB image.
 */
export function backproject(view: DepthView, attrs: PixelAttributes, opts: BackprojectOptions): BackprojectedPoints {
  const { depth, width: W, height: H, fx, fy, cx, cy, pose: P } = view
  const s = opts.stride
  const cap = Math.ceil(W / s) * Math.ceil(H / s)
  const positions = new Float64Array(cap * 3)
  const ids = new Uint16Array(cap)
  const colors = new Uint8Array(cap * 3)
  const idX = centreIndex(W, attrs.idsWidth)
  const idY = centreIndex(H, attrs.idsHeight)
  const rgbX = centreIndex(W, attrs.rgbWidth)
  const rgbY = centreIndex(H, attrs.rgbHeight)
  // Depth is float32: compare with float32 bounds, so a depth of exactly min_depth is dropped.
  const minDepth = Math.fround(opts.minDepth)
  const maxDepth = Math.fround(opts.maxDepth)
  const keepBackground = opts.keepBackground
  const jump = opts.maxDepthJump
  let n = 0
  for (let v = 0; v < H; v += s) {
    const idRow = idY[v] * attrs.idsWidth
    const rgbRow = rgbY[v] * attrs.rgbWidth
    const yn = (v - cy) / fy
    for (let u = 0; u < W; u += s) {
      const d = depth[v * W + u]
      if (!(d > minDepth && d < maxDepth)) continue
      const id = attrs.ids[idRow + idX[u]]
      if (id === 0 && !keepBackground) continue
      if (jump > 0 && onDiscontinuity(depth, W, H, u, v, d, jump * d)) continue
      const x = ((u - cx) / fx) * d
      const y = yn * d
      const o = n * 3
      positions[o] = P[0] * x + P[1] * y + P[2] * d + P[3]
      positions[o + 1] = P[4] * x + P[5] * y + P[6] * d + P[7]
      positions[o + 2] = P[8] * x + P[9] * y + P[10] * d + P[11]
      ids[n] = id
      const c = (rgbRow + rgbX[u]) * 3
      colors[o] = attrs.rgb[c]
      colors[o + 1] = attrs.rgb[c + 1]
      colors[o + 2] = attrs.rgb[c + 2]
      n++
    }
  }
  return { count: n, positions: positions.subarray(0, n * 3), ids: ids.subarray(0, n), colors: colors.subarray(0, n * 3) }
}

/** True when a 4-neighbour has a valid depth differing from d by more than `tol` metres. */
function onDiscontinuity(depth: Float32Array, W: number, H: number, u: number, v: number, d: number, tol: number): boolean {
  const i = v * W + u
  const check = (j: number) => {
    const e = depth[j]
    return e > 0 && Math.abs(e - d) > tol
  }
  return (u > 0 && check(i - 1)) || (u + 1 < W && check(i + 1)) || (v > 0 && check(i - W)) || (v + 1 < H && check(i + W))
}
