import { maskToBox } from './boxes.js'
import { cropToBox, pasteMask, type AmgMask } from './mask-record.js'
import { nms } from './nms.js'
import { removeSmallRegions } from './small-regions.js'

/**
 * A mask's box grown by one pixel (clipped to the image): a window in which the 1-pixel ring
 * outside the box is background, so components of the background keep their connectivity.
 * Null when the ring would be cut on two opposite sides (a mask spanning the image width or
 * height): then the whole image is used.
 */
function window(m: AmgMask, W: number, H: number): [number, number, number, number] | null {
  const [x0, y0, x1, y1] = m.box
  const wx0 = Math.max(0, x0 - 1)
  const wy0 = Math.max(0, y0 - 1)
  const wx1 = Math.min(W - 1, x1 + 1)
  const wy1 = Math.min(H - 1, y1 + 1)
  if ((wx0 === x0 && wx1 === x1) || (wy0 === y0 && wy1 === y1)) return null
  return [wx0, wy0, wx1, wy1]
}

/** Holes then islands on one mask (SAM's order); returns the new full-image-coordinate record fields and whether it changed. */
function cleanOne(m: AmgMask, W: number, H: number, minArea: number): { box: AmgMask['box']; bitmap: Uint8Array; area: number; changed: boolean } {
  if (m.area === 0) {
    // SAM runs the same steps on an empty mask: its background is one component (filled if small).
    const full = new Uint8Array(W * H)
    const holesChanged = removeSmallRegions(full, H, W, minArea, 'holes')
    const islandsChanged = removeSmallRegions(full, H, W, minArea, 'islands')
    return fromFull(full, W, H, holesChanged || islandsChanged)
  }
  const win = window(m, W, H)
  if (win) {
    const [wx0, wy0, wx1, wy1] = win
    const ww = wx1 - wx0 + 1
    const wh = wy1 - wy0 + 1
    const probe = new Uint8Array(ww * wh)
    const [x0, y0, x1, y1] = m.box
    const bw = x1 - x0 + 1
    // Bitmaps hold 0/1: copied row by row into the window.
    for (let y = 0; y <= y1 - y0; y++) probe.set(m.bitmap.subarray(y * bw, (y + 1) * bw), (y0 - wy0 + y) * ww + x0 - wx0)
    // The ring pixel at a corner that exists, and the background beyond the window it joins.
    const ringAt = wx0 < x0 ? 0 : wy0 < y0 ? 0 : ww * wh - 1
    const outside = { at: ringAt, size: W * H - ww * wh }
    const holesChanged = removeSmallRegions(probe, wh, ww, minArea, 'holes', outside)
    // The background around the mask was filled: only the whole image can say how (rare).
    if (!(holesChanged && probe[ringAt])) {
      const islandsChanged = removeSmallRegions(probe, wh, ww, minArea, 'islands')
      // Nothing removed: the record stands as it is.
      if (!holesChanged && !islandsChanged) return { box: m.box, bitmap: m.bitmap, area: m.area, changed: false }
      const box = new Int32Array(4)
      maskToBox(probe, wh, ww, box)
      const empty = box[2] === 0 && box[3] === 0 && !probe[0]
      const { bitmap, area } = empty ? { bitmap: new Uint8Array(0), area: 0 } : cropToBox(probe, ww, box)
      const abs: AmgMask['box'] = empty ? [0, 0, 0, 0] : [box[0]! + wx0, box[1]! + wy0, box[2]! + wx0, box[3]! + wy0]
      return { box: abs, bitmap, area, changed: holesChanged || islandsChanged }
    }
  }
  const full = pasteMask(m, W, new Uint8Array(W * H))
  const holesChanged = removeSmallRegions(full, H, W, minArea, 'holes')
  const islandsChanged = removeSmallRegions(full, H, W, minArea, 'islands')
  return fromFull(full, W, H, holesChanged || islandsChanged)
}

function fromFull(full: Uint8Array, W: number, H: number, changed: boolean): { box: AmgMask['box']; bitmap: Uint8Array; area: number; changed: boolean } {
  const box = maskToBox(full, H, W, new Int32Array(4))
  const empty = box[2] === 0 && box[3] === 0 && !full[0]
  const { bitmap, area } = empty ? { bitmap: new Uint8Array(0), area: 0 } : cropToBox(full, W, box)
  return { box: [box[0]!, box[1]!, box[2]!, box[3]!], bitmap, area, changed }
}

/**
 * SAM's `postprocess_small_regions`: every mask loses holes, then islands, smaller than
 * `minArea` (8-connected), then box NMS at `nmsThresh` with score 1 for unchanged and 0 for
 * changed masks, so a cleaned mask survives only when no untouched mask duplicates it. Kept
 * masks take their cleaned pixels and box; the result is in NMS order. Works on a window around
 * each mask (the exact result; the whole image only when the mask spans it).
 */
export function removeSmallRegionsAll(masks: AmgMask[], W: number, H: number, minArea: number, nmsThresh: number): AmgMask[] {
  if (masks.length === 0) return masks
  const cleaned = masks.map((m) => cleanOne(m, W, H, minArea))
  const boxes = new Float64Array(masks.length * 4)
  cleaned.forEach((c, i) => boxes.set(c.box, 4 * i))
  const keep = nms(boxes, Float32Array.from(cleaned, (c) => (c.changed ? 0 : 1)), nmsThresh)
  return Array.from(keep, (i) => {
    const c = cleaned[i]!
    return c.changed ? { ...masks[i]!, box: c.box, bitmap: c.bitmap, area: c.area } : masks[i]!
  })
}
