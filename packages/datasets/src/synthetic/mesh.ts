import type { SyntheticScene } from './room.js'
import { buildMaterials, checkerFactor } from './shade.js'

/**
 * Triangle mesh of a scene, like ScanNet's `_vh_clean_2.ply`: every visible rectangle (room faces,
 * box faces except the bottom, which rests on the floor) is split into a grid of at most
 * `spacing` metres, with per-vertex colour (albedo × the face's Lambert brightness), NYU40 label
 * and instance id. Triangles wind counter-clockwise seen from the side the cameras see.
 */
export interface SceneMesh {
  /** N×3 world coordinates, metres. */
  positions: Float32Array
  /** N×3 sRGB. */
  colors: Uint8Array
  /** N NYU40 ids. */
  nyu40: Uint16Array
  /** N 1-based instance ids. */
  instances: Uint16Array
  /** Triangles, 3 vertex indices each. */
  faces: Uint32Array
}

interface Rect {
  prim: number
  face: number
  origin: [number, number, number]
  u: [number, number, number]
  v: [number, number, number]
}

/** The visible face of each room primitive (inward normal code, as the ray caster reports it). */
const ROOM_FACE_CODES = [5, 4, 1, 0, 3, 2]

function rects(scene: SyntheticScene): Rect[] {
  const out: Rect[] = []
  scene.primitives.forEach((p, i) => {
    const codes = p.kind === 'object' ? [0, 1, 2, 3, 5] : [ROOM_FACE_CODES[i]]
    const c = Math.cos(p.yaw), s = Math.sin(p.yaw)
    const world = (l: number[], point: boolean): [number, number, number] => [
      c * l[0] - s * l[1] + (point ? p.center[0] : 0), s * l[0] + c * l[1] + (point ? p.center[1] : 0), l[2] + (point ? p.center[2] : 0),
    ]
    for (const face of codes) {
      const a = face >> 1, sign = face % 2 === 1 ? 1 : -1
      // e_b × e_c = e_a for the cyclic order, so U along b and V along c face +a; swap for −a.
      let b = (a + 1) % 3, cc = (a + 2) % 3
      if (sign < 0) [b, cc] = [cc, b]
      const o = [0, 0, 0], u = [0, 0, 0], v = [0, 0, 0]
      o[a] = sign * p.half[a]; o[b] = -p.half[b]; o[cc] = -p.half[cc]
      u[b] = 2 * p.half[b]
      v[cc] = 2 * p.half[cc]
      out.push({ prim: i, face, origin: world(o, true), u: world(u, false), v: world(v, false) })
    }
  })
  return out
}

/** Tessellates the scene's surfaces with grid spacing ≤ `spacing` metres. */
export function tessellate(scene: SyntheticScene, spacing = 0.05): SceneMesh {
  const list = rects(scene)
  const dims = list.map((r) => [
    Math.max(1, Math.ceil(Math.hypot(...r.u) / spacing - 1e-9)), Math.max(1, Math.ceil(Math.hypot(...r.v) / spacing - 1e-9)),
  ])
  const nv = dims.reduce((acc, [a, b]) => acc + (a + 1) * (b + 1), 0)
  const nf = dims.reduce((acc, [a, b]) => acc + 2 * a * b, 0)
  const positions = new Float32Array(3 * nv)
  const colors = new Uint8Array(3 * nv)
  const nyu40 = new Uint16Array(nv)
  const instances = new Uint16Array(nv)
  const faces = new Uint32Array(3 * nf)
  const mats = buildMaterials(scene)
  let vi = 0, fi = 0
  list.forEach((r, k) => {
    const [nu, nw] = dims[k]
    const p = scene.primitives[r.prim]
    const base = vi
    const bright = mats.brightness[6 * r.prim + r.face]
    for (let j = 0; j <= nw; j++) {
      for (let i = 0; i <= nu; i++) {
        const x = r.origin[0] + (r.u[0] * i) / nu + (r.v[0] * j) / nw
        const y = r.origin[1] + (r.u[1] * i) / nu + (r.v[1] * j) / nw
        const z = r.origin[2] + (r.u[2] * i) / nu + (r.v[2] * j) / nw
        positions[3 * vi] = x; positions[3 * vi + 1] = y; positions[3 * vi + 2] = z
        const f = bright * (p.kind === 'floor' ? checkerFactor(x, y) : 1)
        for (let ch = 0; ch < 3; ch++) colors[3 * vi + ch] = Math.min(255, Math.round(p.colour.rgb[ch] * f))
        nyu40[vi] = p.category.nyu40id
        instances[vi] = p.instanceId
        vi++
      }
    }
    for (let j = 0; j < nw; j++) {
      for (let i = 0; i < nu; i++) {
        const a = base + j * (nu + 1) + i, b = a + 1, c = a + nu + 1, d = c + 1
        faces.set([a, b, d, a, d, c], fi)
        fi += 6
      }
    }
  })
  return { positions, colors, nyu40, instances, faces }
}
