import type { SemanticMap3D } from '@plaf/core'

/**
 * The map with its points grouped by ref: a stable counting sort (O(N + M)), so the points of one
 * pool row keep their lifted order and the ref column becomes at most M runs, which deflate to a
 * few bytes each. Returns the reordered map, the reordered counts, and `order` (new position →
 * old point index).
 */
export function groupByRef(map: SemanticMap3D, counts?: Uint32Array): { map: SemanticMap3D; counts?: Uint32Array; order: Uint32Array } {
  const n = map.refs.length
  const m = map.pool.shape[0]
  const start = new Uint32Array(m + 1)
  for (let i = 0; i < n; i++) start[map.refs[i] + 1]++
  for (let r = 0; r < m; r++) start[r + 1] += start[r]
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[start[map.refs[i]]++] = i
  const positions = new Float32Array(3 * n)
  const colors = new Uint8Array(3 * n)
  const refs = new Uint32Array(n)
  const outCounts = counts ? new Uint32Array(n) : undefined
  for (let j = 0; j < n; j++) {
    const i = order[j]
    positions[3 * j] = map.positions[3 * i]
    positions[3 * j + 1] = map.positions[3 * i + 1]
    positions[3 * j + 2] = map.positions[3 * i + 2]
    colors[3 * j] = map.colors[3 * i]
    colors[3 * j + 1] = map.colors[3 * i + 1]
    colors[3 * j + 2] = map.colors[3 * i + 2]
    refs[j] = map.refs[i]
    if (outCounts) outCounts[j] = counts![i]
  }
  return { map: { ...map, positions, colors, refs }, counts: outCounts, order }
}
