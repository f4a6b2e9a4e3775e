import { mulberry32 } from '@plaf/core/testing'

/** Blobby random masks: random rectangles painted on and off, so there are islands and holes. */
export function blobby(seed: number, h: number, w: number, n = 12): Uint8Array {
  const r = mulberry32(seed)
  const m = new Uint8Array(h * w)
  for (let k = 0; k < n; k++) {
    const [x0, y0] = [Math.floor(r() * w), Math.floor(r() * h)]
    const [x1, y1] = [Math.min(w, x0 + 1 + Math.floor(r() * w * 0.4)), Math.min(h, y0 + 1 + Math.floor(r() * h * 0.4))]
    const v = k % 3 === 2 ? 0 : 1
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = v
  }
  return m
}
