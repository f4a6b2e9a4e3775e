import { linearTaps, type UpsamplePlan } from './upsample.js'

type Taps = ReturnType<typeof linearTaps>

/** One axis of a plan: the taps of each stage and, per output index, its lowest and highest low-res source. */
interface Axis {
  stage1?: Taps
  stage2: Taps
  srcLo: Int32Array
  srcHi: Int32Array
}

function axis(low: number, plan: UpsamplePlan, horizontal: boolean): Axis {
  const out = horizontal ? plan.outW : plan.outH
  if (plan.kind === 'direct') {
    const t = linearTaps(low, out)
    return { stage2: t, srcLo: t.i0, srcHi: t.i1 }
  }
  const valid = horizontal ? plan.validW : plan.validH
  const stage1 = linearTaps(low, plan.padSize, valid)
  const stage2 = linearTaps(valid, out)
  const srcLo = new Int32Array(out)
  const srcHi = new Int32Array(out)
  for (let d = 0; d < out; d++) {
    srcLo[d] = stage1.i0[stage2.i0[d]!]!
    srcHi[d] = stage1.i1[stage2.i1[d]!]!
  }
  return { stage1, stage2, srcLo, srcHi }
}

/** The output interval [a, b) whose low-res sources meet [lo, hi] (sources are monotone in the output index). */
function span(ax: Axis, lo: number, hi: number): [number, number] {
  const n = ax.srcLo.length
  let a = 0
  while (a < n && ax.srcHi[a]! < lo) a++
  let b = n
  while (b > a && ax.srcLo[b - 1]! > hi) b--
  return [a, b]
}

/** A window of upsampled logits: values for [x0, x1) × [y0, y1) of the output, row-major. */
export interface LogitWindow {
  x0: number
  y0: number
  x1: number
  y1: number
  values: Float32Array
}

/** What `classify` finds in one logit plane: window, stability counts, binary mask, its area and box. */
export interface Classified {
  /** The window [x0, x1) × [y0, y1) of the output that `binary` covers; every value outside is ≤ lo. */
  x0: number
  y0: number
  x1: number
  y1: number
  /** Values above hi and above lo over the whole plane. */
  inter: number
  union: number
  /** (x1 − x0)·(y1 − y0) bytes, 1 where the value is above t. */
  binary: Uint8Array
  area: number
  /** The mask's box in window coordinates, inclusive; null when empty. */
  box: [x0: number, y0: number, x1: number, y1: number] | null
}

/**
 * `upsampleLogits` computed only where it can matter. Every output value is a convex combination
 * of low-res logits, so outside the window spanned by the low-res cells above `floor` (less a
 * margin that covers float32 rounding) every value is ≤ `floor`. Inside, values are computed with
 * exactly the taps and operation order of the full computation, so they are bit-identical to it.
 * With `floor` = mask_threshold − stability offset (the lowest cutoff the generator uses), the
 * stability score, the binary mask and its box are exactly those of the full plane. Taps and
 * buffers are kept across calls (one instance per crop).
 */
export class LogitUpsampler {
  private readonly x: Axis
  private readonly y: Axis
  private buf = new Float32Array(0)
  private mid = new Float32Array(0)
  private stage1 = new Float32Array(0)
  private bin = new Uint8Array(0)
  private tileBuf = new Float32Array(0)
  private rowMax = new Float64Array(0)

  constructor(
    readonly lh: number,
    readonly lw: number,
    readonly plan: UpsamplePlan,
  ) {
    this.x = axis(lw, plan, true)
    this.y = axis(lh, plan, false)
  }

  /** The window of the plane `low` (lh×lw at `offset`) outside which all values are ≤ floor; null when it is empty. */
  run(low: Float32Array, floor: number, offset = 0): LogitWindow | null {
    const win = this.window(low, floor, offset)
    if (!win) return null
    const { x0, x1, y0, y1 } = win
    if (this.buf.length < (x1 - x0) * (y1 - y0)) this.buf = new Float32Array((x1 - x0) * (y1 - y0))
    const values = this.buf.subarray(0, (x1 - x0) * (y1 - y0))
    this.region(low, offset, x0, x1, y0, y1, values)
    return { x0, y0, x1, y1, values }
  }

  /**
   * What the generator needs from one plane, without materialising it: the counts of values above
   * `hi` and above `lo` (the stability score's two cutoffs) and the binary mask at `t`
   * (lo ≤ t ≤ hi) over the window. The window is cut into tiles; a tile whose low-res sources all
   * lie clearly above `hi` is wholly inside and one whose sources all lie at or below `lo` wholly
   * outside (values are convex combinations of their sources), and only the other tiles are
   * computed, exactly as `run` computes them. Counts and mask equal those of the full plane.
   * `binary` (window width × height, row-major) is valid until the next call.
   */
  classify(low: Float32Array, cut: { t: number; hi: number; lo: number }, offset = 0, tile = 32): Classified | null {
    const win = this.window(low, cut.lo, offset)
    if (!win) return null
    const { x0, x1, y0, y1 } = win
    const w = x1 - x0
    if (this.bin.length < w * (y1 - y0)) this.bin = new Uint8Array(w * (y1 - y0))
    const binary = this.bin.subarray(0, w * (y1 - y0))
    binary.fill(0)
    if (this.tileBuf.length < tile * tile) this.tileBuf = new Float32Array(tile * tile)
    const { lw } = this
    // lo ≤ t ≤ hi, so a value above hi or t is above lo.
    const { t, hi, lo } = cut
    let inter = 0
    let union = 0
    let area = 0
    // Box of the binary mask in window coordinates (inclusive).
    let bx0 = w
    let by0 = y1 - y0
    let bx1 = -1
    let by1 = -1
    for (let ty0 = y0; ty0 < y1; ty0 += tile) {
      const ty1 = Math.min(y1, ty0 + tile)
      for (let tx0 = x0; tx0 < x1; tx0 += tile) {
        const tx1 = Math.min(x1, tx0 + tile)
        let mn = Infinity
        let mx = -Infinity
        for (let r = this.y.srcLo[ty0]!; r <= this.y.srcHi[ty1 - 1]!; r++) {
          const row = offset + r * lw
          for (let c = this.x.srcLo[tx0]!; c <= this.x.srcHi[tx1 - 1]!; c++) {
            const v = low[row + c]!
            if (v < mn) mn = v
            if (v > mx) mx = v
          }
        }
        const n = (tx1 - tx0) * (ty1 - ty0)
        if (mx <= cut.lo - win.margin) continue
        if (mn > cut.hi + win.margin) {
          inter += n
          union += n
          area += n
          for (let y = ty0; y < ty1; y++) binary.fill(1, (y - y0) * w + tx0 - x0, (y - y0) * w + tx1 - x0)
          bx0 = Math.min(bx0, tx0 - x0)
          bx1 = Math.max(bx1, tx1 - 1 - x0)
          by0 = Math.min(by0, ty0 - y0)
          by1 = Math.max(by1, ty1 - 1 - y0)
          continue
        }
        const vals = this.tileBuf
        this.region(low, offset, tx0, tx1, ty0, ty1, vals)
        const tw = tx1 - tx0
        for (let y = ty0; y < ty1; y++) {
          const o = (y - ty0) * tw
          const b = (y - y0) * w + tx0 - x0
          let first = -1
          let last = -1
          for (let x = 0; x < tw; x++) {
            const v = vals[o + x]!
            if (v > lo) {
              union++
              if (v > hi) inter++
              if (v > t) {
                binary[b + x] = 1
                if (first < 0) first = x
                last = x
                area++
              }
            }
          }
          if (first < 0) continue
          // The row's set pixels widen the box (window coordinates).
          if (tx0 - x0 + first < bx0) bx0 = tx0 - x0 + first
          if (tx0 - x0 + last > bx1) bx1 = tx0 - x0 + last
          if (y - y0 < by0) by0 = y - y0
          if (y - y0 > by1) by1 = y - y0
        }
      }
    }
    return { x0, y0, x1, y1, inter, union, binary, area, box: area > 0 ? [bx0, by0, bx1, by1] : null }
  }

  /** The output window whose low-res sources include a logit above `floor − margin`, and the margin. */
  private window(low: Float32Array, floor: number, offset: number): { x0: number; x1: number; y0: number; y1: number; margin: number } | null {
    const { lh, lw } = this
    // One pass for the largest magnitude and each row's maximum.
    if (this.rowMax.length < lh) this.rowMax = new Float64Array(lh)
    const rowMax = this.rowMax
    let maxAbs = 0
    for (let y = 0; y < lh; y++) {
      let mx = -Infinity
      let mn = Infinity
      for (let i = offset + y * lw, e = i + lw; i < e; i++) {
        const v = low[i]!
        if (v > mx) mx = v
        if (v < mn) mn = v
      }
      rowMax[y] = mx
      if (mx > maxAbs) maxAbs = mx
      if (-mn > maxAbs) maxAbs = -mn
    }
    // Float32 rounding of a convex combination stays far inside this margin.
    const margin = 1e-3 * (1 + Math.abs(floor)) + 1e-6 * maxAbs
    const cut = floor - margin
    let ay0 = 0
    while (ay0 < lh && !(rowMax[ay0]! > cut)) ay0++
    if (ay0 === lh) return null
    let ay1 = lh - 1
    while (!(rowMax[ay1]! > cut)) ay1--
    // Columns: per row above the cut, the first and last value above it (scanned from each end).
    let ax0 = lw
    let ax1 = -1
    for (let y = ay0; y <= ay1; y++) {
      if (!(rowMax[y]! > cut)) continue
      const row = offset + y * lw
      for (let x = 0; x < ax0; x++) {
        if (low[row + x]! > cut) {
          ax0 = x
          break
        }
      }
      for (let x = lw - 1; x > ax1; x--) {
        if (low[row + x]! > cut) {
          ax1 = x
          break
        }
      }
    }
    const [x0, x1] = span(this.x, ax0, ax1)
    const [y0, y1] = span(this.y, ay0, ay1)
    if (x0 >= x1 || y0 >= y1) return null
    return { x0, x1, y0, y1, margin }
  }

  /** Exact values of the output region [x0, x1) × [y0, y1) into `out` (row-major, width x1 − x0). */
  private region(low: Float32Array, offset: number, x0: number, x1: number, y0: number, y1: number, out: Float32Array): void {
    if (this.plan.kind === 'direct') {
      this.separable(low, offset, this.lw, this.x.stage2, this.y.stage2, x0, x1, y0, y1, out, 0, 0)
      return
    }
    // Stage 1 only on the intermediate rows/columns stage 2 reads for this region.
    const jx0 = this.x.stage2.i0[x0]!
    const jx1 = this.x.stage2.i1[x1 - 1]! + 1
    const jy0 = this.y.stage2.i0[y0]!
    const jy1 = this.y.stage2.i1[y1 - 1]! + 1
    const iw = jx1 - jx0
    if (this.stage1.length < iw * (jy1 - jy0)) this.stage1 = new Float32Array(iw * (jy1 - jy0))
    const inter = this.stage1
    this.separable(low, offset, this.lw, this.x.stage1!, this.y.stage1!, jx0, jx1, jy0, jy1, inter, 0, 0)
    this.separable(inter, 0, iw, this.x.stage2, this.y.stage2, x0, x1, y0, y1, out, jx0, jy0)
  }

  /**
   * Separable bilinear resize of `src` (row stride `stride`, its origin at (sx0, sy0) of the source
   * grid the taps index) into out[(y − y0)·w + (x − x0)] for x in [x0, x1), y in [y0, y1): rows first,
   * then columns, as `resizeBilinear`.
   */
  private separable(src: Float32Array, offset: number, stride: number, tx: Taps, ty: Taps, x0: number, x1: number, y0: number, y1: number, out: Float32Array, sx0: number, sy0: number): void {
    const w = x1 - x0
    const r0 = ty.i0[y0]!
    const r1 = ty.i1[y1 - 1]! + 1
    if (this.mid.length < (r1 - r0) * w) this.mid = new Float32Array((r1 - r0) * w)
    const mid = this.mid
    for (let r = r0; r < r1; r++) {
      const s = offset + (r - sy0) * stride - sx0
      const m = (r - r0) * w
      for (let x = x0; x < x1; x++) mid[m + x - x0] = tx.w0[x]! * src[s + tx.i0[x]!]! + tx.w1[x]! * src[s + tx.i1[x]!]!
    }
    for (let y = y0; y < y1; y++) {
      const a = (ty.i0[y]! - r0) * w
      const b = (ty.i1[y]! - r0) * w
      const w0 = ty.w0[y]!
      const w1 = ty.w1[y]!
      const o = (y - y0) * w
      for (let x = 0; x < w; x++) out[o + x] = w0 * mid[a + x]! + w1 * mid[b + x]!
    }
  }
}
