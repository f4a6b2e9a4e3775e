/**
 * The paper's storage cost model (PLAF eqs. (4)–(9)), in bytes. `count` is pixels (2D) or
 * points (3D), `d` the feature dimension, `featureBytes` b (4 for FP32, 2 for FP16), `refBytes` r
 * (2 for uint16 ids, 4 for uint32 refs) and `rows` the feature table / pool rows (K or M).
 */

/**
 * Dense storage, one D-dimensional feature per pixel or point: count·D·b (eqs. (4) and (7)). b has
 * no default: the paper's ratios (eqs. (6) and (9)) use the same b as the indexed side.
 */
export function denseBytes(count: number, d: number, featureBytes: number): number {
  return count * d * featureBytes
}

/** Index-and-reference storage, one id per pixel/point plus one row per id: count·r + rows·D·b (eqs. (5) and (8)). */
export function indexedBytes(count: number, refBytes: number, rows: number, d: number, featureBytes: number): number {
  return count * refBytes + rows * d * featureBytes
}

/** Ratio of two sizes (eqs. (6) and (9) when given indexed over dense), or null when the dense size is 0. */
export function storageRatio(bytes: number, dense: number): number | null {
  return dense > 0 ? bytes / dense : null
}
