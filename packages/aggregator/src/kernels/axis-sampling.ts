/**
 * Bilinear sampling positions along one image axis, torch `align_corners=False` semantics.
 *
 * Image pixel x (integer = pixel centre) lands at grid coordinate g = a·x + b (grid cell centres at
 * integers). g is clamped to [0, size − 1], which is exactly torch's edge behaviour: it clamps
 * negative source coordinates to 0 and, past the last cell, reads the last cell twice. The result
 * is value(x) = (1 − t)·F[i0] + t·F[i1] with i1 = min(i0 + 1, size − 1).
 */
export interface AxisSampling {
  /** Lower grid index per output pixel. */
  i0: Int32Array
  /** Upper grid index per output pixel (i0 + 1, or i0 on a 1-cell axis). */
  i1: Int32Array
  /** Weight of i1, in [0, 1]; i0 gets 1 − t. */
  t: Float64Array
  /** End (exclusive) of the run of pixels that share pixel x's `i0`, so kernels can sum a run before touching the grid. */
  runEnd: Int32Array
}

/** Sampling of `n` output pixels on a grid axis of `size` cells with transform g = a·x + b. */
export function axisSampling(n: number, a: number, b: number, size: number): AxisSampling {
  const i0 = new Int32Array(n)
  const i1 = new Int32Array(n)
  const t = new Float64Array(n)
  const last = size - 1
  // Keeping i0 ≤ size − 2 makes i1 = i0 + 1 a real cell; g = size − 1 then gives t = 1.
  const top = Math.max(size - 2, 0)
  for (let x = 0; x < n; x++) {
    const g = Math.min(Math.max(a * x + b, 0), last)
    const lo = Math.min(Math.floor(g), top)
    i0[x] = lo
    i1[x] = Math.min(lo + 1, last)
    t[x] = size > 1 ? g - lo : 0
  }
  const runEnd = new Int32Array(n)
  for (let x = n - 1; x >= 0; x--) runEnd[x] = x + 1 < n && i0[x + 1] === i0[x] ? runEnd[x + 1] : x + 1
  return { i0, i1, t, runEnd }
}
