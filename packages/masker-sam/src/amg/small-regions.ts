import { connectedComponents } from './components.js'

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
  const working = new Uint8Array(h * w)
  for (let i = 0; i < working.length; i++) working[i] = (mask[i] ? 1 : 0) ^ (holes ? 1 : 0)
  const { labels, count, sizes } = connectedComponents(working, h, w)
  if (outside && labels[outside.at]) sizes[labels[outside.at]!] += outside.size
  const small = new Uint8Array(count + 1)
  let anySmall = false
  for (let l = 1; l <= count; l++) {
    if (sizes[l]! < areaThresh) {
      small[l] = 1
      anySmall = true
    }
  }
  if (!anySmall) return false
  if (holes) {
    for (let i = 0; i < labels.length; i++) if (small[labels[i]!]) mask[i] = 1
    return true
  }
  let keepLargest = 0
  if (small.every((s, l) => l === 0 || s === 1)) {
    let best = -1
    for (let l = 1; l <= count; l++) {
      if (sizes[l]! > best) {
        best = sizes[l]!
        keepLargest = l
      }
    }
  }
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!
    if (l && small[l] && l !== keepLargest) mask[i] = 0
  }
  return true
}
