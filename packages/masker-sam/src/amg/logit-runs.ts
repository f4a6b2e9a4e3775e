import type { Axis, LogitUpsampler } from './upsample-window.js'

/** The three cutoffs of the generator, lo ≤ t ≤ hi: stability at lo and hi, binarisation at t. */
export interface Cutoffs {
  t: number
  hi: number
  lo: number
}

/** What `classifyRuns` finds in one logit plane: stability counts and the binary mask as runs. */
export interface MaskRuns {
  /** Values above hi and above lo over the whole plane. */
  inter: number
  union: number
  /** Pixels above t. */
  area: number
  /** Their box in output pixels, inclusive; null when no value is above t. */
  box: [x0: number, y0: number, x1: number, y1: number] | null
  /** `count` runs of pixels above t as (y, x0, x1) triples (x1 exclusive), rows ascending, left to right, never touching. */
  runs: Int32Array
  count: number
}

/**
 * For each low-res index c of one axis: the first output index whose sources all lie at or after
 * c (`from`) and the first output index with a source after c (`to`), so the outputs whose sources
 * all lie in [a, b] are [from[a], to[b]).
 */
function sourceBounds(ax: Axis, low: number): { from: Int32Array; to: Int32Array } {
  const n = ax.srcLo.length
  const from = new Int32Array(low + 1)
  const to = new Int32Array(low + 1)
  let d = 0
  for (let c = 0; c <= low; c++) {
    while (d < n && ax.srcLo[d]! < c) d++
    from[c] = d
  }
  d = 0
  for (let c = 0; c <= low; c++) {
    while (d < n && ax.srcHi[d]! <= c) d++
    to[c] = d
  }
  return { from, to }
}

/**
 * The stability counts, binary mask and box of one upsampled logit plane, exactly as the full plane
 * gives them, computing exact values only where they can matter. Output rows are taken in strips;
 * for each strip, a low-res column whose values over the strip's source rows (each widened by the
 * rounding margin) all lie between the same two cutoffs has a known level (how many of lo, t, hi
 * its values exceed). Every output value is a convex combination of its sources, so an output
 * pixel all of whose source columns share a level has that level; only the other pixels (near a
 * cutoff crossing) are upsampled, by `LogitUpsampler.finalRows` and the same last vertical pass
 * done here. The mask comes out as horizontal runs, so no plane-sized buffer is filled.
 * Buffers are kept across calls; `runs` is valid until the next call.
 */
export class RunClassifier {
  private readonly fx: { from: Int32Array; to: Int32Array }
  private colLevel = new Int8Array(0)
  private codes = new Int8Array(0)
  // Segments of one strip: [x0, x1) with a level, or −1 (exact; values at valOff).
  private segX0 = new Int32Array(64)
  private segX1 = new Int32Array(64)
  private segLevel = new Int8Array(64)
  private segOff = new Int32Array(64)
  private vals = new Float32Array(4096)
  private runs = new Int32Array(3 * 1024)

  constructor(
    readonly up: LogitUpsampler,
    readonly strip = 8,
  ) {
    this.fx = sourceBounds(up.x, up.lw)
    this.colLevel = new Int8Array(up.lw)
  }

  classify(low: Float32Array, cut: Cutoffs, offset = 0): MaskRuns | null {
    const { up } = this
    const win = up.window(low, cut.lo, offset)
    if (!win) return null
    const { x0, x1, y0, y1, margin } = win
    const { t, hi, lo } = cut
    const lw = up.lw
    const sx = up.x
    const sy = up.y
    const ty = sy.stage2
    const { from, to } = this.fx
    const cx0 = sx.srcLo[x0]!
    const cx1 = sx.srcHi[x1 - 1]!
    const colLevel = this.colLevel
    // Each low-res value's level when its ±margin interval lies between the same two cutoffs, else −1,
    // once per mask over the rows and columns the window reads; a column's level over a strip's
    // rows is then the common code of its values (−1 when they differ or one straddles).
    const ry0 = sy.srcLo[y0]!
    const ry1 = sy.srcHi[y1 - 1]!
    const cw = cx1 - cx0 + 1
    if (this.codes.length < cw * (ry1 - ry0 + 1)) this.codes = new Int8Array(cw * (ry1 - ry0 + 1))
    const codes = this.codes
    const [lm, lp, tm, tp, hm, hp] = [lo - margin, lo + margin, t - margin, t + margin, hi - margin, hi + margin]
    for (let r = ry0; r <= ry1; r++) {
      for (let i = offset + r * lw + cx0, e = i + cw, o = (r - ry0) * cw - i; i < e; i++) {
        const v = low[i]!
        codes[o + i] = v > lp ? (v > tp ? (v > hp ? 3 : v > hm ? -1 : 2) : v > tm ? -1 : 1) : v > lm ? -1 : 0
      }
    }
    let inter = 0
    let union = 0
    let area = 0
    let count = 0
    let bx0 = Infinity
    let bx1 = -1
    let by0 = -1
    let by1 = -1
    for (let ys = y0; ys < y1; ys += this.strip) {
      const ye = Math.min(y1, ys + this.strip)
      const r0 = sy.srcLo[ys]!
      const r1 = sy.srcHi[ye - 1]!
      // Each source column's level over the strip's source rows (−1: its values straddle a cutoff).
      const c0 = (r0 - ry0) * cw - cx0
      const c1 = (r1 - ry0) * cw - cx0
      for (let c = cx0; c <= cx1; c++) {
        let L = codes[c0 + c]!
        for (let i = c0 + c + cw, e = c1 + c; i <= e && L >= 0; i += cw) if (codes[i] !== L) L = -1
        colLevel[c] = L
      }
      // Segments: maximal runs of columns with one known level give the outputs whose sources all lie in them.
      let nSeg = 0
      let xPrev = x0
      let c = cx0
      while (c <= cx1) {
        const L = colLevel[c]!
        let e = c
        while (e < cx1 && colLevel[e + 1] === L) e++
        if (L >= 0) {
          const a = Math.max(x0, from[c]!)
          const b = Math.min(x1, to[e]!)
          if (a < b) {
            if (a > xPrev) nSeg = this.pushSeg(nSeg, xPrev, a, -1)
            nSeg = this.pushSeg(nSeg, a, b, L)
            xPrev = b
          }
        }
        c = e + 1
      }
      if (xPrev < x1) nSeg = this.pushSeg(nSeg, xPrev, x1, -1)
      // The straddling segments up to the last vertical pass, over the last stage's source rows
      // of the strip (J0 … J1); the row loop finishes each value as that pass does.
      const J0 = ty.i0[ys]!
      const nJ = ty.i1[ye - 1]! + 1 - J0
      let need = 0
      for (let s = 0; s < nSeg; s++) {
        if (this.segLevel[s] !== -1) continue
        this.segOff[s] = need
        need += (this.segX1[s]! - this.segX0[s]!) * nJ
      }
      if (this.vals.length < need) this.vals = new Float32Array(need)
      for (let s = 0; s < nSeg; s++) {
        if (this.segLevel[s] !== -1) continue
        up.finalRows(low, offset, this.segX0[s]!, this.segX1[s]!, ys, ye, this.vals, this.segOff[s]!)
      }
      // Counts and runs, row by row, left to right.
      for (let y = ys; y < ye; y++) {
        const rowStart = count
        const ja = ty.i0[y]! - J0
        const jb = ty.i1[y]! - J0
        const w0 = ty.w0[y]!
        const w1 = ty.w1[y]!
        for (let s = 0; s < nSeg; s++) {
          const a = this.segX0[s]!
          const b = this.segX1[s]!
          const L = this.segLevel[s]!
          if (L >= 0) {
            const n = b - a
            if (L >= 1) union += n
            if (L === 3) inter += n
            if (L >= 2) count = this.addRun(count, rowStart, y, a, b)
            continue
          }
          // region's last pass: the same float32 rounding of the same weighted sum.
          const oa = this.segOff[s]! + ja * (b - a) - a
          const ob = this.segOff[s]! + jb * (b - a) - a
          const vals = this.vals
          let start = -1
          for (let x = a; x < b; x++) {
            const v = Math.fround(w0 * vals[oa + x]! + w1 * vals[ob + x]!)
            if (v > lo) {
              union++
              if (v > hi) inter++
            }
            if (v > t) {
              if (start < 0) start = x
            } else if (start >= 0) {
              count = this.addRun(count, rowStart, y, start, x)
              start = -1
            }
          }
          if (start >= 0) count = this.addRun(count, rowStart, y, start, b)
        }
        if (count > rowStart) {
          const runs = this.runs
          if (by0 < 0) by0 = y
          by1 = y
          if (runs[3 * rowStart + 1]! < bx0) bx0 = runs[3 * rowStart + 1]!
          if (runs[3 * count - 1]! - 1 > bx1) bx1 = runs[3 * count - 1]! - 1
          for (let r = rowStart; r < count; r++) area += runs[3 * r + 2]! - runs[3 * r + 1]!
        }
      }
    }
    return { inter, union, area, box: area > 0 ? [bx0, by0, bx1, by1] : null, runs: this.runs, count }
  }

  private pushSeg(n: number, a: number, b: number, level: number): number {
    if (n === this.segX0.length) {
      const grow = <T extends Int32Array | Int8Array>(arr: T): T => {
        const next = new (arr.constructor as new (n: number) => T)(2 * n)
        next.set(arr)
        return next
      }
      this.segX0 = grow(this.segX0)
      this.segX1 = grow(this.segX1)
      this.segLevel = grow(this.segLevel)
      this.segOff = grow(this.segOff)
    }
    this.segX0[n] = a
    this.segX1[n] = b
    this.segLevel[n] = level
    return n + 1
  }

  /** Appends run [a, b) of row y, joining it to the row's last run when they touch. */
  private addRun(count: number, rowStart: number, y: number, a: number, b: number): number {
    if (count > rowStart && this.runs[3 * count - 1] === a) {
      this.runs[3 * count - 1] = b
      return count
    }
    if (3 * count + 3 > this.runs.length) {
      const next = new Int32Array(2 * this.runs.length)
      next.set(this.runs)
      this.runs = next
    }
    this.runs[3 * count] = y
    this.runs[3 * count + 1] = a
    this.runs[3 * count + 2] = b
    return count + 1
  }
}

/** The bitmap of a mask given as runs (y, x0, x1 exclusive), cropped to its inclusive box. */
export function runsToBitmap(runs: Int32Array, count: number, box: readonly number[]): Uint8Array {
  const [bx0, by0, bx1, by1] = box as [number, number, number, number]
  const bw = bx1 - bx0 + 1
  const bitmap = new Uint8Array(bw * (by1 - by0 + 1))
  for (let r = 0; r < count; r++) {
    const o = (runs[3 * r]! - by0) * bw - bx0
    bitmap.fill(1, o + runs[3 * r + 1]!, o + runs[3 * r + 2]!)
  }
  return bitmap
}
