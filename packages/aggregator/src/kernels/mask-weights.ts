import type { Mask } from '@plaf/core'
import type { AxisSampling } from './axis-sampling.js'
import type { PixelSums } from './pixel-sums.js'

/**
 * Adds one mask's bilinear weights, each divided by its pixel's norm, onto a row of h·w grid
 * cells: row[cell] += Σ_{p ∈ mask} w_{p,cell} / n(p). Then row · F (h·w × D) is the sum of the
 * mask's L2-normalised upsampled features. Only the mask's bbox is visited, once.
 *
 * The bitmap is read as runs of set pixels. A run's pixels that share a grid column pair are
 * summed with two subtractions of the running sums (Σ 1/n and Σ t_x/n); image rows that share a
 * grid row pair are summed into two column buffers before they touch the row. When `ids` is
 * given, the same pass paints `id` on every mask pixel of that H×W id map.
 *
 * `sums` are the image's {@link PixelSums} (image width `W`); `row` is a Float64Array of length
 * h·w starting at `offset`. Returns the number of mask pixels.
 */
export function accumulateMaskWeights(
  mask: Mask, sums: PixelSums, W: number, ys: AxisSampling, xs: AxisSampling, gridW: number,
  row: Float64Array, offset: number, ids?: Uint16Array, id = 0,
): number {
  const [bx, by, bw, bh] = mask.bbox
  const bits = mask.bitmap
  const { i0: xi0, runEnd } = xs
  const { s: ps, st: pst, stride } = sums
  const top = new Float64Array(gridW)
  const bottom = new Float64Array(gridW)
  let count = 0
  let gy = -1
  for (let j = 0; j < bh; j++) {
    const y = by + j
    if (ys.i0[y] !== gy) {
      if (gy >= 0) flush(row, offset + gy * gridW, offset + ys.i1[y - 1] * gridW, top, bottom, gridW)
      gy = ys.i0[y]
    }
    const ty = ys.t[y]
    const sy = 1 - ty
    const srow = y * stride
    const pix = y * W
    const bit = j * bw
    const rowEnd = bit + bw
    for (let i = 0; i < bw;) {
      while (i < bw && bits[bit + i] === 0) i++
      if (i === bw) break
      // Runs are long: the native search finds their end faster than a loop.
      const z = bits.indexOf(0, bit + i + 1)
      const e = (z < 0 || z > rowEnd ? rowEnd : z) - bit
      count += e - i
      if (ids) ids.fill(id, pix + bx + i, pix + bx + e)
      const xe = bx + e
      for (let x = bx + i; x < xe;) {
        const c0 = xi0[x]
        const end = runEnd[x] < xe ? runEnd[x] : xe
        const s = ps[srow + end] - ps[srow + x]
        const st = pst[srow + end] - pst[srow + x]
        const c1 = c0 + 1 < gridW ? c0 + 1 : c0
        top[c0] += sy * (s - st)
        top[c1] += sy * st
        bottom[c0] += ty * (s - st)
        bottom[c1] += ty * st
        x = end
      }
      i = e
    }
  }
  if (gy >= 0) flush(row, offset + gy * gridW, offset + ys.i1[by + bh - 1] * gridW, top, bottom, gridW)
  return count
}

/** Adds the two column buffers onto grid rows `r0` and `r1` (offsets into `row`) and clears them. */
function flush(row: Float64Array, r0: number, r1: number, top: Float64Array, bottom: Float64Array, gridW: number): void {
  for (let c = 0; c < gridW; c++) {
    row[r0 + c] += top[c]
    row[r1 + c] += bottom[c]
    top[c] = 0
    bottom[c] = 0
  }
}
