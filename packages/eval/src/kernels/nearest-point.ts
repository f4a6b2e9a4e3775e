/**
 * Nearest map point of every query point (e.g. a mesh vertex) within `maxDistance` metres, or -1.
 * Points are bucketed in a voxel grid of cell `maxDistance` (keys sorted once, typed arrays, no
 * per-point objects), so each query looks at the 27 cells around it. Ties go to the lower point
 * index. Positions are N×3 / V×3 float32, row-major.
 */
export function nearestPoints(points: Float32Array, queries: Float32Array, maxDistance: number): Int32Array {
  if (!(maxDistance > 0)) throw new RangeError(`maxDistance must be > 0, got ${maxDistance}`)
  const n = Math.floor(points.length / 3), v = Math.floor(queries.length / 3)
  const out = new Int32Array(v).fill(-1)
  if (n === 0) return out
  const inv = 1 / maxDistance
  // cell coordinates, offset to start at 1, packed into one exact integer key: 17 + 18 + 18 bits < 2^53
  const cell = (x: number) => Math.floor(x * inv)
  let minX = Infinity, minY = Infinity, minZ = Infinity, maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity
  for (let i = 0; i < n; i++) {
    const cx = cell(points[3 * i]), cy = cell(points[3 * i + 1]), cz = cell(points[3 * i + 2])
    minX = Math.min(minX, cx); minY = Math.min(minY, cy); minZ = Math.min(minZ, cz)
    maxX = Math.max(maxX, cx); maxY = Math.max(maxY, cy); maxZ = Math.max(maxZ, cz)
  }
  if (!Number.isFinite(minX + minY + minZ + maxX + maxY + maxZ)) throw new RangeError('map positions must be finite')
  const SY = 1 << 18, SZ = 1 << 18
  const key = (cx: number, cy: number, cz: number) => ((cx - minX + 1) * SY + (cy - minY + 1)) * SZ + (cz - minZ + 1)
  if (maxX - minX + 2 >= 1 << 17 || maxY - minY + 2 >= SY || maxZ - minZ + 2 >= SZ) {
    throw new RangeError(`the map spans more than ${((1 << 17) - 2) * maxDistance} m at ${maxDistance} m cells`)
  }
  const keys = new Float64Array(n)
  for (let i = 0; i < n; i++) keys[i] = key(cell(points[3 * i]), cell(points[3 * i + 1]), cell(points[3 * i + 2]))
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((a, b) => keys[a] - keys[b] || a - b)
  const sorted = new Float64Array(n)
  for (let i = 0; i < n; i++) sorted[i] = keys[order[i]]
  const start = new Map<number, number>()
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) start.set(sorted[i], i)
  const max2 = maxDistance * maxDistance
  for (let q = 0; q < v; q++) {
    const x = queries[3 * q], y = queries[3 * q + 1], z = queries[3 * q + 2]
    const cx = cell(x), cy = cell(y), cz = cell(z)
    let best = max2, arg = -1
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) for (let dz = -1; dz <= 1; dz++) {
      const ax = cx + dx, ay = cy + dy, az = cz + dz
      if (ax < minX || ay < minY || az < minZ || ax > maxX || ay > maxY || az > maxZ) continue
      const k = key(ax, ay, az)
      const s = start.get(k)
      if (s === undefined) continue
      for (let j = s; j < n && sorted[j] === k; j++) {
        const p = order[j]
        const ex = points[3 * p] - x, ey = points[3 * p + 1] - y, ez = points[3 * p + 2] - z
        const d2 = ex * ex + ey * ey + ez * ez
        if (d2 < best || (d2 === best && (arg === -1 || p < arg))) { best = d2; arg = p }
      }
    }
    out[q] = arg
  }
  return out
}
