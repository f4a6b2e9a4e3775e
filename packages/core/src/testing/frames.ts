import type { Frame } from '../ports.js'

/** A colour-only frame around an existing h×w×3 pixel buffer (no depth, no pose). */
export function frameOf(data: Uint8Array, h: number, w: number, id = '000000'): Frame {
  return {
    id,
    index: 0,
    rgb: { data, shape: [h, w, 3] },
    pose: null,
    colorIntrinsics: { fx: w, fy: w, cx: (w - 1) / 2, cy: (h - 1) / 2, width: w, height: h },
  }
}

/** A colour-only frame of h×w pixels whose colour at (x, y) is paint(x, y), rounded and clamped. */
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
