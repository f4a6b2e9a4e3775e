import type { Mask } from '@plaf/core'

/**
 * The official id order: masks with `area` ≥ `minArea`, sorted by area, largest first, stable
 * (equal areas keep their input order). Mask at position k of the result gets id k + 1.
 */
export function orderMasks(masks: readonly Mask[], minArea: number): number[] {
  const keep: number[] = []
  for (let i = 0; i < masks.length; i++) if (masks[i].area >= minArea) keep.push(i)
  // Array.prototype.sort is stable (ES2019), so ties keep input order as Python's sorted() does.
  return keep.sort((a, b) => masks[b].area - masks[a].area)
}
