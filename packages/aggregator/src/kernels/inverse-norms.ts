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
  const { self, right, down, diag, anti } = tables
  const out = new Float32Array(H * W)
  const eps2 = ZERO_NORM * ZERO_NORM
  for (let y = 0; y < H; y++) {
    const r0 = ys.i0[y] * gridW
    const r1 = ys.i1[y] * gridW
    const ty = ys.t[y]
    const sy = 1 - ty
    for (let x = 0; x < W; x++) {
      const x0 = xs.i0[x]
      const x1 = xs.i1[x]
      const tx = xs.t[x]
      const sx = 1 - tx
      const w00 = sy * sx
      const w01 = sy * tx
      const w10 = ty * sx
      const w11 = ty * tx
      const c00 = r0 + x0
      const n2 =
        w00 * w00 * self[c00] + w01 * w01 * self[r0 + x1] + w10 * w10 * self[r1 + x0] + w11 * w11 * self[r1 + x1] +
        2 * (w00 * w01 * right[c00] + w10 * w11 * right[r1 + x0] + w00 * w10 * down[c00] + w01 * w11 * down[r0 + x1] +
          w00 * w11 * diag[c00] + w01 * w10 * anti[c00])
      out[y * W + x] = n2 > eps2 ? 1 / Math.sqrt(n2) : 0
    }
  }
  return out
}
