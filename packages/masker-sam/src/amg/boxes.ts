/**
 * SAM's `batched_mask_to_box` for one binary mask (h×w bytes, row-major, non-zero = inside):
 * `[x0, y0, x1, y1]` with inclusive extents (x1 is the last column holding a pixel), `[0,0,0,0]`
 * for an empty mask. Written into `out` at `at`.
 */
export function maskToBox(mask: Uint8Array, h: number, w: number, out: Int32Array = new Int32Array(4), at = 0): Int32Array {
  let x0 = w
  let y0 = h
  let x1 = -1
  let y1 = -1
  for (let y = 0; y < h; y++) {
    const row = y * w
    let first = -1
    let last = -1
    for (let x = 0; x < w; x++) {
      if (mask[row + x]) {
        if (first < 0) first = x
        last = x
      }
    }
    if (first < 0) continue
    if (y < y0) y0 = y
    y1 = y
    if (first < x0) x0 = first
    if (last > x1) x1 = last
  }
  if (x1 < 0) x0 = y0 = x1 = y1 = 0
  out[at] = x0
  out[at + 1] = y0
  out[at + 2] = x1
  out[at + 3] = y1
  return out
}
