import { grow } from './kernels/grow.js'
import { findRoot, unionRoots } from './kernels/union-find.js'

/**
 * The pool of `fusion: voxel-overlap`: one row per distinct thing seen so far. Each entry keeps a
 * running mean of the mask features merged into it, weighted by the masks' point counts, its
 * total weight, its observation count (masks merged) and its anchor: the feature of the mask that
 * started it, which later masks must also agree with. Entries joined by a bridging mask are
 * linked in a union-find forest; the smaller index survives and holds the joint mean. All-zero
 * rows (background) share one entry that nothing else merges into.
 */
export class FusedPool {
  /** Entries created so far (roots and absorbed ones). */
  rows = 0
  private data: Float32Array
  /** Per entry, the feature of the mask that started it (the anchor members are compared with too, so the mean cannot drift away from it). */
  private anchor: Float32Array
  private weight = new Float64Array(16)
  private obs = new Uint32Array(16)
  private par = new Int32Array(16)
  private zero = -1

  constructor(readonly dim: number) {
    this.data = new Float32Array(16 * dim)
    this.anchor = new Float32Array(16 * dim)
  }

  /** Union-find parents of the first `rows` entries (a view). */
  get parent(): Int32Array {
    return this.par.subarray(0, this.rows)
  }

  /** The root entry that `e` has been merged into. */
  root(e: number): number {
    return findRoot(this.par, e)
  }

  /** Observation count (masks merged) of root entry `e`. */
  observations(e: number): number {
    return this.obs[e]
  }

  /** Whether row `row` of `table` (rows×dim) is all zero. */
  isZero(table: Float32Array, row: number): boolean {
    for (let c = 0, o = row * this.dim; c < this.dim; c++) if (table[o + c] !== 0) return false
    return true
  }

  /** Cosine between root entry `e`'s mean and row `row` of `table`; 0 when either is all zero. */
  cosine(e: number, table: Float32Array, row: number): number {
    return cos(this.data, e, table, row, this.dim)
  }

  /** Cosine between the anchor of root entry `e` and row `row` of `table`; 0 when either is all zero. */
  anchorCosine(e: number, table: Float32Array, row: number): number {
    return cos(this.anchor, e, table, row, this.dim)
  }

  /** Cosine between the anchors of root entries `a` and `b`. */
  anchorsCosine(a: number, b: number): number {
    return cos(this.anchor, a, this.anchor, b, this.dim)
  }

  /** Cosine between the means of root entries `a` and `b`; 0 when either is all zero. */
  entryCosine(a: number, b: number): number {
    return this.cosine(a, this.data, b)
  }

  /** A new entry holding row `row` of `table` with weight `w`; all-zero rows reuse one entry. */
  append(table: Float32Array, row: number, w: number): number {
    if (this.isZero(table, row) && this.zero >= 0) return this.absorb(this.zero, table, row, w)
    const d = this.dim
    const e = this.rows++
    this.data = grow(this.data, this.rows * d, Float32Array)
    this.anchor = grow(this.anchor, this.rows * d, Float32Array)
    this.weight = grow(this.weight, this.rows, Float64Array)
    this.obs = grow(this.obs, this.rows, Uint32Array)
    this.par = grow(this.par, this.rows, Int32Array)
    this.data.set(table.subarray(row * d, row * d + d), e * d)
    this.anchor.set(table.subarray(row * d, row * d + d), e * d)
    this.weight[e] = w
    this.obs[e] = 1
    this.par[e] = e
    if (this.zero < 0 && this.isZero(table, row)) this.zero = e
    return e
  }

  /** Merges row `row` of `table` (weight w) into root entry `e`: mean ← (W·mean + w·f)/(W + w). */
  absorb(e: number, table: Float32Array, row: number, w: number): number {
    const d = this.dim
    const W = this.weight[e]
    const t = W + w > 0 ? w / (W + w) : 0
    for (let c = 0; c < d; c++) this.data[e * d + c] += (table[row * d + c] - this.data[e * d + c]) * t
    this.weight[e] = W + w
    this.obs[e]++
    return e
  }

  /** Joins the entries of `a` and `b`; the surviving root holds the weighted mean of both. */
  union(a: number, b: number): number {
    const { root, absorbed } = unionRoots(this.par, a, b)
    if (root === absorbed) return root
    const d = this.dim
    const W = this.weight[root] + this.weight[absorbed]
    const t = W > 0 ? this.weight[absorbed] / W : 0
    for (let c = 0; c < d; c++) this.data[root * d + c] += (this.data[absorbed * d + c] - this.data[root * d + c]) * t
    this.weight[root] = W
    this.obs[root] += this.obs[absorbed]
    return root
  }

  /**
   * Keeps the root entries `used` marks (in order): the table, its row count, per entry the new
   * row of its root (-1 when dropped), and per kept row its observation count.
   */
  compact(used: Uint8Array): { data: Float32Array; rows: number; remap: Int32Array; observations: Uint32Array } {
    const d = this.dim
    const own = new Int32Array(this.rows).fill(-1)
    let n = 0
    for (let e = 0; e < this.rows; e++) if (used[e] && this.root(e) === e) own[e] = n++
    const data = new Float32Array(n * d)
    const observations = new Uint32Array(n)
    const remap = new Int32Array(this.rows)
    for (let e = 0; e < this.rows; e++) {
      remap[e] = own[this.root(e)]
      if (own[e] >= 0) {
        data.set(this.data.subarray(e * d, e * d + d), own[e] * d)
        observations[own[e]] = this.obs[e]
      }
    }
    return { data, rows: n, remap, observations }
  }
}

function cos(x: Float32Array, i: number, y: Float32Array, j: number, d: number): number {
  let dot = 0
  let a = 0
  let b = 0
  for (let c = 0; c < d; c++) {
    const u = x[i * d + c]
    const v = y[j * d + c]
    dot += u * v
    a += u * u
    b += v * v
  }
  return a === 0 || b === 0 ? 0 : dot / Math.sqrt(a * b)
}
