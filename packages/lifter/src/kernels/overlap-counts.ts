import { findRoot } from './union-find.js'

/** Per (mask, entry) pair with at least one shared point: how many of the mask's points land on the entry. */
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
 * which keeps the kernel to typed arrays whatever the number of masks and entries.
 */
export function overlapCounts(
  mask: Uint32Array, voxel: Int32Array, count: number, voxelsBefore: number, leader: Int32Array, parent: Int32Array,
): OverlapCounts {
  const E = parent.length
  const keys = new Float64Array(count)
  let n = 0
  for (let i = 0; i < count; i++) {
    const v = voxel[i]
    if (v >= voxelsBefore) continue
    const e = leader[v]
    if (e < 0) continue
    keys[n++] = mask[i] * E + findRoot(parent, e)
  }
  const sorted = keys.subarray(0, n).sort()
  const masks = new Uint32Array(n)
  const entries = new Uint32Array(n)
  const counts = new Uint32Array(n)
  let size = 0
  for (let i = 0; i < n; ) {
    let j = i
    while (j < n && sorted[j] === sorted[i]) j++
    masks[size] = Math.floor(sorted[i] / E)
    entries[size] = sorted[i] - masks[size] * E
    counts[size++] = j - i
    i = j
  }
  return { masks, entries, counts, size }
}
