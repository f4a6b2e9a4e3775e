import { mulberry32 } from '@plaf/core'
import type { FeatureGrid, GridTransform, Mask, MaskSet } from '@plaf/core'

/** Deterministic pseudo-random numbers in [0, 1): mulberry32 from @plaf/core. */
export const prng = mulberry32

/** The transform of a plain resize of an H×W image onto an h×w grid (align_corners=False). */
export function resizeTransform(H: number, W: number, h: number, w: number, input: [number, number] = [h, w]): GridTransform {
  return { inputSize: input, imageSize: [H, W], ax: w / W, bx: (0.5 * w) / W - 0.5, ay: h / H, by: (0.5 * h) / H - 0.5 }
}

/** A random h×w×D grid in [-1, 1) (plus `bias` on every value), with the given transform. */
export function randomGrid(rand: () => number, h: number, w: number, d: number, transform: GridTransform, bias = 0): FeatureGrid {
  const data = new Float32Array(h * w * d)
  for (let i = 0; i < data.length; i++) data[i] = rand() * 2 - 1 + bias
  return { data, shape: [h, w, d], transform, space: 'test-space' }
}

/** Crops a full H×W 0/1 image to a Mask (bbox of its set pixels; an empty mask gets a 0×0 bbox). */
export function maskFromFull(full: Uint8Array, W: number, H: number): Mask {
  let x0 = W
  let y0 = H
  let x1 = -1
  let y1 = -1
  let area = 0
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!full[y * W + x]) continue
      area++
      x0 = Math.min(x0, x)
      y0 = Math.min(y0, y)
      x1 = Math.max(x1, x)
      y1 = Math.max(y1, y)
    }
  }
  if (area === 0) return { bbox: [0, 0, 0, 0], area: 0, bitmap: new Uint8Array(0), predictedIou: 1, stabilityScore: 1 }
  const bw = x1 - x0 + 1
  const bh = y1 - y0 + 1
  const bitmap = new Uint8Array(bw * bh)
  for (let j = 0; j < bh; j++) for (let i = 0; i < bw; i++) bitmap[j * bw + i] = full[(y0 + j) * W + x0 + i]
  return { bbox: [x0, y0, bw, bh], area, bitmap, predictedIou: 1, stabilityScore: 1 }
}

/** A filled axis-aligned ellipse (possibly cut by the image border) as a full H×W image. */
export function ellipse(W: number, H: number, cx: number, cy: number, rx: number, ry: number): Uint8Array {
  const full = new Uint8Array(W * H)
  const y0 = Math.max(0, Math.floor(cy - ry))
  const y1 = Math.min(H - 1, Math.ceil(cy + ry))
  const x0 = Math.max(0, Math.floor(cx - rx))
  const x1 = Math.min(W - 1, Math.ceil(cx + rx))
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const u = (x - cx) / rx
      const v = (y - cy) / ry
      if (u * u + v * v <= 1) full[y * W + x] = 1
    }
  }
  return full
}

/** A filled rectangle [x0, x1) × [y0, y1) as a full H×W image. */
export function rect(W: number, H: number, x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const full = new Uint8Array(W * H)
  for (let y = y0; y < y1; y++) full.fill(1, y * W + x0, y * W + x1)
  return full
}

/**
 * Random overlapping masks: `n` ellipses plus the four border strips, the whole image, a
 * speckled (random-pixel) mask and an empty one, so every image edge and odd shapes are covered.
 */
export function randomMasks(rand: () => number, W: number, H: number, n: number): MaskSet {
  const fulls: Uint8Array[] = [
    rect(W, H, 0, 0, W, 3), rect(W, H, 0, H - 2, W, H), rect(W, H, 0, 0, 2, H), rect(W, H, W - 4, 0, W, H),
    rect(W, H, 0, 0, W, H), new Uint8Array(W * H),
  ]
  const speckle = new Uint8Array(W * H)
  for (let i = 0; i < speckle.length; i++) speckle[i] = rand() < 0.2 ? 1 : 0
  fulls.push(speckle)
  for (let i = 0; i < n; i++) {
    fulls.push(ellipse(W, H, rand() * W, rand() * H, 1 + rand() * W * 0.4, 1 + rand() * H * 0.4))
  }
  return { width: W, height: H, masks: fulls.map((f) => maskFromFull(f, W, H)) }
}
