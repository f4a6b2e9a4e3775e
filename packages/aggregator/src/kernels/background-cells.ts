import type { AxisSampling } from './axis-sampling.js'

/** The patch cells that own uncovered pixels under `background: patch`. */
export interface BackgroundCells {
  /** H×W: for every pixel with id 0, its nearest grid cell (row-major); −1 elsewhere. */
  cellOf: Int32Array
  /** The cells that own at least one uncovered pixel, ascending. */
  cells: number[]
  /** Row index (0-based among `cells`) of each grid cell, −1 for cells without uncovered pixels. */
  rowOf: Int32Array
}

/**
 * Groups the pixels no mask covers (id 0) by the patch cell nearest to them: the cell whose
 * centre the pixel's grid coordinate rounds to, clamped to the grid (g = a·x + b, as the upsampling
 * uses). `nearX`/`nearY` are those per-axis cells (see {@link nearestCells}).
 */
export function backgroundCells(ids: ArrayLike<number>, W: number, H: number, nearX: Int32Array, nearY: Int32Array, gridW: number, gridH: number): BackgroundCells {
  const cellOf = new Int32Array(W * H).fill(-1)
  const rowOf = new Int32Array(gridW * gridH).fill(-1)
  for (let y = 0; y < H; y++) {
    const r = nearY[y] * gridW
    const pix = y * W
    for (let x = 0; x < W; x++) if (ids[pix + x] === 0) {
      const c = r + nearX[x]
      cellOf[pix + x] = c
      rowOf[c] = 0
    }
  }
  const cells: number[] = []
  for (let c = 0; c < rowOf.length; c++) if (rowOf[c] === 0) rowOf[c] = cells.push(c) - 1
  return { cellOf, cells, rowOf }
}

/** The grid cell (0..size−1) nearest to each of `n` pixels on an axis with g = a·x + b. */
export function nearestCells(n: number, a: number, b: number, size: number): Int32Array {
  const out = new Int32Array(n)
  for (let x = 0; x < n; x++) out[x] = Math.min(Math.max(Math.round(a * x + b), 0), size - 1)
  return out
}

/**
 * Adds every uncovered pixel's bilinear weights / n(p) onto the row of its cell: row
 * `rowOf[cell]` of `acc`, counted from row `firstRow` (rows of h·w entries). Fills `counts` (pixels per row).
 */
export function accumulateBackground(
  bg: BackgroundCells, invNorm: Float32Array, W: number, ys: AxisSampling, xs: AxisSampling, gridW: number,
  acc: Float64Array, firstRow: number, rowLen: number, counts: Float64Array,
): void {
  const H = ys.i0.length
  for (let y = 0; y < H; y++) {
    const ty = ys.t[y]
    const sy = 1 - ty
    const g0 = ys.i0[y] * gridW
    const g1 = ys.i1[y] * gridW
    const pix = y * W
    for (let x = 0; x < W; x++) {
      const c = bg.cellOf[pix + x]
      if (c < 0) continue
      const r = bg.rowOf[c]
      counts[r]++
      const s = invNorm[pix + x]
      if (s === 0) continue
      const off = (firstRow + r) * rowLen
      const tx = xs.t[x]
      const a = sy * s
      const b = ty * s
      row4(acc, off + g0, off + g1, xs.i0[x], xs.i1[x], a, b, tx)
    }
  }
}

function row4(acc: Float64Array, r0: number, r1: number, x0: number, x1: number, a: number, b: number, tx: number): void {
  acc[r0 + x0] += a * (1 - tx)
  acc[r0 + x1] += a * tx
  acc[r1 + x0] += b * (1 - tx)
  acc[r1 + x1] += b * tx
}
