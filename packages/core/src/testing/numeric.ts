/**
 * Largest absolute difference between two equally long arrays; `Infinity` when any position is
 * NaN in one and not in the other, or NaN in both (a NaN must never pass a `toBeLessThan`).
 * Throws a RangeError when the lengths differ.
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`)
  let m = 0
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i])
    if (Number.isNaN(d)) return Infinity
    if (d > m) m = d
  }
  return m
}
