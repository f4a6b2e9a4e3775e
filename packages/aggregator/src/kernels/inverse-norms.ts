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
 *
 * Per image row the y-blend is done once per grid column: with G_c = s_y F[r0,c] + t_y F[r1,c],
 * q[c] = ⟨G_c, G_c⟩ and p[c] = ⟨G_c, G_{c+1}⟩, a pixel's n² is s_x² q[x0] + t_x² q[x1] + 2 s_x t_x p[x0].
 */
export function inverseNorms(tables: InnerProductTables, gridW: number, ys: AxisSampling, xs: AxisSampling): Float32Array {
  const H = ys.i0.length
  const W = xs.i0.length
  const { self, right, down, diag, anti } = tables
  const out = new Float32Array(H * W)
  const eps2 = ZERO_NORM * ZERO_NORM
  const q = new Float64Array(gridW)
  const p = new Float64Array(gridW)
  const { i0: xi0, i1: xi1, t: xt } = xs
  for (let y = 0; y < H; y++) {
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
    const row = y * W
    for (let x = 0; x < W; x++) {
      const x0 = xi0[x]
      const tx = xt[x]
      const sx = 1 - tx
      const n2 = sx * sx * q[x0] + tx * tx * q[xi1[x]] + 2 * sx * tx * p[x0]
      out[row + x] = n2 > eps2 ? 1 / Math.sqrt(n2) : 0
    }
  }
  return out
}
