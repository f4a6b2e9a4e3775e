import type { Frame } from '@plaf/core'

/** A frame of h×w pixels whose colour at (x, y) is paint(x, y); no depth, identity-free pose. */
export function makeFrame(h: number, w: number, paint: (x: number, y: number) => readonly number[], id = '000000'): Frame {
  const data = new Uint8Array(h * w * 3)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.set(paint(x, y).slice(0, 3), (y * w + x) * 3)
  }
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

/** Cosine of two equal-length vectors (row slices allowed). */
export function cosine(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, n: number): number {
  let ab = 0
  let aa = 0
  let bb = 0
  for (let i = 0; i < n; i++) {
    ab += a[ai + i] * b[bi + i]
    aa += a[ai + i] * a[ai + i]
    bb += b[bi + i] * b[bi + i]
  }
  return ab / Math.sqrt(aa * bb)
}
