export { makeFrame, frameOf } from '@plaf/core/testing'
import { mulberry32 } from '@plaf/core'
import type { MaskSet } from '@plaf/core'



/** Deterministic pseudo-random numbers in [0, 1): mulberry32 from @plaf/core. */
export const rng = mulberry32

/** Paints a mask set back into an H×W map of how many masks cover each pixel, and which (last). */
export function coverage(set: MaskSet): { hits: Uint8Array; owner: Int32Array } {
  const hits = new Uint8Array(set.width * set.height)
  const owner = new Int32Array(set.width * set.height).fill(-1)
  set.masks.forEach((m, i) => {
    const [bx, by, bw, bh] = m.bbox
    for (let y = 0; y < bh; y++) {
      for (let x = 0; x < bw; x++) {
        if (!m.bitmap[y * bw + x]) continue
        const p = (by + y) * set.width + bx + x
        hits[p]++
        owner[p] = i
      }
    }
  })
  return { hits, owner }
}
