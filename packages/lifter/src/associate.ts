import type { FusedPool } from './fused-pool.js'
import type { OverlapCounts } from './kernels/overlap-counts.js'

/** Thresholds of `fusion: voxel-overlap`. */
export interface AssociationThresholds {
  /** Least fraction of a mask's points that must land in voxels an entry leads. */
  minOverlap: number
  /** Least cosine between the mask's feature and the entry's mean. */
  minCosine: number
}

/**
 * Associates one frame's masks with the pool. Mask j (row `which[j]` of `table`, `sizes[j]`
 * points) is compared with every entry leading a voxel that some of its points land on; the
 * entries whose mean and whose anchor (the feature of the mask that started the entry) both have
 * cosine ≥ `minCosine` to the mask's feature are its candidates. When the
 * candidates together lead the voxels of at least `minOverlap`·sizes[j] of its points, the mask
 * matches them: the candidate sharing the most points is the target, and every other candidate
 * sharing at least `minOverlap`·sizes[j] points whose mean and anchor have cosine ≥ `minCosine` to
 * the target's is joined with it (union-find; a mask
 * bridging two agreeing entries says they are one thing, which mends an object split over entries
 * while its surface was only partly seen; an under-segmented mask spanning two different things
 * does not join them). The mask's feature is then merged into the target's running mean, weighted
 * by its points. Otherwise the mask becomes a new entry. Masks are taken in row order, so a later mask of the same frame sees
 * the earlier ones' merges. Returns the entry of each mask.
 */
export function associateFrame(
  pool: FusedPool, table: Float32Array, which: readonly number[], sizes: Uint32Array, overlaps: OverlapCounts,
  t: AssociationThresholds,
): Uint32Array {
  const refs = new Uint32Array(which.length)
  const candidates: number[] = []
  const shares: number[] = []
  let p = 0
  for (let j = 0; j < which.length; j++) {
    const row = which[j]
    // Background (all-zero) features have no direction: they share one entry and join nothing.
    const zero = pool.isZero(table, row)
    candidates.length = 0
    shares.length = 0
    let shared = 0
    for (; p < overlaps.size && overlaps.masks[p] === j; p++) {
      // Entries may have been joined earlier in this frame: compare against the current root.
      const e = pool.root(overlaps.entries[p])
      // Both the entry's mean and its anchor (the mask that started it) must agree with the mask,
      // so a chain of small steps cannot carry the mean from one colour to another.
      if (zero || pool.cosine(e, table, row) < t.minCosine || pool.anchorCosine(e, table, row) < t.minCosine) continue
      candidates.push(e)
      shares.push(overlaps.counts[p])
      shared += overlaps.counts[p]
    }
    if (candidates.length === 0 || shared < t.minOverlap * sizes[j]) {
      refs[j] = pool.append(table, row, sizes[j])
      continue
    }
    // The candidate with the most shared points first; another joins it only if their means agree.
    let best = 0
    for (let c = 1; c < candidates.length; c++) if (shares[c] > shares[best]) best = c
    let target = candidates[best]
    for (let c = 0; c < candidates.length; c++) {
      // A bridge must be substantial: a few points on another entry's voxels (a boundary, a
      // shared corner) say nothing about both being one thing.
      if (shares[c] < t.minOverlap * sizes[j]) continue
      const e = pool.root(candidates[c])
      if (e !== target && pool.entryCosine(target, e) >= t.minCosine && pool.anchorsCosine(target, e) >= t.minCosine) target = pool.union(target, e)
    }
    refs[j] = pool.absorb(target, table, row, sizes[j])
  }
  return refs
}
