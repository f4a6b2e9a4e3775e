import type { Intrinsics, Mat4 } from '@plaf/core'

/**
 * Analytic ray casting of a room with oriented boxes, at one camera. Rays use the camera-space
 * direction d_c = ((u − cx)/fx, (v − cy)/fy, 1), so the hit parameter t is the z-depth exactly
 * (ScanNet stores z-depth, not range). Boxes: slab test in the box frame (yaw about +z).
 */

/** Geometry for the caster: the room [0,Lx]×[0,Ly]×[0,Lz] and boxes packed 8 floats each. */
export interface RayScene {
  /** Room size [Lx, Ly, Lz] in metres. */
  room: readonly [number, number, number]
  /** Per box: cx, cy, cz, hx, hy, hz, cos(yaw), sin(yaw). */
  boxes: Float64Array
}

/** Room faces come first in primitive order: floor, ceiling, walls x=0, x=Lx, y=0, y=Ly. */
export const ROOM_FACES = 6

/** Per-pixel hits, H×W row-major. */
export interface RayHits {
  width: number
  height: number
  /** z-depth in metres (0 where nothing was hit). */
  depth: Float32Array
  /** Primitive index (room faces 0–5, then boxes), −1 for no hit. */
  prim: Int16Array
  /** Local face hit: 2·axis + (0 for the −axis face, 1 for +axis); for the room, the wall's side. */
  face: Uint8Array
}

/** Allocates a hit buffer for width×height rays. */
export function createHits(width: number, height: number): RayHits {
  const n = width * height
  return { width, height, depth: new Float32Array(n), prim: new Int16Array(n), face: new Uint8Array(n) }
}

/** Casts one ray per pixel centre of a width×height image with intrinsics k and camera-to-world pose. */
export function castRays(scene: RayScene, k: Intrinsics, pose: Mat4, hits: RayHits = createHits(k.width, k.height)): RayHits {
  const { width, height, depth, prim, face } = hits
  const [lx, ly, lz] = scene.room
  const ox = pose[3], oy = pose[7], oz = pose[11]
  const nb = scene.boxes.length / 8
  // Ray origin in each box's frame, o' = Rz(−yaw)(o − c), computed once per frame.
  const local = new Float64Array(nb * 3)
  for (let b = 0; b < nb; b++) {
    const B = scene.boxes, j = 8 * b
    const px = ox - B[j], py = oy - B[j + 1]
    local[3 * b] = B[j + 6] * px + B[j + 7] * py
    local[3 * b + 1] = -B[j + 7] * px + B[j + 6] * py
    local[3 * b + 2] = oz - B[j + 2]
  }
  const B = scene.boxes
  for (let v = 0; v < height; v++) {
    const yc = (v - k.cy) / k.fy
    for (let u = 0; u < width; u++) {
      const xc = (u - k.cx) / k.fx
      const dx = pose[0] * xc + pose[1] * yc + pose[2]
      const dy = pose[4] * xc + pose[5] * yc + pose[6]
      const dz = pose[8] * xc + pose[9] * yc + pose[10]
      // Room: the camera is inside, so the hit is where the ray leaves the room box.
      let best = Infinity, bestPrim = -1, bestFace = 0
      if (dz !== 0) {
        const t = dz < 0 ? -oz / dz : (lz - oz) / dz
        if (t < best) { best = t; bestPrim = dz < 0 ? 0 : 1; bestFace = dz < 0 ? 5 : 4 }
      }
      if (dx !== 0) {
        const t = dx < 0 ? -ox / dx : (lx - ox) / dx
        if (t < best) { best = t; bestPrim = dx < 0 ? 2 : 3; bestFace = dx < 0 ? 1 : 0 }
      }
      if (dy !== 0) {
        const t = dy < 0 ? -oy / dy : (ly - oy) / dy
        if (t < best) { best = t; bestPrim = dy < 0 ? 4 : 5; bestFace = dy < 0 ? 3 : 2 }
      }
      for (let b = 0; b < nb; b++) {
        const j = 8 * b
        const c = B[j + 6], s = B[j + 7]
        const ex = c * dx + s * dy, ey = -s * dx + c * dy
        const px = local[3 * b], py = local[3 * b + 1], pz = local[3 * b + 2]
        let tmin = -Infinity, tmax = Infinity, f = 0
        let t1 = (-B[j + 3] - px) / ex, t2 = (B[j + 3] - px) / ex
        if (t1 > t2) { const w = t1; t1 = t2; t2 = w }
        if (t1 > tmin) { tmin = t1; f = ex > 0 ? 0 : 1 }
        if (t2 < tmax) tmax = t2
        t1 = (-B[j + 4] - py) / ey; t2 = (B[j + 4] - py) / ey
        if (t1 > t2) { const w = t1; t1 = t2; t2 = w }
        if (t1 > tmin) { tmin = t1; f = ey > 0 ? 2 : 3 }
        if (t2 < tmax) tmax = t2
        t1 = (-B[j + 5] - pz) / dz; t2 = (B[j + 5] - pz) / dz
        if (t1 > t2) { const w = t1; t1 = t2; t2 = w }
        if (t1 > tmin) { tmin = t1; f = dz > 0 ? 4 : 5 }
        if (t2 < tmax) tmax = t2
        if (tmin <= tmax && tmin > 0 && tmin < best) { best = tmin; bestPrim = ROOM_FACES + b; bestFace = f }
      }
      const i = v * width + u
      if (bestPrim < 0 || !Number.isFinite(best)) { depth[i] = 0; prim[i] = -1; face[i] = 0; continue }
      depth[i] = best
      prim[i] = bestPrim
      face[i] = bestFace
    }
  }
  return hits
}
