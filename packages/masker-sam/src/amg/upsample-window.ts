import { linearTaps, type UpsamplePlan } from './upsample.js'

type Taps = ReturnType<typeof linearTaps>

/** One axis of a plan: the taps of each stage and, per output index, its lowest and highest low-res source. */
export interface Axis {
  stage1?: Taps
  stage2: Taps
  srcLo: Int32Array
  srcHi: Int32Array
}

/**
 * Keeps only the intermediate indices stage 2 reads (all of them when it upsamples, about two per
 * output when it downsamples, as for images smaller than the 1024 frame): stage 1's taps at those
 * indices and stage 2's taps renumbered to them. Each value is computed from the same sources and
 * weights, so results are unchanged; a region no longer computes intermediate values it skips.
 */
function compact(stage1: Taps, stage2: Taps): { stage1: Taps; stage2: Taps } {
  const n = stage2.i0.length
  const pos = new Int32Array(stage1.i0.length).fill(-1)
  let k = 0
  for (let d = 0; d < n; d++) {
    for (const j of [stage2.i0[d]!, stage2.i1[d]!]) if (pos[j] === -1) pos[j] = k++
  }
  const s1: Taps = { i0: new Int32Array(k), i1: new Int32Array(k), w0: new Float32Array(k), w1: new Float32Array(k) }
  pos.forEach((p, j) => {
    if (p < 0) return
    s1.i0[p] = stage1.i0[j]!
    s1.i1[p] = stage1.i1[j]!
    s1.w0[p] = stage1.w0[j]!
    s1.w1[p] = stage1.w1[j]!
  })
  const s2: Taps = { i0: stage2.i0.map((j) => pos[j]!), i1: stage2.i1.map((j) => pos[j]!), w0: stage2.w0, w1: stage2.w1 }
  return { stage1: s1, stage2: s2 }
}

function axis(low: number, plan: UpsamplePlan, horizontal: boolean): Axis {
  const out = horizontal ? plan.outW : plan.outH
  if (plan.kind === 'direct') {
    const t = linearTaps(low, out)
    return { stage2: t, srcLo: t.i0, srcHi: t.i1 }
  }
  const valid = horizontal ? plan.validW : plan.validH
  const { stage1, stage2 } = compact(linearTaps(low, plan.padSize, valid), linearTaps(valid, out))
  const srcLo = new Int32Array(out)
  const srcHi = new Int32Array(out)
  for (let d = 0; d < out; d++) {
    srcLo[d] = stage1.i0[stage2.i0[d]!]!
    srcHi[d] = stage1.i1[stage2.i1[d]!]!
  }
  return { stage1, stage2, srcLo, srcHi }
}

/** The output interval [a, b) whose low-res sources meet [lo, hi] (sources are monotone in the output index). */
export function span(ax: Axis, lo: number, hi: number): [number, number] {
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

export class LogitUpsampler {
  /** Taps and low-res source extents per output column (x) and row (y). */
  readonly x: Axis
  readonly y: Axis
  /** Low-res columns and rows read by some output value (sources are monotone: 0 … srcHi of the last). */
  readonly usedW: number
  readonly usedH: number
  private buf = new Float32Array(0)
  private mid = new Float32Array(0)
  private rows = new Float32Array(0)
  private stage1 = new Float32Array(0)
  private rowMax = new Float64Array(0)
  private bits: Int32Array<ArrayBufferLike> = new Int32Array(0)
  private bitsOf: ArrayBufferLike | null = null
  private readonly absBuf = new Int32Array(1)
  private readonly absF32 = new Float32Array(this.absBuf.buffer)

  constructor(
    readonly lh: number,
    readonly lw: number,
    readonly plan: UpsamplePlan,
  ) {
    this.x = axis(lw, plan, true)
    this.y = axis(lh, plan, false)
    this.usedW = this.x.srcHi[plan.outW - 1]! + 1
    this.usedH = this.y.srcHi[plan.outH - 1]! + 1
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
   * Index (in `low`) of the first NaN or ±Infinity the last `window` call met, or −1. Such a value
   * has no defined place among the cutoffs (upsampling spreads it to its neighbours as NaN, which
   * no comparison passes), so the generator refuses it; `window` then returns null.
   */
  nonFinite = -1

  /**
   * The output window whose low-res sources include a logit above `floor − margin`, and the margin;
   * null when there is none, or when a value the upsampling reads is not finite (see `nonFinite`).
   */
  window(low: Float32Array, floor: number, offset: number): { x0: number; x1: number; y0: number; y1: number; margin: number } | null {
    const { lw } = this
    // Only the low-res rows and columns some output value reads (a crop's padding is never read).
    const lh = this.usedH
    const uw = this.usedW
    // One pass for each row's maximum and the largest magnitude, on the float32 bits as integers
    // (one load a value). The maximum is that of the order-preserving key b ^ ((b >> 31) & 0x7fffffff)
    // (negative floats' magnitude bits flipped); the magnitude is b & 0x7fffffff, whose integer order
    // is that of |v| and which also sees NaN and ±Infinity (exponent all ones: ≥ 0x7f800000).
    if (this.rowMax.length < lh) this.rowMax = new Float64Array(lh)
    const rowMax = this.rowMax
    if (this.bitsOf !== low.buffer || this.bits.byteOffset !== low.byteOffset || this.bits.length !== low.length) {
      this.bits = new Int32Array(low.buffer, low.byteOffset, low.length)
      this.bitsOf = low.buffer
    }
    const bits = this.bits
    let absBits = 0
    for (let y = 0; y < lh; y++) {
      // Two interleaved chains of each (independent compares).
      let k1 = -0x80000000
      let k2 = -0x80000000
      let m1 = 0
      let m2 = 0
      let i = offset + y * lw
      for (const e = i + uw - 1; i < e; i += 2) {
        const a = bits[i]!
        const b = bits[i + 1]!
        const ka = a ^ ((a >> 31) & 0x7fffffff)
        const kb = b ^ ((b >> 31) & 0x7fffffff)
        k1 = ka > k1 ? ka : k1
        k2 = kb > k2 ? kb : k2
        const ma = a & 0x7fffffff
        const mb = b & 0x7fffffff
        m1 = ma > m1 ? ma : m1
        m2 = mb > m2 ? mb : m2
      }
      if (i < offset + y * lw + uw) {
        const a = bits[i]!
        const ka = a ^ ((a >> 31) & 0x7fffffff)
        const ma = a & 0x7fffffff
        k1 = ka > k1 ? ka : k1
        m1 = ma > m1 ? ma : m1
      }
      if (k2 > k1) k1 = k2
      this.absBuf[0] = k1 ^ ((k1 >> 31) & 0x7fffffff)
      rowMax[y] = this.absF32[0]!
      if (m2 > m1) m1 = m2
      if (m1 > absBits) absBits = m1
    }
    this.nonFinite = -1
    if (absBits >= 0x7f800000) {
      for (let y = 0; y < lh && this.nonFinite < 0; y++) {
        for (let i = offset + y * lw, e = i + uw; i < e; i++) {
          if ((bits[i]! & 0x7fffffff) >= 0x7f800000) {
            this.nonFinite = i
            break
          }
        }
      }
      return null
    }
    this.absBuf[0] = absBits
    const maxAbs = this.absF32[0]!
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
      for (let x = 0; x < ax0 && x < uw; x++) {
        if (low[row + x]! > cut) {
          ax0 = x
          break
        }
      }
      for (let x = uw - 1; x > ax1; x--) {
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

  /** Exact values of the output region [x0, x1) × [y0, y1) into `out` from `at` (row-major, width x1 − x0). */
  region(low: Float32Array, offset: number, x0: number, x1: number, y0: number, y1: number, out: Float32Array, at = 0): void {
    const ty = this.y.stage2
    const r0 = ty.i0[y0]!
    const w = x1 - x0
    const rows = ty.i1[y1 - 1]! + 1 - r0
    // Its own buffer: finalRows uses `mid` as scratch.
    if (this.rows.length < rows * w) this.rows = new Float32Array(rows * w)
    const mid = this.rows
    this.finalRows(low, offset, x0, x1, y0, y1, mid, 0)
    for (let y = y0; y < y1; y++) {
      const a = (ty.i0[y]! - r0) * w
      const b = (ty.i1[y]! - r0) * w
      const w0 = ty.w0[y]!
      const w1 = ty.w1[y]!
      const o = at + (y - y0) * w
      for (let x = 0; x < w; x++) out[o + x] = w0 * mid[a + x]! + w1 * mid[b + x]!
    }
  }

  /**
   * `region` without its last (vertical) pass: the last stage's horizontal pass over [x0, x1) on
   * that stage's source rows r = y.stage2.i0[y0] … y.stage2.i1[y1 − 1], into
   * out[at + (r − y.stage2.i0[y0])·(x1 − x0) + x − x0]. Output (x, y) is then
   * fround(w0·row(i0) + w1·row(i1)) with y.stage2's taps of y, the value `region` gives.
   */
  finalRows(low: Float32Array, offset: number, x0: number, x1: number, y0: number, y1: number, out: Float32Array, at: number): void {
    const ty = this.y.stage2
    if (this.plan.kind === 'direct') {
      this.horizontal(low, offset, this.lw, this.x.stage2, x0, x1, ty.i0[y0]!, ty.i1[y1 - 1]! + 1, out, at, 0, 0)
      return
    }
    // Stage 1 only on the intermediate rows/columns stage 2 reads for this region.
    const jx0 = this.x.stage2.i0[x0]!
    const jx1 = this.x.stage2.i1[x1 - 1]! + 1
    const jy0 = ty.i0[y0]!
    const jy1 = ty.i1[y1 - 1]! + 1
    const iw = jx1 - jx0
    if (this.stage1.length < iw * (jy1 - jy0)) this.stage1 = new Float32Array(iw * (jy1 - jy0))
    const inter = this.stage1
    this.separable(low, offset, this.lw, this.x.stage1!, this.y.stage1!, jx0, jx1, jy0, jy1, inter)
    this.horizontal(inter, 0, iw, this.x.stage2, x0, x1, jy0, jy1, out, at, jx0, jy0)
  }

  /**
   * Separable bilinear resize of `src` (row stride `stride`) into out[(y − y0)·w + (x − x0)] for
   * x in [x0, x1), y in [y0, y1): rows first, then columns, as `resizeBilinear`.
   */
  private separable(src: Float32Array, offset: number, stride: number, tx: Taps, ty: Taps, x0: number, x1: number, y0: number, y1: number, out: Float32Array): void {
    const w = x1 - x0
    const r0 = ty.i0[y0]!
    const r1 = ty.i1[y1 - 1]! + 1
    if (this.mid.length < (r1 - r0) * w) this.mid = new Float32Array((r1 - r0) * w)
    const mid = this.mid
    this.horizontal(src, offset, stride, tx, x0, x1, r0, r1, mid, 0, 0, 0)
    for (let y = y0; y < y1; y++) {
      const a = (ty.i0[y]! - r0) * w
      const b = (ty.i1[y]! - r0) * w
      const w0 = ty.w0[y]!
      const w1 = ty.w1[y]!
      const o = (y - y0) * w
      for (let x = 0; x < w; x++) out[o + x] = w0 * mid[a + x]! + w1 * mid[b + x]!
    }
  }

  /**
   * The horizontal pass: out[at + (r − r0)·w + x − x0] = w0·src(r, i0) + w1·src(r, i1) with tx's
   * taps of x, for source rows [r0, r1) (`src` row stride `stride`, its origin at (sx0, sy0) of the
   * grid the taps index). Column by column (regions are narrow and a few rows tall), so each
   * column's taps are read once.
   */
  private horizontal(src: Float32Array, offset: number, stride: number, tx: Taps, x0: number, x1: number, r0: number, r1: number, out: Float32Array, at: number, sx0: number, sy0: number): void {
    const w = x1 - x0
    const { i0, i1, w0: tw0, w1: tw1 } = tx
    const s0 = offset + (r0 - sy0) * stride - sx0
    const rows = r1 - r0
    for (let x = x0; x < x1; x++) {
      const a = s0 + i0[x]!
      const b = s0 + i1[x]!
      const w0 = tw0[x]!
      const w1 = tw1[x]!
      for (let r = 0, m = at + x - x0; r < rows; r++, m += w) out[m] = w0 * src[a + r * stride]! + w1 * src[b + r * stride]!
    }
  }
}
