import { grow } from './grow.js'

/**
 * Per-voxel majority vote over pool references. Each voxel has a short linked list (typed arrays)
 * of (ref, count) entries for refs that may still receive votes; `fold` moves those lists into the
 * voxel's running winner and frees them. The winner is the ref with the largest count, ties going
 * to the smaller (earlier) ref.
 *
 * Exactness: folding a ref is safe once it can no longer receive votes. Without pool merging each
 * frame appends its own rows, so every ref is closed at the end of its frame and the lifter folds
 * after each frame (memory bounded by one frame). With merging, refs recur across frames and the
 * lists are kept until the end.
 */
export class VoteTable {
  private best = new Int32Array(16).fill(-1)
  private bestCount = new Uint32Array(16)
  private lead = new Int32Array(16).fill(-1)
  private leadCount = new Uint32Array(16)
  private head = new Int32Array(16).fill(-1)
  private refs = new Uint32Array(16)
  private counts = new Uint32Array(16)
  private next = new Int32Array(16)
  private entries = 0
  private touched = new Int32Array(16)
  private nTouched = 0
  private voxels = 0
  private scratchRoots = new Int32Array(16)
  private scratchSums = new Uint32Array(16)
  private nScratch = 0

  /** Adds `count` votes for `ref` in voxel `v` (voxels are dense indices, added in order). */
  vote(v: number, ref: number, count = 1): void {
    if (v >= this.voxels) this.extend(v + 1)
    for (let e = this.head[v]; e !== -1; e = this.next[e]) {
      if (this.refs[e] === ref) {
        this.counts[e] += count
        this.track(v, ref, this.counts[e])
        return
      }
    }
    const e = this.entries++
    if (e >= this.refs.length) {
      this.refs = grow(this.refs, e + 1, Uint32Array)
      this.counts = grow(this.counts, e + 1, Uint32Array)
      this.next = grow(this.next, e + 1, Int32Array)
    }
    if (this.head[v] === -1) {
      this.touched = grow(this.touched, this.nTouched + 1, Int32Array)
      this.touched[this.nTouched++] = v
    }
    this.refs[e] = ref
    this.counts[e] = count
    this.next[e] = this.head[v]
    this.head[v] = e
    this.track(v, ref, count)
  }

  /**
   * Per voxel, the ref with the most votes so far (-1 for none), counted under the ref each vote
   * was cast for, ties to the smaller ref. A view over the first voxels; valid until the next vote.
   */
  leaders(): Int32Array {
    return this.lead.subarray(0, this.voxels)
  }

  /** Folds every open list into its voxel's winner and frees all entries. */
  fold(): void {
    for (let i = 0; i < this.nTouched; i++) {
      const v = this.touched[i]
      let best = this.best[v]
      let bestCount = this.bestCount[v]
      for (let e = this.head[v]; e !== -1; e = this.next[e]) {
        const c = this.counts[e]
        const r = this.refs[e]
        if (c > bestCount || (c === bestCount && r < best)) {
          best = r
          bestCount = c
        }
      }
      this.best[v] = best
      this.bestCount[v] = bestCount
      this.lead[v] = best
      this.leadCount[v] = bestCount
      this.head[v] = -1
    }
    this.nTouched = 0
    this.entries = 0
  }

  /** The winning ref of each of the first `n` voxels (fold first); -1 for a voxel with no vote. */
  winners(n: number): Int32Array {
    const out = new Int32Array(n).fill(-1)
    out.set(this.best.subarray(0, Math.min(n, this.voxels)))
    return out
  }

  /**
   * The winner of each of the first `n` voxels after mapping every ref through `root` (refs that
   * share a root pool their votes), over the open lists and the folded winner; ties to the
   * smaller root, -1 for a voxel with no vote. The lists are left untouched.
   */
  rootWinners(n: number, root: (ref: number) => number): Int32Array {
    const out = new Int32Array(n).fill(-1)
    for (let v = 0; v < Math.min(n, this.voxels); v++) {
      // A voxel's distinct roots are few: collect them in a small scratch list.
      this.nScratch = 0
      if (this.best[v] >= 0) this.pool(root(this.best[v]), this.bestCount[v])
      for (let e = this.head[v]; e !== -1; e = this.next[e]) this.pool(root(this.refs[e]), this.counts[e])
      let best = -1
      let bestCount = 0
      for (let i = 0; i < this.nScratch; i++) {
        const r = this.scratchRoots[i]
        const c = this.scratchSums[i]
        if (c > bestCount || (c === bestCount && r < best)) {
          best = r
          bestCount = c
        }
      }
      out[v] = best
    }
    return out
  }

  private pool(r: number, c: number): void {
    for (let i = 0; i < this.nScratch; i++) {
      if (this.scratchRoots[i] === r) {
        this.scratchSums[i] += c
        return
      }
    }
    const i = this.nScratch++
    this.scratchRoots = grow(this.scratchRoots, i + 1, Int32Array)
    this.scratchSums = grow(this.scratchSums, i + 1, Uint32Array)
    this.scratchRoots[i] = r
    this.scratchSums[i] = c
  }

  private track(v: number, ref: number, count: number): void {
    if (count > this.leadCount[v] || (count === this.leadCount[v] && ref < this.lead[v])) {
      this.lead[v] = ref
      this.leadCount[v] = count
    }
  }

  private extend(n: number): void {
    if (n > this.head.length) {
      const cap = this.head.length
      this.best = grow(this.best, n, Int32Array)
      this.bestCount = grow(this.bestCount, n, Uint32Array)
      this.lead = grow(this.lead, n, Int32Array)
      this.leadCount = grow(this.leadCount, n, Uint32Array)
      this.head = grow(this.head, n, Int32Array)
      // Fresh capacity starts as "no winner, no list"; only new memory is filled, once.
      this.best.fill(-1, cap)
      this.lead.fill(-1, cap)
      this.head.fill(-1, cap)
    }
    this.voxels = n
  }
}
