import { ExactKernel, exactKernelAvailable, type KernelArena } from './exact-kernel.js'
import { span as spanOf, type Axis, type LogitUpsampler } from './upsample-window.js'

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
 * How far from a cutoff a low-res value must lie for every output value it alone contributes to to
 * lie on its side: float32 rounding of a convex combination of values of magnitude ≤ `bound` stays
 * far inside it (the margin of `LogitUpsampler.window`, with a bound on |value| for the plane's
 * largest |value|).
 */
function marginFor(cut: Cutoffs, bound: number): number {
  return 1e-3 * (1 + Math.abs(cut.lo)) + 1e-6 * bound
}

/**
 * The stability counts, binary mask and box of one upsampled logit plane, exactly as the full plane
 * gives them, computing exact values only where they can matter.
 *
 * One pass over the low-res values the upsampling reads gives each value a level: how many of
 * lo, t, hi it exceeds by more than a rounding margin, or −1 when it lies within the margin of one
 * of them. Each low-res row is kept as runs of one level (a few runs a row), and the same pass
 * refuses NaN and ±Infinity. Output rows are then taken in strips of rows that read the same
 * low-res rows (`groups` such row groups a strip; two or three low-res rows each). Merging those
 * rows' runs gives each low-res column's level over the strip (−1 when its values differ or one
 * straddles), in time proportional to the runs, not the width. Every output value is a convex
 * combination of its sources (float32 rounding stays inside the margin), so an output pixel all of
 * whose source columns share a level has that level: its counts come by area and its run is known.
 * Only the other pixels (near a cutoff crossing) are upsampled, by `LogitUpsampler.finalRows` and
 * the same last vertical pass done here. The mask comes out as horizontal runs, so no plane-sized
 * buffer is filled. Buffers are kept across calls; `runs` is valid until the next call.
 *
 * With WebAssembly SIMD (the default), the level pass and everything after a strip's segments
 * run in `ExactKernel` instead, with the same results; the row merges and segments stay here.
 */
export class RunClassifier {
  private readonly fx: { from: Int32Array; to: Int32Array }
  // Level runs of each used low-res row r: starts[k], levels[k] for k in [rowBegin[r], rowBegin[r + 1]).
  // (Views of the kernel's memory when there is a kernel: its level pass writes them.)
  private rowBegin: Int32Array
  private starts: Int32Array
  private levels: Int8Array
  // Merged column runs of one strip.
  private colStart: Int32Array
  private colLevel: Int8Array
  // Segments of one strip: [x0, x1) with a level, or −1 (exact; values at valOff).
  private segX0 = new Int32Array(64)
  private segX1 = new Int32Array(64)
  private segLevel = new Int8Array(64)
  private segOff = new Int32Array(64)
  private vals = new Float32Array(4096)
  private runs = new Int32Array(3 * 1024)
  /** The power-of-two bound on |value| the next plane tries first (the last plane's, shrunk when that plane needed under 1/1024 of it). */
  private magnitude = 1

  /**
   * Index (in `low`) of the first NaN or ±Infinity (row-major) the last `classify` call met, or −1.
   * Such a value has no defined place among the cutoffs (upsampling spreads it to its neighbours as
   * NaN, which no comparison passes), so the generator refuses it; `classify` then returns null.
   */
  nonFinite = -1

  /** Output pixels the last `classify` call evaluated exactly (those whose sources straddle a cutoff). */
  exactPixels = 0

  /** The WebAssembly kernel of the exact pixels (null: the JavaScript path, `LogitUpsampler.finalRows`). */
  readonly kernel: ExactKernel | null

  /**
   * `exact`: `auto` (default) evaluates the exact pixels with `ExactKernel` when the engine runs WebAssembly SIMD, `js` always in JavaScript (same results).
   * `arena`: where the kernel lives (its own by default); planes given in a view of the arena's memory are read in place.
   */
  constructor(
    readonly up: LogitUpsampler,
    readonly groups = 2,
    exact: 'auto' | 'js' = 'auto',
    arena?: KernelArena,
  ) {
    if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`RunClassifier: groups must be an integer ≥ 1, got ${groups}`)
    this.kernel = exact === 'auto' && exactKernelAvailable() ? new ExactKernel(up, groups, arena) : null
    this.fx = sourceBounds(up.x, up.lw)
    const cells = up.usedH * (up.usedW + 1)
    const k = this.kernel
    this.rowBegin = k ? new Int32Array(k.i32.buffer, k.rowBeginAt, up.usedH + 1) : new Int32Array(up.usedH + 1)
    this.starts = k ? new Int32Array(k.i32.buffer, k.startsAt, cells) : new Int32Array(cells)
    this.levels = k ? new Int8Array(k.i32.buffer, k.levelsAt, cells) : new Int8Array(cells)
    this.colStart = new Int32Array(up.usedW + 1)
    this.colLevel = new Int8Array(up.usedW + 1)
  }

  /** The level runs' views of the kernel's memory, made anew after it grew (the old ones are detached). */
  private viewKernel(k: ExactKernel): void {
    const cells = this.up.usedH * (this.up.usedW + 1)
    this.rowBegin = new Int32Array(k.i32.buffer, k.rowBeginAt, this.up.usedH + 1)
    this.starts = new Int32Array(k.i32.buffer, k.startsAt, cells)
    this.levels = new Int8Array(k.i32.buffer, k.levelsAt, cells)
  }

  /**
   * The level runs of each used low-res row, at the margin for values of magnitude ≤ `bound`.
   * Returns the plane's largest |value| (the runs hold only when it is ≤ `bound`), or NaN when a
   * value is not finite (`nonFinite` is then set). Inside a run a value costs two comparisons: the
   * run's level interval, and, in the unbounded levels (below t − offset, above t + offset), the
   * running extreme. NaN fails every interval and ±Infinity shows as the extreme, so both are found.
   */
  private levelRuns(low: Float32Array, offset: number, cut: Cutoffs, bound: number): number {
    const { lw, usedW: uw, usedH: uh } = this.up
    const { starts, levels, rowBegin } = this
    const margin = marginFor(cut, bound)
    const lm = cut.lo - margin
    const lp = cut.lo + margin
    const tm = cut.t - margin
    const tp = cut.t + margin
    const hm = cut.hi - margin
    const hp = cut.hi + margin
    if (this.kernel) {
      // The same runs from the kernel's SIMD pass over its copy of the plane (`classify` loads it).
      const big = this.kernel.levels(lm, lp, tm, tp, hm, hp)
      if (big < 0 || big === Infinity) return this.refuse(low, offset)
      return big
    }
    // The largest |value| outside runs, the lowest value in runs below lm, the highest in runs above hp.
    let big = 0
    let mn = 0
    let mx = 0
    let n = 0
    for (let r = 0; r < uh; r++) {
      rowBegin[r] = n
      let prev = 4
      const i0 = offset + r * lw
      let x = 0
      while (x < uw) {
        // A value outside its run's interval: its level, NaN and magnitude checked.
        const v = low[i0 + x]!
        if (v - v !== 0) return this.refuse(low, offset)
        const a = v < 0 ? -v : v
        if (a > big) big = a
        const c = v > lp ? (v > tp ? (v > hp ? 3 : v > hm ? -1 : 2) : v > tm ? -1 : 1) : v > lm ? -1 : 0
        if (c !== prev) {
          starts[n] = x
          levels[n++] = c
          prev = c
        }
        x++
        if (c === 0) {
          for (const e = uw - 3; x < e; x += 4) {
            const a = low[i0 + x]!
            const b = low[i0 + x + 1]!
            const c = low[i0 + x + 2]!
            const d = low[i0 + x + 3]!
            if (!(a <= lm && b <= lm && c <= lm && d <= lm)) break
            const ab = a < b ? a : b
            const cd = c < d ? c : d
            const m = ab < cd ? ab : cd
            if (m < mn) mn = m
          }
          while (x < uw) {
            const w = low[i0 + x]!
            if (!(w <= lm)) break
            if (w < mn) mn = w
            x++
          }
        } else if (c === 3) {
          for (const e = uw - 3; x < e; x += 4) {
            const a = low[i0 + x]!
            const b = low[i0 + x + 1]!
            const c = low[i0 + x + 2]!
            const d = low[i0 + x + 3]!
            if (!(a > hp && b > hp && c > hp && d > hp)) break
            const ab = a > b ? a : b
            const cd = c > d ? c : d
            const m = ab > cd ? ab : cd
            if (m > mx) mx = m
          }
          while (x < uw) {
            const w = low[i0 + x]!
            if (!(w > hp)) break
            if (w > mx) mx = w
            x++
          }
        } else if (c > 0) {
          // Between two cutoffs: |value| is below the cutoffs' own, which `bound` exceeds.
          const lo = c === 1 ? lp : tp
          const hi = c === 1 ? tm : hm
          for (const e = uw - 3; x < e; x += 4) {
            const a = low[i0 + x]!
            const b = low[i0 + x + 1]!
            const c = low[i0 + x + 2]!
            const d = low[i0 + x + 3]!
            if (!(a > lo && a <= hi && b > lo && b <= hi && c > lo && c <= hi && d > lo && d <= hi)) break
          }
          while (x < uw) {
            const w = low[i0 + x]!
            if (!(w > lo && w <= hi)) break
            x++
          }
        }
      }
    }
    rowBegin[uh] = n
    if (-mn > big) big = -mn
    if (mx > big) big = mx
    // ±Infinity inside a run.
    if (big === Infinity) return this.refuse(low, offset)
    return big
  }

  /** Finds the first value (row-major, in the part the upsampling reads) that is NaN or ±Infinity; returns NaN. */
  private refuse(low: Float32Array, offset: number): number {
    const { lw, usedW: uw, usedH: uh } = this.up
    this.nonFinite = -1
    for (let r = 0; r < uh && this.nonFinite < 0; r++) {
      for (let i = offset + r * lw, e = i + uw; i < e; i++) {
        const v = low[i]!
        if (v - v !== 0) {
          this.nonFinite = i
          break
        }
      }
    }
    return NaN
  }

  /**
   * Merges the level runs of low-res rows [r0, r1] into column runs (colStart/colLevel, ending with
   * a run start at usedW): a column's level is its rows' common level, else −1. Returns the run count.
   */
  private mergeRows(r0: number, r1: number): number {
    const { starts, levels, rowBegin, colStart, colLevel } = this
    const uw = this.up.usedW
    let n = 0
    if (r0 === r1) {
      for (let k = rowBegin[r0]!, e = rowBegin[r0 + 1]!; k < e; k++) {
        colStart[n] = starts[k]!
        colLevel[n++] = levels[k]!
      }
      colStart[n] = uw
      return n
    }
    // The rows' current runs: k[j] for row r0 + j (at most a few rows: a strip's sources).
    const rows = r1 - r0 + 1
    const k = this.cursor.length >= rows ? this.cursor : (this.cursor = new Int32Array(rows))
    for (let j = 0; j < rows; j++) k[j] = rowBegin[r0 + j]!
    let c = 0
    let last = 4
    while (c < uw) {
      let L = levels[k[0]!]!
      let end = k[0]! + 1 < rowBegin[r0 + 1]! ? starts[k[0]! + 1]! : uw
      for (let j = 1; j < rows; j++) {
        const kj = k[j]!
        if (levels[kj] !== L) L = -1
        const e = kj + 1 < rowBegin[r0 + j + 1]! ? starts[kj + 1]! : uw
        if (e < end) end = e
      }
      if (L !== last) {
        colStart[n] = c
        colLevel[n++] = L
        last = L
      }
      c = end
      for (let j = 0; j < rows; j++) if (k[j]! + 1 < rowBegin[r0 + j + 1]! && starts[k[j]! + 1] === end) k[j]!++
    }
    colStart[n] = uw
    return n
  }

  private cursor = new Int32Array(4)

  classify(low: Float32Array, cut: Cutoffs, offset = 0): MaskRuns | null {
    const { up } = this
    const { t, hi, lo } = cut
    this.nonFinite = -1
    this.exactPixels = 0
    // The margin is sized for |values| ≤ a power-of-two bound: the previous plane's (within 1024× of
    // what it needed), else this plane's own (found by a second pass). Any bound ≥ the plane's largest |value| gives
    // the same results; a tight one less exact work, so one plane of huge values costs only itself.
    const floor = 2 ** Math.ceil(Math.log2(Math.max(Math.abs(lo), Math.abs(hi)) + 1))
    let bound = Math.max(this.magnitude, floor)
    this.kernel?.load(low, offset, lo, t, hi)
    for (;;) {
      const big = this.levelRuns(low, offset, cut, bound)
      if (big !== big) return null
      let need = floor
      while (need < big) need *= 2
      if (big <= bound) {
        // Kept while within 1024× of what the plane needed (masks of one batch differ by 100× here),
        // so a plane rarely passes twice, and one plane of huge values does not slow the next ones.
        if (need < bound / 1024) this.magnitude = need
        else this.magnitude = bound
        break
      }
      bound = need
      this.magnitude = need
    }
    const { levels, rowBegin, colStart, colLevel } = this
    const uh = up.usedH
    // The rows with a value above lo − margin (a run of level ≠ 0), and the output rows they reach.
    let ay0 = 0
    const zeroRow = (r: number): boolean => rowBegin[r + 1]! - rowBegin[r]! === 1 && levels[rowBegin[r]!] === 0
    while (ay0 < uh && zeroRow(ay0)) ay0++
    if (ay0 === uh) return null
    let ay1 = uh - 1
    while (zeroRow(ay1)) ay1--
    const sy = up.y
    const ty = sy.stage2
    const outW = up.plan.outW
    const { from, to } = this.fx
    const [y0, y1] = spanOf(sy, ay0, ay1)
    let inter = 0
    let union = 0
    let area = 0
    let count = 0
    let bx0 = Infinity
    let bx1 = -1
    let by0 = -1
    let by1 = -1
    const kernel = this.kernel
    let ys = y0
    while (ys < y1) {
      // A strip: `groups` runs of output rows with the same source rows.
      let ye = ys
      for (let g = 0; g < this.groups && ye < y1; g++) {
        const a = sy.srcLo[ye]!
        const b = sy.srcHi[ye]!
        while (ye < y1 && sy.srcLo[ye] === a && sy.srcHi[ye] === b) ye++
      }
      const r0 = sy.srcLo[ys]!
      const r1 = sy.srcHi[ye - 1]!
      const nCol = this.mergeRows(r0, r1)
      // Segments: maximal runs of columns with one known level give the outputs whose sources all lie in them.
      let nSeg = 0
      let xPrev = 0
      for (let q = 0; q < nCol; q++) {
        const L = colLevel[q]!
        if (L < 0) continue
        const a = from[colStart[q]!]!
        const b = Math.min(outW, to[colStart[q + 1]! - 1]!)
        if (a < b) {
          if (a > xPrev) nSeg = this.pushSeg(nSeg, xPrev, a, -1)
          nSeg = this.pushSeg(nSeg, a, b, L)
          xPrev = b
        }
      }
      if (xPrev < outW) nSeg = this.pushSeg(nSeg, xPrev, outW, -1)
      if (nSeg === 1 && this.segLevel[0] === 0) {
        ys = ye
        continue
      }
      // The straddling segments: by the kernel (its crossings of t per row), else up to the last
      // vertical pass here, over the last stage's source rows of the strip (J0 … J1); the row
      // loop then finishes each value as that pass does.
      const J0 = ty.i0[ys]!
      if (kernel) {
        // The kernel does the rest of the strip: exact spans, counts, runs, area and box.
        if (kernel.reserveRuns(ye - ys)) this.viewKernel(kernel)
        const mem = kernel.i32
        for (let s = 0; s < nSeg; s++) {
          const x0 = this.segX0[s]!
          const x1 = this.segX1[s]!
          const L = this.segLevel[s]!
          if (L === -1) this.exactPixels += (x1 - x0) * (ye - ys)
          mem[kernel.segs + 4 * s] = x0
          mem[kernel.segs + 4 * s + 1] = x1
          mem[kernel.segs + 4 * s + 2] = L
        }
        kernel.strip(ys, ye, nSeg)
        ys = ye
        continue
      } else {
        const nJ = ty.i1[ye - 1]! + 1 - J0
        let need = 0
        for (let s = 0; s < nSeg; s++) {
          if (this.segLevel[s] !== -1) continue
          this.exactPixels += (this.segX1[s]! - this.segX0[s]!) * (ye - ys)
          this.segOff[s] = need
          need += (this.segX1[s]! - this.segX0[s]!) * nJ
        }
        if (this.vals.length < need) this.vals = new Float32Array(need)
        for (let s = 0; s < nSeg; s++) {
          if (this.segLevel[s] !== -1) continue
          up.finalRows(low, offset, this.segX0[s]!, this.segX1[s]!, ys, ye, this.vals, this.segOff[s]!)
        }
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
      ys = ye
    }
    if (kernel) {
      const k = kernel
      if (k.union === 0) return null
      const count = k.count
      return { inter: k.inter, union: k.union, area: k.area, box: k.area > 0 ? k.box() : null, runs: new Int32Array(k.i32.buffer, k.runsAt, 3 * count), count }
    }
    if (union === 0) return null
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
