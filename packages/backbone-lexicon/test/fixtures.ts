export { makeFrame } from '@plaf/core/testing'
import { mulberry32 } from '@plaf/core'



/** Deterministic pseudo-random numbers in [0, 1): mulberry32 from @plaf/core. */
export const rng = mulberry32

/** Cosine of two equal-length vectors (row slices allowed). */
export function cosine(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, n: number): number {
  let ab = 0
  let aa = 0
  let bb = 0
  for (let i = 0; i < n; i++) {
    ab += a[ai + i] * b[bi + i]
    aa += a[ai + i] * a[ai + i]
    bb += b[bi + i] * b[bi + i]
  }
  return ab / Math.sqrt(aa * bb)
}
