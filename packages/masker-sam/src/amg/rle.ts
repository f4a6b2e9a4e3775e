/**
 * COCO's uncompressed run-length encoding (SAM's `mask_to_rle_pytorch` / `rle_to_mask`): the
 * mask is read in column-major (Fortran) order and `counts` alternates runs of 0s and 1s,
 * starting with 0s (a leading 0 when the first pixel is set). `size` is `[h, w]`.
 */
export interface Rle {
  size: [h: number, w: number]
  counts: number[]
}

/** Encodes an h×w row-major binary mask (non-zero = inside). */
export function maskToRle(mask: Uint8Array, h: number, w: number): Rle {
  const counts: number[] = []
  let current = 0
  let run = 0
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = mask[y * w + x] ? 1 : 0
      if (v === current) run++
      else {
        counts.push(run)
        current = v
        run = 1
      }
    }
  }
  counts.push(run)
  return { size: [h, w], counts }
}

/** Decodes to an h×w row-major mask of 0/1 bytes. */
export function rleToMask(rle: Rle): Uint8Array {
  const [h, w] = rle.size
  const out = new Uint8Array(h * w)
  let idx = 0
  let value = 0
  for (const count of rle.counts) {
    if (value) {
      for (let k = idx; k < idx + count; k++) out[(k % h) * w + Math.floor(k / h)] = 1
    }
    idx += count
    value ^= 1
  }
  return out
}

/** Area of an RLE mask: the sum of its runs of 1s. */
export function areaFromRle(rle: Rle): number {
  let a = 0
  for (let i = 1; i < rle.counts.length; i += 2) a += rle.counts[i]!
  return a
}
