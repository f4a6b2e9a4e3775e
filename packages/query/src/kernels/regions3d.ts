/** One connected region of selected points: "where" a query is in the map. */
export interface Region3D {
  /** Points in the region. */
  points: number
  /** [x_min, y_min, z_min, x_max, y_max, z_max] in map coordinates (metres). */
  bbox: [number, number, number, number, number, number]
  /** Mean position of the region's points. */
  centroid: [number, number, number]
}

const EMPTY = -1

/** Mixes three int32 voxel keys (odd multipliers, then a murmur3 finaliser). */
function hash(x: number, y: number, z: number): number {
  let h = Math.imul(x, 0x9e3779b1) ^ Math.imul(y, 0x85ebca77) ^ Math.imul(z, 0xc2b2ae3d)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  return (h ^ (h >>> 16)) >>> 0
}

function find(parent: Int32Array, e: number): number {
  while (parent[e] !== e) {
    parent[e] = parent[parent[e]]
    e = parent[e]
  }
  return e
}

/**
 * Connected regions of the points `selected` marks (e.g. score ≥ threshold), largest first, at
 * most `limit`. Points are binned into voxels of edge `voxelSize` (keys round(p / size)); two
 * selected voxels that touch (26-neighbourhood: every key differs by at most 1) are one region.
 * Typed arrays only: an open-addressing hash of the selected voxels and a union-find over them.
 * Ties in size go to the region whose first point comes first.
 */
export function regions3D(positions: Float32Array, selected: Uint8Array, voxelSize: number, limit = 10): Region3D[] {
  const n = selected.length
  let k = 0
  for (let i = 0; i < n; i++) k += selected[i] ? 1 : 0
  let cap = 16
  while (cap < 2 * k) cap *= 2
  const table = new Int32Array(cap).fill(EMPTY)
  const keys = new Int32Array(3 * k)
  const voxelOf = new Int32Array(n).fill(EMPTY)
  let voxels = 0
  const lookup = (x: number, y: number, z: number, insert: boolean): number => {
    for (let h = hash(x, y, z) & (cap - 1); ; h = (h + 1) & (cap - 1)) {
      const v = table[h]
      if (v === EMPTY) {
        if (!insert) return EMPTY
        keys[3 * voxels] = x
        keys[3 * voxels + 1] = y
        keys[3 * voxels + 2] = z
        return (table[h] = voxels++)
      }
      if (keys[3 * v] === x && keys[3 * v + 1] === y && keys[3 * v + 2] === z) return v
    }
  }
  for (let i = 0; i < n; i++) {
    if (!selected[i]) continue
    const o = 3 * i
    voxelOf[i] = lookup(Math.round(positions[o] / voxelSize), Math.round(positions[o + 1] / voxelSize), Math.round(positions[o + 2] / voxelSize), true)
  }
  const parent = new Int32Array(voxels)
  for (let v = 0; v < voxels; v++) parent[v] = v
  for (let v = 0; v < voxels; v++) {
    const x = keys[3 * v]
    const y = keys[3 * v + 1]
    const z = keys[3 * v + 2]
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (let dz = -1; dz <= 1; dz++) {
          const u = lookup(x + dx, y + dy, z + dz, false)
          if (u === EMPTY) continue
          const a = find(parent, u)
          const b = find(parent, v)
          if (a !== b) parent[Math.max(a, b)] = Math.min(a, b)
        }
      }
    }
  }
  // Per root voxel: count, bbox, position sums, first point.
  const count = new Uint32Array(voxels)
  const box = new Float64Array(6 * voxels)
  const sum = new Float64Array(3 * voxels)
  const first = new Int32Array(voxels).fill(EMPTY)
  for (let i = 0; i < n; i++) {
    if (voxelOf[i] === EMPTY) continue
    const r = find(parent, voxelOf[i])
    const o = 3 * i
    if (count[r]++ === 0) {
      first[r] = i
      for (let c = 0; c < 3; c++) box[6 * r + c] = box[6 * r + 3 + c] = positions[o + c]
    }
    for (let c = 0; c < 3; c++) {
      const p = positions[o + c]
      if (p < box[6 * r + c]) box[6 * r + c] = p
      if (p > box[6 * r + 3 + c]) box[6 * r + 3 + c] = p
      sum[3 * r + c] += p
    }
  }
  const roots: number[] = []
  for (let v = 0; v < voxels; v++) if (count[v] > 0) roots.push(v)
  roots.sort((a, b) => count[b] - count[a] || first[a] - first[b])
  return roots.slice(0, limit).map((r) => ({
    points: count[r],
    bbox: [box[6 * r], box[6 * r + 1], box[6 * r + 2], box[6 * r + 3], box[6 * r + 4], box[6 * r + 5]],
    centroid: [sum[3 * r] / count[r], sum[3 * r + 1] / count[r], sum[3 * r + 2] / count[r]],
  }))
}
