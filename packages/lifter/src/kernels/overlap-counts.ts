import { findRoot } from './union-find.js'

/** Per (mask, entry) pair with at least one shared point: how many of the mask's points (or their weights) land on the entry. */
export interface OverlapCounts {
  /** Local mask index of each pair, ascending. */
  masks: Uint32Array
  /** Entry root of each pair, ascending within a mask. */
  entries: Uint32Array
  /** Points of the mask whose voxel the entry leads. */
  counts: Uint32Array
  /** Number of pairs. */
  size: number
}

/**
 * Counts, for one frame, the points of each mask that land in a voxel an existing pool entry
 * leads. Point i belongs to local mask `mask[i]` and fell in voxel `voxel[i]`; voxels at or beyond
 * `voxelsBefore` are new this frame and overlap nothing. `leader[v]` is the entry leading voxel v
 * (-1 for none); it is resolved to its union-find root through `parent`, so entries joined in
 * earlier frames count as one. Keys mask·E + root are sorted and run-length counted (E = entries),
 * which keeps the kernel to typed arrays whatever the number of masks and entries. With `weights`,
 * point i counts weights[i] times (a partial map's voxel stands for its observation count).
 */
export function overlapCounts(
  mask: Uint32Array, voxel: Int32Array, count: number, voxelsBefore: number, leader: Int32Array, parent: Int32Array,
  weights?: Uint32Array,
): OverlapCounts {
  const E = parent.length
  const keys = new Float64Array(count)
  // Weighted: the key carries the point's index so that its weight can be summed after the sort.
  const span = weights ? count : 1
  let n = 0
  for (let i = 0; i < count; i++) {
    const v = voxel[i]
    if (v >= voxelsBefore) continue
    const e = leader[v]
    if (e < 0) continue
    keys[n++] = (mask[i] * E + findRoot(parent, e)) * span + (weights ? i : 0)
  }
  const sorted = keys.subarray(0, n).sort()
  const masks = new Uint32Array(n)
  const entries = new Uint32Array(n)
  const counts = new Uint32Array(n)
  const pair = (k: number): number => Math.floor(k / span)
  let size = 0
  for (let i = 0; i < n; ) {
    const key = pair(sorted[i])
    let j = i
    let sum = 0
    for (; j < n && pair(sorted[j]) === key; j++) sum += weights ? weights[sorted[j] - key * span] : 1
    masks[size] = Math.floor(key / E)
    entries[size] = key - masks[size] * E
    counts[size++] = sum
    i = j
  }
  return { masks, entries, counts, size }
}
