/** Cluster centres: interleaved [L, a, b, y, x] per centre. */
export type Centres = Float64Array

/**
 * The initial SLIC centres for about `k` superpixels on an h×w Lab image: a regular grid of
 * ny × nx cells (ny = max(1, round(h/S)), nx = max(1, round(w/S)), S = √(hw/k)), one centre at each
 * cell's centre pixel, then moved to the lowest-gradient pixel of its 3×3 neighbourhood (Achanta
 * et al. 2012, §4.2: G = ‖I(x+1,y) − I(x−1,y)‖² + ‖I(x,y+1) − I(x,y−1)‖², first minimum in raster
 * order), so no centre sits on an edge or a noisy pixel. Returns the centres and S.
 */
export function initialCentres(lab: Float32Array, h: number, w: number, k: number): { centres: Centres; step: number } {
  const step = Math.sqrt((h * w) / k)
  const ny = Math.max(1, Math.round(h / step))
  const nx = Math.max(1, Math.round(w / step))
  const centres = new Float64Array(ny * nx * 5)
  const grad = (x: number, y: number): number => {
    const xl = Math.max(0, x - 1)
    const xr = Math.min(w - 1, x + 1)
    const yu = Math.max(0, y - 1)
    const yd = Math.min(h - 1, y + 1)
    let g = 0
    for (let c = 0; c < 3; c++) {
      const dx = lab[3 * (y * w + xr) + c]! - lab[3 * (y * w + xl) + c]!
      const dy = lab[3 * (yd * w + x) + c]! - lab[3 * (yu * w + x) + c]!
      g += dx * dx + dy * dy
    }
    return g
  }
  let i = 0
  for (let gy = 0; gy < ny; gy++) {
    for (let gx = 0; gx < nx; gx++, i++) {
      const cy = Math.min(h - 1, Math.floor(((gy + 0.5) * h) / ny))
      const cx = Math.min(w - 1, Math.floor(((gx + 0.5) * w) / nx))
      let by = cy
      let bx = cx
      let best = Infinity
      for (let y = Math.max(0, cy - 1); y <= Math.min(h - 1, cy + 1); y++) {
        for (let x = Math.max(0, cx - 1); x <= Math.min(w - 1, cx + 1); x++) {
          const g = grad(x, y)
          if (g < best) {
            best = g
            by = y
            bx = x
          }
        }
      }
      const p = 3 * (by * w + bx)
      centres.set([lab[p]!, lab[p + 1]!, lab[p + 2]!, by, bx], 5 * i)
    }
  }
  return { centres, step }
}

/**
 * SLIC's local k-means (Achanta et al. 2012, Algorithm 1) in place on `centres`: each iteration
 * assigns every pixel within ±S (a 2S × 2S window) of a centre to the centre of least distance
 * D² = d_lab² + (d_xy / S)² · m² (ties: the earlier centre), then moves each centre to the mean
 * Lab colour and position of its pixels (a centre without pixels stays). Stops after `maxIter`
 * iterations or when no label changes. A pixel no window reaches keeps its previous label, as in
 * the authors' code (−1 if it never had one; connectivity enforcement then makes it a segment
 * or merges it).
 * Returns the labels (h×w, centre index) and the iterations run.
 */
export function slicCluster(lab: Float32Array, h: number, w: number, centres: Centres, step: number, compactness: number, maxIter: number): { labels: Int32Array; iterations: number } {
  const k = centres.length / 5
  const n = h * w
  const labels = new Int32Array(n).fill(-1)
  const prev = new Int32Array(n)
  const dist = new Float64Array(n)
  const spatial = (compactness / step) ** 2
  const reach = Math.ceil(step)
  const sums = new Float64Array(k * 6)
  let iterations = 0
  for (let it = 0; it < maxIter; it++) {
    iterations++
    dist.fill(Infinity)
    prev.set(labels)
    for (let c = 0; c < k; c++) {
      const o = 5 * c
      const [cl, ca, cb, cy, cx] = [centres[o]!, centres[o + 1]!, centres[o + 2]!, centres[o + 3]!, centres[o + 4]!]
      const y0 = Math.max(0, Math.ceil(cy - reach))
      const y1 = Math.min(h - 1, Math.floor(cy + reach))
      const x0 = Math.max(0, Math.ceil(cx - reach))
      const x1 = Math.min(w - 1, Math.floor(cx + reach))
      for (let y = y0; y <= y1; y++) {
        const dy = y - cy
        for (let x = x0; x <= x1; x++) {
          const p = y * w + x
          const dl = lab[3 * p]! - cl
          const da = lab[3 * p + 1]! - ca
          const db = lab[3 * p + 2]! - cb
          const dx = x - cx
          const d = dl * dl + da * da + db * db + (dx * dx + dy * dy) * spatial
          if (d < dist[p]!) {
            dist[p] = d
            labels[p] = c
          }
        }
      }
    }
    let changed = 0
    for (let p = 0; p < n; p++) if (labels[p] !== prev[p]) changed++
    if (changed === 0 && it > 0) break
    sums.fill(0)
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = y * w + x
        const l = labels[p]!
        if (l < 0) continue
        const s = 6 * l
        sums[s] += lab[3 * p]!
        sums[s + 1] += lab[3 * p + 1]!
        sums[s + 2] += lab[3 * p + 2]!
        sums[s + 3] += y
        sums[s + 4] += x
        sums[s + 5]++
      }
    }
    for (let c = 0; c < k; c++) {
      const cnt = sums[6 * c + 5]!
      if (cnt === 0) continue
      for (let j = 0; j < 5; j++) centres[5 * c + j] = sums[6 * c + j]! / cnt
    }
  }
  return { labels, iterations }
}
