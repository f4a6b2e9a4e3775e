import { float16ToFloat32, float32ToFloat16 } from '@plaf/core'

/** Element type of a mask-indexed feature table on disk. */
export type TableDtype = 'float32' | 'float16' | 'int8'

/** The JSON Schema of mask-indexed's `feature_dtype` option. */
export const tableDtypeOption = {
  type: 'string',
  enum: ['float32', 'float16', 'int8'],
  default: 'float32',
  description: 'Element type of stored feature rows: float32; float16 (IEEE half, loses under 1e-3 on unit rows); or int8 with one float32 scale per row (row = int8 · scale, scale = max |x| / 127), whose worst-row cosine to float32 is reported.',
} as const

/**
 * A feature table as stored: `float32` rows, `float16` half bits, or `int8` values with one float32
 * scale per row (value = q · scale). `shape` is [rows, D].
 */
export type StoredTable =
  | { dtype: 'float32'; data: Float32Array; shape: [rows: number, d: number] }
  | { dtype: 'float16'; data: Uint16Array; shape: [rows: number, d: number] }
  | { dtype: 'int8'; data: Int8Array; scales: Float32Array; shape: [rows: number, d: number] }

/**
 * Symmetric per-row int8 quantisation: scale_r = max_j |x_rj| / 127 and q_rj = round(x_rj / scale_r),
 * so every row uses the full [-127, 127] range (-128 is never used). An all-zero row (the
 * background row 0) gets scale 0 and zeros.
 */
export function quantizeInt8(data: Float32Array, rows: number, d: number): { data: Int8Array; scales: Float32Array } {
  const q = new Int8Array(rows * d)
  const scales = new Float32Array(rows)
  for (let r = 0; r < rows; r++) {
    const o = r * d
    let m = 0
    for (let j = o; j < o + d; j++) {
      const a = Math.abs(data[j])
      if (a > m) m = a
    }
    if (m === 0 || !Number.isFinite(m)) continue
    const scale = Math.fround(m / 127)
    scales[r] = scale
    const inv = 1 / scale
    for (let j = o; j < o + d; j++) q[j] = Math.max(-127, Math.min(127, Math.round(data[j] * inv)))
  }
  return { data: q, scales }
}

/** A float32 table in its stored representation. */
export function encodeTable(data: Float32Array, rows: number, d: number, dtype: TableDtype): StoredTable {
  if (dtype === 'float16') return { dtype, data: float32ToFloat16(data), shape: [rows, d] }
  if (dtype === 'int8') return { dtype, ...quantizeInt8(data, rows, d), shape: [rows, d] }
  return { dtype, data, shape: [rows, d] }
}

/** A stored table widened to float32 (half bits widened; int8 times its row's scale). */
export function decodeTable(t: StoredTable): Float32Array {
  if (t.dtype === 'float32') return t.data
  if (t.dtype === 'float16') return float16ToFloat32(t.data)
  const [rows, d] = t.shape
  const out = new Float32Array(rows * d)
  for (let r = 0; r < rows; r++) {
    const s = t.scales[r]
    for (let j = r * d, e = j + d; j < e; j++) out[j] = t.data[j] * s
  }
  return out
}

/**
 * The lowest cosine between a row of `a` and the same row of `b` over rows that are non-zero in
 * `a` (1 when there is none): how far a lossy table strays from float32 at its worst row.
 */
export function worstRowCosine(a: Float32Array, b: Float32Array, rows: number, d: number): number {
  let worst = 1
  for (let r = 0; r < rows; r++) {
    let ab = 0
    let aa = 0
    let bb = 0
    for (let j = r * d, e = j + d; j < e; j++) {
      ab += a[j] * b[j]
      aa += a[j] * a[j]
      bb += b[j] * b[j]
    }
    if (aa === 0) continue
    const c = bb === 0 ? 0 : ab / Math.sqrt(aa * bb)
    if (c < worst) worst = c
  }
  return worst
}

/** Bytes per stored element (b in the paper's equations). */
export const tableElementBytes = (d: TableDtype): number => (d === 'float32' ? 4 : d === 'float16' ? 2 : 1)
