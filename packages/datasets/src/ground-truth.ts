import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodePly, fail, type PlyData } from '@plaf/core'
import type { SceneMeta, SceneObject } from './scene-meta.js'

/**
 * Ground truth of synthetic scenes for tests and evaluation: which primitive a 3D point lies on,
 * and the per-vertex instance ids of the written mesh. Geometry comes from the sidecar, so the
 * same helpers label any point set (the written mesh, a lifted point map).
 */

/** Distance in metres from (x, y, z) to the surface of a primitive's box (or rectangle). */
export function distanceToSurface(p: SceneObject, x: number, y: number, z: number): number {
  const c = Math.cos(p.yaw), s = Math.sin(p.yaw)
  const dx = x - p.center[0], dy = y - p.center[1]
  const q = [Math.abs(c * dx + s * dy), Math.abs(-s * dx + c * dy), Math.abs(z - p.center[2])]
  const h = p.halfExtents
  const ox = Math.max(q[0] - h[0], 0), oy = Math.max(q[1] - h[1], 0), oz = Math.max(q[2] - h[2], 0)
  if (ox > 0 || oy > 0 || oz > 0) return Math.hypot(ox, oy, oz)
  return Math.min(h[0] - q[0], h[1] - q[1], h[2] - q[2])
}

/** Options of pointInstances. */
export interface PointInstanceOptions {
  /** NYU40 id per point (e.g. the labels PLY `label`): only primitives of that class are candidates. */
  nyu40?: ArrayLike<number>
  /** Points farther than this from every candidate surface get instance 0 (metres, default 0.02). */
  tolerance?: number
}

/**
 * Instance id of the primitive whose surface is nearest each point (N×3 positions), or 0 when
 * none lies within the tolerance. With `nyu40`, ties (a floor vertex under a box) are broken by class.
 */
export function pointInstances(meta: Pick<SceneMeta, 'primitives'>, positions: ArrayLike<number>, options: PointInstanceOptions = {}): Uint16Array {
  const tol = options.tolerance ?? 0.02
  const n = Math.floor(positions.length / 3)
  const out = new Uint16Array(n)
  const prims = meta.primitives
  for (let i = 0; i < n; i++) {
    const x = positions[3 * i], y = positions[3 * i + 1], z = positions[3 * i + 2]
    let best = tol, id = 0
    for (const p of prims) {
      if (options.nyu40 && options.nyu40[i] !== p.nyu40id) continue
      const d = distanceToSurface(p, x, y, z)
      if (d <= best) { best = d; id = p.instanceId }
    }
    out[i] = id
  }
  return out
}

/** The decoded `<scene>_vh_clean_2.labels.ply`: positions, colours, NYU40 labels, triangles. */
export interface LabelledMesh {
  positions: Float32Array
  colors: Uint8Array
  /** NYU40 id per vertex (the PLY's `label`). */
  nyu40: Uint16Array
  faces: Uint32Array
}

/** Reads a ScanNet-layout labels PLY (`x y z red green blue [alpha] label` + faces). */
export function readLabelledMesh(file: string): LabelledMesh {
  let ply: PlyData
  try {
    ply = decodePly(readFileSync(file), file)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') fail('PLAF_FILE_NOT_FOUND', `${file}: not found`, { file, cause: e })
    throw e
  }
  const p = ply.properties
  for (const k of ['x', 'y', 'z', 'red', 'green', 'blue', 'label']) {
    if (!p[k]) fail('PLAF_INPUT_INVALID', `${file}: vertex property "${k}" is missing`, { file })
  }
  const n = ply.vertexCount
  const positions = new Float32Array(3 * n)
  const colors = new Uint8Array(3 * n)
  for (let i = 0; i < n; i++) {
    positions[3 * i] = p.x[i]; positions[3 * i + 1] = p.y[i]; positions[3 * i + 2] = p.z[i]
    colors[3 * i] = p.red[i]; colors[3 * i + 1] = p.green[i]; colors[3 * i + 2] = p.blue[i]
  }
  return { positions, colors, nyu40: Uint16Array.from(p.label), faces: ply.faces ?? new Uint32Array(0) }
}

/** Per-vertex instance ids of a written scene's labels PLY, derived from its geometry and labels. */
export function vertexInstances(dir: string, meta: SceneMeta): Uint16Array {
  const mesh = readLabelledMesh(join(dir, `${meta.scene}_vh_clean_2.labels.ply`))
  return pointInstances(meta, mesh.positions, { nyu40: mesh.nyu40, tolerance: 1e-3 })
}
