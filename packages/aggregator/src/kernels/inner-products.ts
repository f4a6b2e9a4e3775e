/**
 * The five inner-product tables of an h×w×D grid that give the norm of any bilinear sample.
 *
 * For a sample between cells (y0,x0), (y0,x1), (y1,x0), (y1,x1) with x1 = min(x0+1, w−1) and
 * y1 = min(y0+1, h−1) (the edge-padded grid), the squared norm is a quadratic form in the four
 * bilinear weights whose coefficients are these dot products, all indexed at a cell (y, x):
 * - `self`  ⟨F[y,x], F[y,x]⟩
 * - `right` ⟨F[y,x], F[y,x1]⟩
 * - `down`  ⟨F[y,x], F[y1,x]⟩
 * - `diag`  ⟨F[y,x], F[y1,x1]⟩
 * - `anti`  ⟨F[y,x1], F[y1,x]⟩
 */
export interface InnerProductTables {
  self: Float64Array
  right: Float64Array
  down: Float64Array
  diag: Float64Array
  anti: Float64Array
}

/** Computes the tables of a row-major h×w×D grid (float64 accumulation), h·w entries each. */
export function innerProductTables(f: Float32Array, h: number, w: number, d: number): InnerProductTables {
  const n = h * w
  const self = new Float64Array(n)
  const right = new Float64Array(n)
  const down = new Float64Array(n)
  const diag = new Float64Array(n)
  const anti = new Float64Array(n)
  for (let y = 0; y < h; y++) {
    const y1 = Math.min(y + 1, h - 1)
    for (let x = 0; x < w; x++) {
      const x1 = Math.min(x + 1, w - 1)
      const c = y * w + x
      const p = c * d
      const pr = (y * w + x1) * d
      const pd = (y1 * w + x) * d
      const pg = (y1 * w + x1) * d
      // One pass over the four corner vectors gives all five products (4 loads, not 10).
      let ss = 0
      let sr = 0
      let sd = 0
      let sg = 0
      let sa = 0
      for (let k = 0; k < d; k++) {
        const a = f[p + k]
        const r = f[pr + k]
        const b = f[pd + k]
        ss += a * a
        sr += a * r
        sd += a * b
        sg += a * f[pg + k]
        sa += r * b
      }
      self[c] = ss
      right[c] = sr
      down[c] = sd
      diag[c] = sg
      anti[c] = sa
    }
  }
  return { self, right, down, diag, anti }
}
