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
  private head = new Int32Array(16).fill(-1)
  private refs = new Uint32Array(16)
  private counts = new Uint32Array(16)
  private next = new Int32Array(16)
  private entries = 0
  private touched = new Int32Array(16)
  private nTouched = 0
  private voxels = 0

  /** Adds `count` votes for `ref` in voxel `v` (voxels are dense indices, added in order). */
  vote(v: number, ref: number, count = 1): void {
    if (v >= this.voxels) this.extend(v + 1)
    for (let e = this.head[v]; e !== -1; e = this.next[e]) {
      if (this.refs[e] === ref) {
        this.counts[e] += count
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

  private extend(n: number): void {
    if (n > this.head.length) {
      const cap = this.head.length
      this.best = grow(this.best, n, Int32Array)
      this.bestCount = grow(this.bestCount, n, Uint32Array)
      this.head = grow(this.head, n, Int32Array)
      // Fresh capacity starts as "no winner, no list"; only new memory is filled, once.
      this.best.fill(-1, cap)
      this.head.fill(-1, cap)
    }
    this.voxels = n
  }
}
