/** One generated mask as the generator carries it (SAM's per-mask record, bitmap cropped to its box). */
export interface AmgMask {
  /** SAM's xyxy box in image pixels, inclusive extents; [0,0,0,0] for an empty mask. */
  box: [x0: number, y0: number, x1: number, y1: number]
  /** (x1−x0+1)·(y1−y0+1) bytes, row-major, 1 = inside; empty for an empty mask. */
  bitmap: Uint8Array
  area: number
  predictedIou: number
  stabilityScore: number
  /** The prompt point in image pixels. */
  point: [x: number, y: number]
  /** The crop the mask came from, xyxy (exclusive ends) in image pixels. */
  cropBox: [x0: number, y0: number, x1: number, y1: number]
}

/**
 * The runs a record's bitmap was painted from, when the generator still has them: (y, x0, x1)
 * triples, x1 exclusive, in the coordinates of the crop whose top-left corner is (dx, dy) in the
 * image. The small-region clean-up reads them instead of scanning the bitmap. Keyed by the record
 * object, so a record that is copied or changed simply has none.
 */
export const recordRuns = new WeakMap<AmgMask, { runs: Int32Array; dx: number; dy: number }>()

/** Copies the box region of an h×w(row stride w) mask into a tight bitmap, returning it and its area. */
export function cropToBox(mask: Uint8Array, w: number, box: ArrayLike<number>): { bitmap: Uint8Array; area: number } {
  const [x0, y0, x1, y1] = [box[0]!, box[1]!, box[2]!, box[3]!]
  const bw = x1 - x0 + 1
  const bh = y1 - y0 + 1
  const bitmap = new Uint8Array(bw * bh)
  let area = 0
  for (let y = 0; y < bh; y++) {
    const s = (y0 + y) * w + x0
    for (let x = 0; x < bw; x++) {
      const v = mask[s + x] ? 1 : 0
      bitmap[y * bw + x] = v
      area += v
    }
  }
  return { bitmap, area }
}

/** Paints a record's bitmap into an image-sized mask (zeroed first when `clear`). */
export function pasteMask(m: AmgMask, width: number, out: Uint8Array): Uint8Array {
  if (m.area === 0) return out
  const [x0, y0, x1, y1] = m.box
  const bw = x1 - x0 + 1
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) if (m.bitmap[(y - y0) * bw + (x - x0)]) out[y * width + x] = 1
  }
  return out
}
