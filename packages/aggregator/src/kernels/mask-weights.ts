import type { Mask } from '@plaf/core'
import type { AxisSampling } from './axis-sampling.js'

/**
 * Adds one mask's bilinear weights, each divided by its pixel's norm, onto a row of h·w grid
 * cells: row[cell] += Σ_{p ∈ mask} w_{p,cell} / n(p). Then row · F (h·w × D) is the sum of the
 * mask's L2-normalised upsampled features. Only the mask's bbox is visited.
 *
 * `invNorm` is the H×W map of 1/n(p) (image width `W`); `row` is a Float64Array of length h·w
 * starting at `offset`. Returns the number of mask pixels.
 */
export function accumulateMaskWeights(
  mask: Mask, invNorm: Float32Array, W: number, ys: AxisSampling, xs: AxisSampling, gridW: number,
  row: Float64Array, offset: number,
): number {
  const [bx, by, bw, bh] = mask.bbox
  const bits = mask.bitmap
  let count = 0
  for (let j = 0; j < bh; j++) {
    const y = by + j
    const r0 = offset + ys.i0[y] * gridW
    const r1 = offset + ys.i1[y] * gridW
    const ty = ys.t[y]
    const sy = 1 - ty
    const pix = y * W + bx
    const bit = j * bw
    for (let i = 0; i < bw; i++) {
      if (bits[bit + i] === 0) continue
      count++
      const s = invNorm[pix + i]
      if (s === 0) continue
      const x = bx + i
      const tx = xs.t[x]
      const a = sy * s
      const b = ty * s
      const x0 = xs.i0[x]
      const x1 = xs.i1[x]
      row[r0 + x0] += a * (1 - tx)
      row[r0 + x1] += a * tx
      row[r1 + x0] += b * (1 - tx)
      row[r1 + x1] += b * tx
    }
  }
  return count
}
