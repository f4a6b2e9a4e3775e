import type { FeatureGrid, MaskSet } from '@plaf/core'

/**
 * The official path, op for op, with the dense H×W×D tensor (float64): torch-style bilinear
 * upsample (align_corners=False: negative source coords clamp to 0, the last cell repeats),
 * per-pixel L2 normalisation (F.normalize, eps 1e-12), masks sorted by area descending (stable),
 * per mask the mean over its pixels then L2 normalisation, ids painted in order, row 0 zeros.
 * Only for tests: it allocates H·W·D doubles.
 */
export function denseOracle(grid: FeatureGrid, maskSet: MaskSet, skipNorm = false): { ids: Uint16Array; features: Float64Array; rows: number } {
  const [h, w, d] = grid.shape
  const { width: W, height: H } = maskSet
  const t = grid.transform
  const up = new Float64Array(H * W * d)
  const src = (x: number, a: number, b: number, size: number) => {
    const s = Math.min(Math.max(a * x + b, 0), size - 1)
    const i0 = Math.floor(s)
    return { i0, i1: i0 < size - 1 ? i0 + 1 : i0, l: s - i0 }
  }
  for (let y = 0; y < H; y++) {
    const sy = src(y, t.ay, t.by, h)
    for (let x = 0; x < W; x++) {
      const sx = src(x, t.ax, t.bx, w)
      const o = (y * W + x) * d
      let n2 = 0
      for (let k = 0; k < d; k++) {
        const f = (yy: number, xx: number) => grid.data[(yy * w + xx) * d + k]
        const v =
          (1 - sy.l) * ((1 - sx.l) * f(sy.i0, sx.i0) + sx.l * f(sy.i0, sx.i1)) +
          sy.l * ((1 - sx.l) * f(sy.i1, sx.i0) + sx.l * f(sy.i1, sx.i1))
        up[o + k] = v
        n2 += v * v
      }
      const inv = skipNorm ? 1 : 1 / Math.max(Math.sqrt(n2), 1e-12)
      for (let k = 0; k < d; k++) up[o + k] *= inv
    }
  }
  const order = maskSet.masks.map((m, i) => ({ m, i })).sort((a, b) => b.m.area - a.m.area)
  const rows = order.length + 1
  const features = new Float64Array(rows * d)
  const ids = new Uint16Array(H * W)
  order.forEach(({ m }, n) => {
    const [bx, by, bw, bh] = m.bbox
    const sum = new Float64Array(d)
    let count = 0
    for (let j = 0; j < bh; j++) {
      for (let i = 0; i < bw; i++) {
        if (!m.bitmap[j * bw + i]) continue
        const p = (by + j) * W + bx + i
        ids[p] = n + 1
        count++
        for (let k = 0; k < d; k++) sum[k] += up[p * d + k]
      }
    }
    let n2 = 0
    for (let k = 0; k < d; k++) n2 += (sum[k] / Math.max(count, 1)) ** 2
    const inv = 1 / Math.max(Math.sqrt(n2) , 1e-12)
    for (let k = 0; k < d; k++) features[(n + 1) * d + k] = (sum[k] / Math.max(count, 1)) * inv
  })
  return { ids, features, rows }
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}
