/** A crop box `[x0, y0, x1, y1]` in image pixels (x1/y1 exclusive), and its crop layer. */
export interface CropBox {
  box: [x0: number, y0: number, x1: number, y1: number]
  layer: number
}

/**
 * SAM's crop boxes (`generate_crop_boxes`): layer 0 is the whole image; layer i ≥ 1 has
 * `(2^i)²` crops of `ceil((overlap·(n−1) + len)/n)` pixels per side with
 * `overlap = trunc(ratio · short_side · 2/n)`, ordered x-major (all y for the first x, …).
 */
export function generateCropBoxes(height: number, width: number, layers: number, overlapRatio: number): CropBox[] {
  const out: CropBox[] = [{ box: [0, 0, width, height], layer: 0 }]
  const shortSide = Math.min(height, width)
  const cropLen = (len: number, n: number, overlap: number): number => Math.trunc(Math.ceil((overlap * (n - 1) + len) / n))
  for (let layer = 1; layer <= layers; layer++) {
    const n = 2 ** layer
    const overlap = Math.trunc(overlapRatio * shortSide * (2 / n))
    const cw = cropLen(width, n, overlap)
    const ch = cropLen(height, n, overlap)
    for (let i = 0; i < n; i++) {
      const x0 = Math.trunc((cw - overlap) * i)
      for (let j = 0; j < n; j++) {
        const y0 = Math.trunc((ch - overlap) * j)
        out.push({ box: [x0, y0, Math.min(x0 + cw, width), Math.min(y0 + ch, height)], layer })
      }
    }
  }
  return out
}

/**
 * SAM's `is_box_near_crop_edge`: whether a box (xyxy, crop-local, inclusive extents) lies within
 * `atol` pixels of an edge of its crop that is not also an edge of the image. Such masks are cut
 * by the crop, so SAM drops them.
 */
export function isBoxNearCropEdge(box: ArrayLike<number>, crop: ArrayLike<number>, imageW: number, imageH: number, atol = 20): boolean {
  const image = [0, 0, imageW, imageH]
  const offset = [crop[0]!, crop[1]!, crop[0]!, crop[1]!]
  for (let k = 0; k < 4; k++) {
    const v = box[k]! + offset[k]!
    if (Math.abs(v - crop[k]!) <= atol && !(Math.abs(v - image[k]!) <= atol)) return true
  }
  return false
}
