import type { FeatureGrid, MaskSet } from '../ports.js'

/** Bilinear sample of channel `k` at continuous grid coordinates, clamped to the grid (float64). */
function sample(grid: FeatureGrid, gx: number, gy: number, k: number): number {
  const [h, w, d] = grid.shape
  const x = Math.min(Math.max(gx, 0), w - 1)
  const y = Math.min(Math.max(gy, 0), h - 1)
  const x0 = Math.floor(x)
  const y0 = Math.floor(y)
  const x1 = Math.min(x0 + 1, w - 1)
  const y1 = Math.min(y0 + 1, h - 1)
  const fx = x - x0
  const fy = y - y0
  const at = (yy: number, xx: number) => grid.data[(yy * w + xx) * d + k]
  return (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1))
}

/**
 * The grid upsampled to `H×W×d` in float64, pixel by pixel through `grid.transform`: torch-style
 * bilinear (`align_corners=False`: source coordinates below 0 clamp to 0, the last cell repeats).
 * Tests only: it allocates H·W·d doubles.
 */
export function naiveUpsample(grid: FeatureGrid, H: number, W: number): Float64Array {
  const d = grid.shape[2]
  const t = grid.transform
  const out = new Float64Array(H * W * d)
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let k = 0; k < d; k++) out[(y * W + x) * d + k] = sample(grid, t.ax * x + t.bx, t.ay * y + t.by, k)
    }
  }
  return out
}

/**
 * The paper's official 2D path written as plainly as possible, with the dense H×W×d tensor in
 * float64: upsample ({@link naiveUpsample}), L2-normalise each pixel (`F.normalize`, eps 1e-12),
 * sort masks by area, largest first (stable), take each
 * mask's mean over its pixels and L2-normalise it, paint ids in that order (later masks win),
 * row 0 and empty masks' rows all zeros. The oracle for the sparse mask-mean aggregator and the
 * benchmark's dense baseline. Tests only: it allocates H·W·d doubles.
 */
export function denseMaskMeanOracle(grid: FeatureGrid, set: MaskSet): { ids: Uint16Array; features: Float64Array; rows: number } {
  const { width: W, height: H } = set
  const d = grid.shape[2]
  const up = naiveUpsample(grid, H, W)
  for (let p = 0; p < H * W; p++) {
    let n2 = 0
    for (let k = 0; k < d; k++) n2 += up[p * d + k] ** 2
    const n = Math.max(Math.sqrt(n2), 1e-12)
    for (let k = 0; k < d; k++) up[p * d + k] /= n
  }
  const order = set.masks.map((m, i) => ({ m, i })).sort((a, b) => b.m.area - a.m.area)
  const rows = order.length + 1
  const features = new Float64Array(rows * d)
  const ids = new Uint16Array(H * W)
  order.forEach(({ m }, n) => {
    const [bx, by, bw, bh] = m.bbox
    const mean = new Float64Array(d)
    let count = 0
    for (let y = 0; y < bh; y++) {
      for (let x = 0; x < bw; x++) {
        if (!m.bitmap[y * bw + x]) continue
        const p = (by + y) * W + bx + x
        for (let k = 0; k < d; k++) mean[k] += up[p * d + k]
        ids[p] = n + 1
        count++
      }
    }
    if (count === 0) return
    let n2 = 0
    for (let k = 0; k < d; k++) n2 += (mean[k] / count) ** 2
    const norm = Math.max(Math.sqrt(n2), 1e-12)
    for (let k = 0; k < d; k++) features[(n + 1) * d + k] = mean[k] / count / norm
  })
  return { ids, features, rows }
}
