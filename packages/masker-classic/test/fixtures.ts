import type { Frame, MaskSet } from '@plaf/core'

/** A frame of h×w pixels whose colour at (x, y) is paint(x, y). */
export function makeFrame(h: number, w: number, paint: (x: number, y: number) => readonly number[], id = '000000'): Frame {
  const data = new Uint8Array(h * w * 3)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = paint(x, y)
      for (let k = 0; k < 3; k++) data[(y * w + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(c[k])))
    }
  }
  return frameOf(data, h, w, id)
}

/** A frame around an existing h×w×3 pixel buffer. */
export function frameOf(data: Uint8Array, h: number, w: number, id = '000000'): Frame {
  return {
    id,
    index: 0,
    rgb: { data, shape: [h, w, 3] },
    pose: null,
    colorIntrinsics: { fx: w, fy: w, cx: (w - 1) / 2, cy: (h - 1) / 2, width: w, height: h },
  }
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

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
