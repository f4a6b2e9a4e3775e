import { componentRuns } from './component-runs.js'

/**
 * Extra pixels belonging to one component that lie outside the array (the array is a window of a
 * larger image): `size` more pixels for the component that contains pixel `at`.
 */
export interface OutsidePixels {
  at: number
  size: number
}

/**
 * SAM's `remove_small_regions` on an h×w mask (in place): `holes` fills every 8-connected
 * component of the unset pixels smaller than `areaThresh` (that includes the background around
 * the mask when it is that small, as in SAM); `islands` clears every component of set pixels
 * smaller than `areaThresh`, keeping the largest (the first in raster order on a tie) when all are
 * small. Returns whether the mask changed, by SAM's rule: true as soon as a small component
 * exists. `outside` adds pixels beyond the window to one component's size.
 */
export function removeSmallRegions(mask: Uint8Array, h: number, w: number, areaThresh: number, mode: 'holes' | 'islands', outside?: OutsidePixels): boolean {
  const holes = mode === 'holes'
  // Components of the unset pixels (holes) or of the set pixels (islands), on runs.
  const { y, x0, x1, label, count, sizes } = componentRuns(mask, h, w, holes ? 0 : 1)
  if (outside) {
    const oy = Math.floor(outside.at / w)
    const ox = outside.at - oy * w
    for (let r = 0; r < label.length; r++) {
      if (y[r] === oy && x0[r]! <= ox && ox <= x1[r]!) {
        sizes[label[r]!] += outside.size
        break
      }
    }
  }
  const small = new Uint8Array(count + 1)
  let anySmall = false
  for (let l = 1; l <= count; l++) {
    if (sizes[l]! < areaThresh) {
      small[l] = 1
      anySmall = true
    }
  }
  if (!anySmall) return false
  let keepLargest = 0
  if (!holes && small.every((s, l) => l === 0 || s === 1)) {
    let best = -1
    for (let l = 1; l <= count; l++) {
      if (sizes[l]! > best) {
        best = sizes[l]!
        keepLargest = l
      }
    }
  }
  // Holes are filled, small islands (but the kept largest) cleared.
  for (let r = 0; r < label.length; r++) {
    const l = label[r]!
    if (small[l] && l !== keepLargest) mask.fill(holes ? 1 : 0, y[r]! * w + x0[r]!, y[r]! * w + x1[r]! + 1)
  }
  return true
}
