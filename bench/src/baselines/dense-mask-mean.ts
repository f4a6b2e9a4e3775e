import type { Mask } from '@plaf/core'
import { NORMALIZE_EPS } from './dense-normalize.js'

/** The official fusion's outputs: the uint16 id map and the (K+1)×D table (row 0 = zeros). */
export interface DenseMemory {
  ids: Uint16Array
  features: Float32Array
  rows: number
}

/**
 * The official `fuse_mask_features` over a dense H×W×D tensor of unit pixel features: masks sorted
 * by area, largest first (stable, like Python's `sorted(reverse=True)`); per mask `pix =
 * features[seg]` (a |M_k|×D gather, one copy per run of set pixels, into a buffer sized for the
 * largest mask), `pix.mean(0)`
 * (float64 accumulation), `F.normalize`; ids painted in order so smaller masks overwrite larger
 * ones. An empty mask gets a zero row and paints nothing. `onMask` runs after each mask.
 */
export function denseMaskMeans(features: Float32Array, W: number, H: number, d: number, masks: readonly Mask[], onMask?: () => void): DenseMemory {
  const order = masks.map((_, i) => i).sort((a, b) => masks[b].area - masks[a].area)
  const rows = order.length + 1
  const out = new Float32Array(rows * d)
  const ids = new Uint16Array(H * W)
  let largest = 0
  for (const m of masks) largest = Math.max(largest, m.bbox[2] * m.bbox[3])
  const pix = new Float32Array(largest * d)
  const sum = new Float64Array(d)
  for (let n = 0; n < order.length; n++) {
    const m = masks[order[n]]
    const [bx, by, bw, bh] = m.bbox
    let count = 0
    for (let j = 0; j < bh; j++) {
      const row = m.bitmap.subarray(j * bw, j * bw + bw)
      for (let i = 0; i < bw;) {
        if (!row[i]) {
          i++
          continue
        }
        // A run of set pixels is one contiguous block of the H×W×D tensor: copy it at once.
        let e = i + 1
        while (e < bw && row[e]) e++
        const p = (by + j) * W + bx + i
        pix.set(features.subarray(p * d, (p + e - i) * d), count * d)
        ids.fill(n + 1, p, p + e - i)
        count += e - i
        i = e
      }
    }
    if (count > 0) {
      sum.fill(0)
      // Two rows per pass halve the loads and stores of the float64 sums.
      let r = 0
      for (; r + 1 < count; r += 2) for (let k = 0, s = r * d; k < d; k++) sum[k] += pix[s + k] + pix[s + d + k]
      if (r < count) for (let k = 0, s = r * d; k < d; k++) sum[k] += pix[s + k]
      let n2 = 0
      for (let k = 0; k < d; k++) n2 += (sum[k] / count) ** 2
      const inv = 1 / (count * Math.max(Math.sqrt(n2), NORMALIZE_EPS))
      for (let k = 0, o = (n + 1) * d; k < d; k++) out[o + k] = sum[k] * inv
    }
    onMask?.()
  }
  return { ids, features: out, rows }
}
