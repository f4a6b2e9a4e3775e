/** Disjoint sets over 0..n−1 with union by rank and path halving; sizes kept at the roots. */
export class DisjointSets {
  readonly parent: Int32Array
  readonly rank: Uint8Array
  /** Set size, valid at roots. */
  readonly size: Int32Array
  /** Number of sets. */
  count: number

  constructor(n: number) {
    this.parent = new Int32Array(n)
    for (let i = 0; i < n; i++) this.parent[i] = i
    this.rank = new Uint8Array(n)
    this.size = new Int32Array(n).fill(1)
    this.count = n
  }

  /** Root of x's set. */
  find(x: number): number {
    const p = this.parent
    while (p[x] !== x) {
      p[x] = p[p[x]]
      x = p[x]
    }
    return x
  }

  /** Merges the sets with roots ra and rb (ra ≠ rb); returns the new root. */
  join(ra: number, rb: number): number {
    this.count--
    if (this.rank[ra] > this.rank[rb]) {
      this.parent[rb] = ra
      this.size[ra] += this.size[rb]
      return ra
    }
    this.parent[ra] = rb
    this.size[rb] += this.size[ra]
    if (this.rank[ra] === this.rank[rb]) this.rank[rb]++
    return rb
  }

  /**
   * One label per element, 0..count−1, numbered by first appearance in index order (raster order
   * for pixels), so equal partitions give equal label arrays whatever the roots are.
   */
  labels(): { labels: Int32Array; count: number } {
    const n = this.parent.length
    const ofRoot = new Int32Array(n).fill(-1)
    const labels = new Int32Array(n)
    let next = 0
    for (let i = 0; i < n; i++) {
      const r = this.find(i)
      if (ofRoot[r] < 0) ofRoot[r] = next++
      labels[i] = ofRoot[r]
    }
    return { labels, count: next }
  }
}
