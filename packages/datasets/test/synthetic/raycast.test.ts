import { describe, expect, it } from 'vitest'
import { scaleIntrinsics } from '../../src/synthetic/camera.js'
import { generateScene } from '../../src/generate-scene.js'
import { castRays } from '../../src/synthetic/raycast.js'
import type { Primitive } from '../../src/synthetic/room.js'

/**
 * Naive reference: intersect the ray with the plane of every face of every primitive and keep the
 * nearest hit inside its rectangle. Different algorithm from the slab test under test.
 */
function naiveRay(prims: Primitive[], o: number[], d: number[]): { t: number; prim: number; face: number } {
  let best = { t: Infinity, prim: -1, face: 0 }
  prims.forEach((p, i) => {
    const c = Math.cos(p.yaw), s = Math.sin(p.yaw)
    const faces = p.kind === 'object' ? [0, 1, 2, 3, 4, 5] : [[5, 4, 1, 0, 3, 2][i]]
    for (const f of faces) {
      const a = f >> 1, sign = f % 2 ? 1 : -1
      const nl = [0, 0, 0]
      nl[a] = sign
      const n = [c * nl[0] - s * nl[1], s * nl[0] + c * nl[1], nl[2]]
      const p0 = [p.center[0] + n[0] * p.half[a], p.center[1] + n[1] * p.half[a], p.center[2] + n[2] * p.half[a]]
      const denom = n[0] * d[0] + n[1] * d[1] + n[2] * d[2]
      // Objects are seen from outside (ray against the outward normal); room faces' normals point inward.
      if (!(denom < 0)) continue
      const t = (n[0] * (p0[0] - o[0]) + n[1] * (p0[1] - o[1]) + n[2] * (p0[2] - o[2])) / denom
      if (!(t > 0) || t >= best.t) continue
      const q = [o[0] + t * d[0] - p.center[0], o[1] + t * d[1] - p.center[1], o[2] + t * d[2] - p.center[2]]
      const local = [c * q[0] + s * q[1], -s * q[0] + c * q[1], q[2]]
      const inside = [0, 1, 2].every((k) => k === a || Math.abs(local[k]) <= p.half[k] + 1e-9)
      if (inside) best = { t, prim: i, face: f }
    }
  })
  return best
}

describe('castRays', () => {
  it('agrees with a per-face plane-intersection reference on depth, primitive and face', () => {
    const scene = generateScene({ seed: 11, frames: 4, objects: 6 })
    const k = scaleIntrinsics(scene.colorIntrinsics, 96, 72)
    let compared = 0, mismatched = 0
    for (const pose of scene.poses) {
      const hits = castRays(scene.rays, k, pose)
      for (let v = 0; v < k.height; v++) for (let u = 0; u < k.width; u++) {
        const xc = (u - k.cx) / k.fx, yc = (v - k.cy) / k.fy
        const d = [0, 1, 2].map((r) => pose[4 * r] * xc + pose[4 * r + 1] * yc + pose[4 * r + 2])
        const ref = naiveRay(scene.primitives, [pose[3], pose[7], pose[11]], d)
        const i = v * k.width + u
        compared++
        if (hits.prim[i] !== ref.prim || hits.face[i] !== ref.face) { mismatched++; continue }
        expect(Math.abs(hits.depth[i] - ref.t)).toBeLessThan(1e-5 * ref.t)
      }
    }
    // Only rays grazing an edge may pick the neighbouring face.
    expect(mismatched / compared).toBeLessThan(1e-3)
    expect(compared).toBe(4 * 96 * 72)
  })

  it('returns z-depth (not range): a flat wall seen head-on has constant depth', () => {
    const scene = generateScene({ objects: 1, room_size: [4, 4, 3] })
    // Camera in the room centre looking at wall x=4 along +x; that wall is 2 m away everywhere.
    const pose = Float64Array.from([0, 0, 1, 2, -1, 0, 0, 2, 0, -1, 0, 1.5, 0, 0, 0, 1])
    const k = { fx: 100, fy: 100, cx: 15.5, cy: 11.5, width: 32, height: 24 }
    const rays = { room: scene.room, boxes: new Float64Array(0) }
    const hits = castRays(rays, k, pose)
    expect(new Set(hits.prim)).toEqual(new Set([3]))
    for (const z of hits.depth) expect(z).toBeCloseTo(2, 6)
  })
})
