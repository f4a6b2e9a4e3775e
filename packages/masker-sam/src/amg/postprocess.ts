import { maskToBox } from './boxes.js'
import { cropToBox, pasteMask, recordRuns, type AmgMask } from './mask-record.js'
import { nms } from './nms.js'
import { removeSmallRegions } from './small-regions.js'
import { joinRuns } from './component-runs.js'

/** Growable run list (row, first column, last column inclusive). */
class Runs {
  y: Int32Array = new Int32Array(256)
  x0: Int32Array = new Int32Array(256)
  x1: Int32Array = new Int32Array(256)
  n = 0
  /** Empties the list (its arrays are kept). */
  reset(): this {
    this.n = 0
    return this
  }
  push(y: number, a: number, b: number): void {
    if (this.n === this.y.length) {
      const grow = (arr: Int32Array): Int32Array => {
        const next = new Int32Array(2 * arr.length)
        next.set(arr)
        return next
      }
      this.y = grow(this.y)
      this.x0 = grow(this.x0)
      this.x1 = grow(this.x1)
    }
    this.y[this.n] = y
    this.x0[this.n] = a
    this.x1[this.n++] = b
  }
}

// The run lists of `cleanOneRuns`, reused from mask to mask (a recursive call happens only where the caller returns its result).
const ONES = new Runs()
const ZEROS = new Runs()
const FILLED = new Runs()

/** The runs of a record's bitmap (inclusive ends), shifted by (dx, dy), into `ones`. */
function fromBitmap(m: AmgMask, ones: Runs, dx: number, dy: number): void {
  const bw = m.box[2] - m.box[0] + 1
  const bh = m.box[3] - m.box[1] + 1
  const bm = m.bitmap
  // The first index ≥ i holding v (the bitmap's length if none), by the native indexOf; the last
  // answer per value is reused while i has not passed it, so the bitmap is scanned about once per value.
  const from = [-1, -1]
  const at = [-1, -1]
  const next = (v: 0 | 1, i: number): number => {
    if (i < from[v]! || i > at[v]!) {
      const j = bm.indexOf(v, i)
      from[v] = i
      at[v] = j < 0 ? bm.length : j
    }
    return at[v]!
  }
  for (let r = 0; r < bh; r++) {
    const base = r * bw
    let x = 0
    while (x < bw) {
      const s = next(1, base + x) - base
      if (s >= bw) break
      const e = Math.min(next(0, base + s) - base, bw)
      ones.push(r + dy, s + dx, e - 1 + dx)
      x = e
    }
  }
}

/**
 * `cleanOne` on the mask's runs instead of a window bitmap: the runs of the bitmap (one native scan
 * per value), the holes as the gaps between them in the window, components of both by union-find
 * on runs (`joinRuns`), exactly the components the window bitmap has. The window is the whole
 * image (`whole`, no ring) for a mask spanning the image, or when the background around the mask
 * is filled. Null for an empty mask (`cleanOne` takes it).
 */
function cleanOneRuns(m: AmgMask, W: number, H: number, minArea: number, whole = false): { box: AmgMask['box']; bitmap: Uint8Array; area: number; changed: boolean } | null {
  if (m.area === 0) return null
  const win = whole ? null : window(m, W, H)
  if (!win && !whole) return cleanOneRuns(m, W, H, minArea, true)
  const [wx0, wy0, wx1, wy1] = win ?? [0, 0, W - 1, H - 1]
  const ww = wx1 - wx0 + 1
  const wh = wy1 - wy0 + 1
  const [x0, y0] = m.box
  // The mask's runs in window coordinates: the generator's, else from the bitmap.
  const ones = ONES.reset()
  const given = recordRuns.get(m)
  if (given) {
    const { runs, dx, dy } = given
    for (let r = 0; r < runs.length; r += 3) ones.push(runs[r]! + dy - wy0, runs[r + 1]! + dx - wx0, runs[r + 2]! - 1 + dx - wx0)
  } else fromBitmap(m, ones, x0 - wx0, y0 - wy0)
  // Holes: the gaps of each window row.
  const zeros = ZEROS.reset()
  let k = 0
  for (let r = 0; r < wh; r++) {
    let x = 0
    while (k < ones.n && ones.y[k] === r) {
      if (ones.x0[k]! > x) zeros.push(r, x, ones.x0[k]! - 1)
      x = ones.x1[k]! + 1
      k++
    }
    if (x < ww) zeros.push(r, x, ww - 1)
  }
  const hz = joinRuns(zeros.y, zeros.x0, zeros.x1, zeros.n)
  // The ring pixel at a corner that exists, and the background beyond the window it joins.
  const ringY = wx0 < x0 || wy0 < y0 ? 0 : wh - 1
  const ringX = wx0 < x0 || wy0 < y0 ? 0 : ww - 1
  let ringLabel = 0
  for (let r = 0; r < zeros.n && win; r++) {
    if (zeros.y[r] === ringY && zeros.x0[r]! <= ringX && ringX <= zeros.x1[r]!) {
      ringLabel = hz.label[r]!
      hz.sizes[ringLabel] += W * H - ww * wh
      break
    }
  }
  let holesChanged = false
  for (let l = 1; l <= hz.count; l++) if (hz.sizes[l]! < minArea) holesChanged = true
  // The background around the mask was filled: only the whole image can say how (rare).
  if (win && holesChanged && hz.sizes[ringLabel]! < minArea) return cleanOneRuns(m, W, H, minArea, true)
  // The mask with its small holes filled: both run lists merged row by row, touching runs joined.
  let filled = ones
  if (holesChanged) {
    filled = FILLED.reset()
    let i = 0
    let j = 0
    while (i < ones.n || j < zeros.n) {
      // Next run in raster order among the mask's runs and the small holes.
      while (j < zeros.n && !(hz.sizes[hz.label[j]!]! < minArea)) j++
      const takeOne = j >= zeros.n || (i < ones.n && (ones.y[i]! < zeros.y[j]! || (ones.y[i] === zeros.y[j] && ones.x0[i]! < zeros.x0[j]!)))
      if (!takeOne && j >= zeros.n) break
      const [y, a, b] = takeOne ? [ones.y[i]!, ones.x0[i]!, ones.x1[i++]!] : [zeros.y[j]!, zeros.x0[j]!, zeros.x1[j++]!]
      const last = filled.n - 1
      if (last >= 0 && filled.y[last] === y && filled.x1[last]! + 1 === a) filled.x1[last] = b
      else filled.push(y, a, b)
    }
  }
  const is = joinRuns(filled.y, filled.x0, filled.x1, filled.n)
  let islandsChanged = false
  let allSmall = is.count > 0
  for (let l = 1; l <= is.count; l++) {
    if (is.sizes[l]! < minArea) islandsChanged = true
    else allSmall = false
  }
  if (!holesChanged && !islandsChanged) return { box: m.box, bitmap: m.bitmap, area: m.area, changed: false }
  let keepLargest = 0
  if (allSmall) {
    let best = -1
    for (let l = 1; l <= is.count; l++) {
      if (is.sizes[l]! > best) {
        best = is.sizes[l]!
        keepLargest = l
      }
    }
  }
  const keep = (r: number): boolean => {
    const l = is.label[r]!
    return !(is.sizes[l]! < minArea) || l === keepLargest
  }
  let [bx0, by0, bx1, by1] = [Infinity, Infinity, -1, -1]
  let area = 0
  for (let r = 0; r < filled.n; r++) {
    if (!keep(r)) continue
    if (filled.x0[r]! < bx0) bx0 = filled.x0[r]!
    if (filled.x1[r]! > bx1) bx1 = filled.x1[r]!
    if (filled.y[r]! < by0) by0 = filled.y[r]!
    by1 = filled.y[r]!
    area += filled.x1[r]! - filled.x0[r]! + 1
  }
  if (area === 0) return { box: [0, 0, 0, 0], bitmap: new Uint8Array(0), area: 0, changed: true }
  const nbw = bx1 - bx0 + 1
  const bitmap = new Uint8Array(nbw * (by1 - by0 + 1))
  for (let r = 0; r < filled.n; r++) {
    if (!keep(r)) continue
    const o = (filled.y[r]! - by0) * nbw - bx0
    bitmap.fill(1, o + filled.x0[r]!, o + filled.x1[r]! + 1)
  }
  return { box: [bx0 + wx0, by0 + wy0, bx1 + wx0, by1 + wy0], bitmap, area, changed: true }
}

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
  const cleaned = masks.map((m) => cleanOneRuns(m, W, H, minArea) ?? cleanOne(m, W, H, minArea))
  const boxes = new Float64Array(masks.length * 4)
  cleaned.forEach((c, i) => boxes.set(c.box, 4 * i))
  const keep = nms(boxes, Float32Array.from(cleaned, (c) => (c.changed ? 0 : 1)), nmsThresh)
  return Array.from(keep, (i) => {
    const c = cleaned[i]!
    return c.changed ? { ...masks[i]!, box: c.box, bitmap: c.bitmap, area: c.area } : masks[i]!
  })
}
