import type { TensorBackend } from '@plaf/core'
import { grow } from './kernels/grow.js'

/**
 * The scene's feature pool: rows appended per frame (the concatenation of the frames' mask
 * tables, paper eq. 8's M×D part). With a merge threshold τ, a new row whose cosine to an
 * existing row exceeds τ reuses that row instead (greedy, first best, no running mean), which is
 * what the official FeaturePool3D intends, but per row rather than per point, with the
 * similarities of a whole frame's rows computed in one product on the tensor seam.
 */
export class FeaturePool {
  /** Rows in the pool. */
  rows = 0
  private data: Float32Array
  private norms = new Float64Array(16)
  private zeroRef = -1
  private useCounts = new Uint32Array(16)

  constructor(readonly dim: number, private readonly mergeThreshold: number | null, private readonly tensor: TensorBackend) {
    this.data = new Float32Array(16 * dim)
  }

  /** The first `rows` rows, row-major rows×dim (a view; copy before the pool grows again). */
  view(): Float32Array {
    return this.data.subarray(0, this.rows * this.dim)
  }

  /**
   * Adds rows `which` (ascending) of a table (rows×dim, row-major) and returns the pool ref of
   * each, in the same order.
   */
  async add(table: Float32Array, which: readonly number[]): Promise<Uint32Array> {
    const refs = await this.match(table, which)
    for (let j = 0; j < refs.length; j++) this.useCounts[refs[j]]++
    return refs
  }

  /** How many added rows (masks) row `r` stands for. */
  uses(r: number): number {
    return this.useCounts[r]
  }

  private async match(table: Float32Array, which: readonly number[]): Promise<Uint32Array> {
    const d = this.dim
    const refs = new Uint32Array(which.length)
    if (this.mergeThreshold === null) {
      for (let j = 0; j < which.length; j++) refs[j] = this.append(table, which[j])
      return refs
    }
    const tau = this.mergeThreshold
    const before = this.rows
    // sims = pool (before×d) · batchᵀ (d×k): one product for the whole frame.
    const k = which.length
    const batchT = new Float32Array(d * k)
    const norms = new Float64Array(k)
    for (let j = 0; j < k; j++) {
      let s = 0
      for (let c = 0; c < d; c++) {
        const v = table[which[j] * d + c]
        batchT[c * k + j] = v
        s += v * v
      }
      norms[j] = Math.sqrt(s)
    }
    const sims = before > 0 && k > 0 ? await this.tensor.matmul(this.view(), batchT, before, d, k) : new Float32Array(0)
    for (let j = 0; j < k; j++) {
      const row = which[j]
      if (norms[j] === 0) {
        // A zero row (background) has no direction: all zero rows share one pool row.
        refs[j] = this.zeroRef >= 0 ? this.zeroRef : (this.zeroRef = this.append(table, row))
        continue
      }
      let best = -1
      let bestCos = tau
      for (let i = 0; i < before; i++) {
        if (this.norms[i] === 0) continue
        const cos = sims[i * k + j] / (this.norms[i] * norms[j])
        if (cos > bestCos) {
          bestCos = cos
          best = i
        }
      }
      // Rows appended earlier in this same frame.
      for (let i = before; i < this.rows; i++) {
        if (this.norms[i] === 0) continue
        let dot = 0
        for (let c = 0; c < d; c++) dot += this.data[i * d + c] * table[row * d + c]
        const cos = dot / (this.norms[i] * norms[j])
        if (cos > bestCos) {
          bestCos = cos
          best = i
        }
      }
      refs[j] = best >= 0 ? best : this.append(table, row)
    }
    return refs
  }

  /**
   * Per row, the row to use instead: every all-zero row maps to the first all-zero row (they are
   * the same feature), every other row to itself. Applied after voting, so votes are unaffected.
   */
  canonicalRows(): Int32Array {
    const out = new Int32Array(this.rows)
    let zero = -1
    for (let i = 0; i < this.rows; i++) {
      if (this.norms[i] === 0) out[i] = zero < 0 ? (zero = i) : zero
      else out[i] = i
    }
    return out
  }

  /**
   * Keeps only the rows `used` marks (in order) and returns the new table and, per old row, its
   * new index (-1 for a dropped row).
   */
  compact(used: Uint8Array): { data: Float32Array; rows: number; remap: Int32Array } {
    const d = this.dim
    const remap = new Int32Array(this.rows).fill(-1)
    let n = 0
    for (let i = 0; i < this.rows; i++) if (used[i]) remap[i] = n++
    const data = new Float32Array(n * d)
    for (let i = 0; i < this.rows; i++) if (remap[i] >= 0) data.set(this.data.subarray(i * d, i * d + d), remap[i] * d)
    return { data, rows: n, remap }
  }

  private append(table: Float32Array, row: number): number {
    const d = this.dim
    const r = this.rows++
    this.data = grow(this.data, this.rows * d, Float32Array)
    this.norms = grow(this.norms, this.rows, Float64Array)
    this.useCounts = grow(this.useCounts, this.rows, Uint32Array)
    const src = table.subarray(row * d, row * d + d)
    this.data.set(src, r * d)
    let s = 0
    for (let c = 0; c < d; c++) s += src[c] * src[c]
    this.norms[r] = Math.sqrt(s)
    return r
  }
}
