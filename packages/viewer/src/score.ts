/**
 * Cosine scores of texts over the rows of a feature table (the 3D map's pool, or one frame's mask
 * table): one D-dimensional dot product per row and text, never per point or pixel. The page maps
 * row scores to points through each point's ref (on the GPU) and to pixels through the id map.
 */

/** Rows × D features scaled to unit length; `valid[r]` is 0 for an all-zero (or non-finite) row. */
export interface UnitRows {
  data: Float32Array
  valid: Uint8Array
  rows: number
  d: number
}

/** Scales each row of a rows×d table to unit length (copy); zero rows stay zero and invalid. */
export function unitRows(data: Float32Array, rows: number, d: number): UnitRows {
  const out = new Float32Array(rows * d)
  const valid = new Uint8Array(rows)
  for (let r = 0; r < rows; r++) {
    let s = 0
    for (let k = 0; k < d; k++) s += data[r * d + k] * data[r * d + k]
    if (!(s > 0) || !Number.isFinite(s)) continue
    const inv = 1 / Math.sqrt(s)
    for (let k = 0; k < d; k++) out[r * d + k] = data[r * d + k] * inv
    valid[r] = 1
  }
  return { data: out, valid, rows, d }
}

/**
 * Q×rows cosines of unit text rows (Q×d, as text encoders return them) against `table`; NaN for
 * invalid rows. Texts are normalised here too, so a non-unit embedding still gives cosines.
 */
export function cosineScores(table: UnitRows, texts: Float32Array, q: number): Float32Array {
  const { d, rows } = table
  if (texts.length !== q * d) throw new Error(`text embeddings hold ${texts.length} values, ${q}×${d} expected`)
  const t = unitRows(texts, q, d)
  const out = new Float32Array(q * rows)
  for (let j = 0; j < q; j++) {
    for (let r = 0; r < rows; r++) {
      if (!table.valid[r]) {
        out[j * rows + r] = NaN
        continue
      }
      let s = 0
      for (let k = 0; k < d; k++) s += table.data[r * d + k] * t.data[j * d + k]
      out[j * rows + r] = s
    }
  }
  return out
}

/** Per text, its scores as a JSON-safe list (null for NaN, 4 decimals) and the best score. */
export function scoresJson(scores: Float32Array, q: number, rows: number): { scores: (number | null)[][]; best: (number | null)[] } {
  const lists: (number | null)[][] = []
  const best: (number | null)[] = []
  for (let j = 0; j < q; j++) {
    const l: (number | null)[] = new Array(rows)
    let b: number | null = null
    for (let r = 0; r < rows; r++) {
      const v = scores[j * rows + r]
      l[r] = Number.isNaN(v) ? null : Math.round(v * 1e4) / 1e4
      if (!Number.isNaN(v) && (b === null || v > b)) b = v
    }
    lists.push(l)
    best.push(b === null ? null : Math.round(b * 1e4) / 1e4)
  }
  return { scores: lists, best }
}

/**
 * `budget` point indices spread evenly over 0…n-1 (all of them when n ≤ budget), in order: the
 * subsample of an exported page. Lifted maps store points in capture order, so an even stride
 * keeps every part of the scene.
 */
export function evenSubsample(n: number, budget: number): Uint32Array {
  if (n <= budget) return Uint32Array.from({ length: n }, (_, i) => i)
  const out = new Uint32Array(budget)
  for (let i = 0; i < budget; i++) out[i] = Math.floor((i * n) / budget)
  return out
}
