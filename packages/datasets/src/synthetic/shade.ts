import type { Intrinsics, Mat4 } from '@plaf/core'
import type { RayHits } from './raycast.js'
import type { SyntheticScene } from './room.js'

/**
 * Colour of the rendered frames: albedo × Lambert brightness (ambient 0.85 + 0.15·max(0, n·l):
 * faces of one object differ by up to 15 % in brightness), a ±5 % checker on the floor (0.5 m tiles) for texture, and
 * ±2 levels of per-pixel luminance noise from an integer hash (deterministic, no RNG state).
 */

/** Per-primitive shading tables: albedo (3 per primitive) and brightness per face code (6 per primitive). */
export interface Materials {
  albedo: Uint8Array
  brightness: Float32Array
  /** 1 where the primitive carries the floor checker. */
  checker: Uint8Array
}

const AMBIENT = 0.85
const DIFFUSE = 0.15
const TILE = 0.5

/** Builds the shading tables of a scene (world normals of every face of every primitive, dotted with the light). */
export function buildMaterials(scene: SyntheticScene): Materials {
  const n = scene.primitives.length
  const albedo = new Uint8Array(3 * n)
  const brightness = new Float32Array(6 * n)
  const checker = new Uint8Array(n)
  const [lx, ly, lz] = scene.light
  scene.primitives.forEach((p, i) => {
    albedo.set(p.colour.rgb, 3 * i)
    checker[i] = p.kind === 'floor' ? 1 : 0
    const c = Math.cos(p.yaw), s = Math.sin(p.yaw)
    for (let f = 0; f < 6; f++) {
      const sign = f % 2 === 1 ? 1 : -1
      const axis = f >> 1
      const nl: [number, number, number] = [0, 0, 0]
      nl[axis] = sign
      const nx = c * nl[0] - s * nl[1], ny = s * nl[0] + c * nl[1], nz = nl[2]
      brightness[6 * i + f] = AMBIENT + DIFFUSE * Math.max(0, nx * lx + ny * ly + nz * lz)
    }
  })
  return { albedo, brightness, checker }
}

/** Floor texture factor at world (x, y): 1.05 or 0.95 on alternating 0.5 m tiles. */
export function checkerFactor(x: number, y: number): number {
  return (Math.floor(x / TILE) + Math.floor(y / TILE)) % 2 === 0 ? 1.05 : 0.95
}

function noise(seed: number, i: number): number {
  let h = Math.imul(i ^ seed, 0x9e3779b1)
  h ^= h >>> 15
  h = Math.imul(h, 0x85ebca77)
  h ^= h >>> 13
  return ((h >>> 0) % 5) - 2
}

/** Shades hits (cast with intrinsics k and pose) into an H×W×3 sRGB image; no hit renders black. */
export function shade(hits: RayHits, k: Intrinsics, pose: Mat4, mats: Materials, noiseSeed: number, out = new Uint8Array(hits.width * hits.height * 3)): Uint8Array {
  const { width, height, depth, prim, face } = hits
  for (let v = 0; v < height; v++) {
    const yc = (v - k.cy) / k.fy
    for (let u = 0; u < width; u++) {
      const i = v * width + u
      const p = prim[i]
      if (p < 0) { out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = 0; continue }
      let b = mats.brightness[6 * p + face[i]]
      if (mats.checker[p]) {
        const xc = (u - k.cx) / k.fx, t = depth[i]
        b *= checkerFactor(pose[3] + t * (pose[0] * xc + pose[1] * yc + pose[2]), pose[7] + t * (pose[4] * xc + pose[5] * yc + pose[6]))
      }
      const e = noise(noiseSeed, i)
      for (let ch = 0; ch < 3; ch++) {
        const val = Math.round(mats.albedo[3 * p + ch] * b) + e
        out[3 * i + ch] = val < 0 ? 0 : val > 255 ? 255 : val
      }
    }
  }
  return out
}
