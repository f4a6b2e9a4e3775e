import type { AxisSampling } from './axis-sampling.js'
import type { InnerProductTables } from './inner-products.js'

/**
 * Below this norm an upsampled feature counts as zero. It is torch `F.normalize`'s eps: the
 * official path divides by max(n, 1e-12), which maps such a vector to (almost) zero anyway.
 */
export const ZERO_NORM = 1e-12

/**
 * 1/‖F_up(p)‖ for every pixel of an H×W image, without forming F_up: the squared norm of a
 * bilinear sample is Σ_c Σ_c' w_c w_c' ⟨F_c, F_c'⟩, read from the inner-product tables.
 * Pixels whose upsampled feature is (numerically) zero get 0, so they contribute nothing.
 * Returns a row-major Float32Array of H×W.
 */
export function inverseNorms(tables: InnerProductTables, gridW: number, ys: AxisSampling, xs: AxisSampling): Float32Array {
  const H = ys.i0.length
  const W = xs.i0.length
  const out = new Float32Array(H * W)
  const rows = new RowNorms(tables, gridW, xs)
  for (let y = 0; y < H; y++) rows.write(ys, y, out, y * W)
  return out
}

/**
 * 1/n(p) along one image row at a time. Per row the y-blend is done once per grid column: with
 * G_c = s_y F[r0,c] + t_y F[r1,c], q[c] = ⟨G_c, G_c⟩ and p[c] = ⟨G_c, G_{c+1}⟩, so a pixel's n² is
 * s_x² q[x0] + t_x² q[x1] + 2 s_x t_x p[x0] (3 terms instead of 10).
 */
export class RowNorms {
  private readonly q: Float64Array
  private readonly p: Float64Array

  constructor(private readonly tables: InnerProductTables, private readonly gridW: number, private readonly xs: AxisSampling) {
    this.q = new Float64Array(gridW)
    this.p = new Float64Array(gridW)
  }

  /** Writes 1/n(p) of image row `y` into `out` from `offset` (W entries; 0 where the feature is zero). */
  write(ys: AxisSampling, y: number, out: Float32Array | Float64Array, offset: number): void {
    const { self, right, down, diag, anti } = this.tables
    const { q, p, gridW } = this
    const { i0: xi0, i1: xi1, t: xt } = this.xs
    const W = xi0.length
    const eps2 = ZERO_NORM * ZERO_NORM
    const r0 = ys.i0[y] * gridW
    const r1 = ys.i1[y] * gridW
    const ty = ys.t[y]
    const sy = 1 - ty
    const syy = sy * sy
    const tyy = ty * ty
    const sty = sy * ty
    for (let c = 0; c < gridW; c++) {
      q[c] = syy * self[r0 + c] + tyy * self[r1 + c] + 2 * sty * down[r0 + c]
      p[c] = syy * right[r0 + c] + tyy * right[r1 + c] + sty * (diag[r0 + c] + anti[r0 + c])
    }
    for (let x = 0; x < W; x++) {
      const x0 = xi0[x]
      const tx = xt[x]
      const sx = 1 - tx
      const n2 = sx * sx * q[x0] + tx * tx * q[xi1[x]] + 2 * sx * tx * p[x0]
      // Rounded to float32 as the per-pixel map stores it, so both paths sum the same values.
      out[offset + x] = n2 > eps2 ? Math.fround(1 / Math.sqrt(n2)) : 0
    }
  }
}
