import type { FeatureGrid, MaskSet } from '@plaf/core'

/** Bilinear sample of grid channel k at continuous grid coords, clamped at the edges (float64). */
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

/** Naive float64 upsample of the whole grid to H×W×D (tests only: tiny sizes). */
export function naiveUpsample(grid: FeatureGrid, H: number, W: number): Float64Array {
  const d = grid.shape[2]
  const t = grid.transform
  const out = new Float64Array(H * W * d)
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let k = 0; k < d; k++) out[(y * W + x) * d + k] = sample(grid, t.ax * x + t.bx, t.ay * y + t.by, k)
  return out
}

/**
 * The official 2D path written as plainly as possible in float64: upsample, normalise each pixel,
 * sort masks by area (stable, largest first), mean of each mask's unit pixels, normalise, paint ids.
 */
export function naiveOfficial(grid: FeatureGrid, set: MaskSet): { ids: Uint16Array; features: Float64Array } {
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
  const features = new Float64Array((order.length + 1) * d)
  const ids = new Uint16Array(H * W)
  order.forEach(({ m }, n) => {
    const mean = new Float64Array(d)
    let count = 0
    for (let y = 0; y < m.bbox[3]; y++) {
      for (let x = 0; x < m.bbox[2]; x++) {
        if (!m.bitmap[y * m.bbox[2] + x]) continue
        const p = (m.bbox[1] + y) * W + m.bbox[0] + x
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
  return { ids, features }
}
