import type { RgbImage } from '@plaf/core'
import { JET_LUT, jetIndex } from './colormap.js'

/**
 * Heat colour per row: jet of the row's score min-max normalised over the valid rows (as the
 * official display does; a constant score maps to 0, blue). Invalid rows get black. rows×3 uint8.
 */
export function heatColors(scores: Float32Array, valid: Uint8Array): Uint8Array {
  let lo = Infinity
  let hi = -Infinity
  for (let r = 0; r < scores.length; r++) {
    if (!valid[r]) continue
    lo = Math.min(lo, scores[r])
    hi = Math.max(hi, scores[r])
  }
  const out = new Uint8Array(scores.length * 3)
  for (let r = 0; r < scores.length; r++) {
    if (!valid[r]) continue
    const k = jetIndex(hi > lo ? (scores[r] - lo) / (hi - lo) : 0) * 3
    out[r * 3] = JET_LUT[k]
    out[r * 3 + 1] = JET_LUT[k + 1]
    out[r * 3 + 2] = JET_LUT[k + 2]
  }
  return out
}

/** 1 for rows that are valid and score ≥ threshold, else 0. */
export function selectRows(scores: Float32Array, valid: Uint8Array, threshold: number): Uint8Array {
  const out = new Uint8Array(scores.length)
  for (let r = 0; r < scores.length; r++) out[r] = valid[r] && scores[r] >= threshold ? 1 : 0
  return out
}

/** Binary 8-bit mask of an id map: 255 where the pixel's row is selected, else 0. Returns the mask and its pixel count. */
export function renderMask(ids: Uint16Array, selected: Uint8Array): { data: Uint8Array; pixels: number } {
  const data = new Uint8Array(ids.length)
  let pixels = 0
  for (let i = 0; i < ids.length; i++) {
    if (selected[ids[i]]) {
      data[i] = 255
      pixels++
    }
  }
  return { data, pixels }
}

/** Nearest source index of each of `to` pixels of an axis `from` pixels long (pixel-centre rule). */
export function centreIndex(to: number, from: number): Int32Array {
  const out = new Int32Array(to)
  for (let x = 0; x < to; x++) out[x] = Math.min(Math.max(Math.round(((x + 0.5) * from) / to - 0.5), 0), from - 1)
  return out
}

/** An id map (or any W×H map) nearest-resized to w×h by the pixel-centre rule. */
export function resizeNearest<T extends Uint8Array | Uint16Array>(src: T, W: number, H: number, w: number, h: number): T {
  const xs = centreIndex(w, W)
  const ys = centreIndex(h, H)
  const out = new (src.constructor as { new (n: number): T })(w * h)
  for (let y = 0; y < h; y++) {
    const row = ys[y] * W
    for (let x = 0; x < w; x++) out[y * w + x] = src[row + xs[x]]
  }
  return out
}

/** How hits are drawn: the same in overlays, contact-sheet tiles and map snapshots. */
export interface HitStyle {
  /** Fixed colour of hits (the tint and the outline), RGB. */
  tint: readonly [number, number, number]
  /** Weight of the tint on hit pixels: (1 − a)·rgb + a·tint. */
  tintAlpha: number
  /** Factor on every pixel that is not a hit. */
  dim: number
  /** Outline width in pixels (a hit pixel within this Chebyshev distance of a non-hit pixel is drawn in the tint). */
  outline: number
}

/**
 * The default hit style: neon green (rare in indoor scenes, and the brightest hue, so it reads on
 * the dimmed rest of the image), 25 % on the hit so the object's own colour stays recognisable,
 * the rest at 40 % brightness, a 2-pixel outline.
 */
export const HIT_STYLE: HitStyle = { tint: [57, 255, 20], tintAlpha: 0.25, dim: 0.4, outline: 2 }

/**
 * The inner contour of a binary W×H mask: 1 on mask pixels that have a non-mask pixel within
 * Chebyshev distance `width` (pixels outside the image do not count, so a region touching the
 * border is not outlined along it). A separable max filter of the complement: O(W·H·width).
 */
export function outlineMask(mask: Uint8Array, W: number, H: number, width: number): Uint8Array {
  const out = new Uint8Array(W * H)
  if (width <= 0) return out
  const rowMax = new Uint8Array(W * H)
  for (let y = 0; y < H; y++) {
    const o = y * W
    for (let x = 0; x < W; x++) {
      let any = 0
      for (let k = Math.max(0, x - width), e = Math.min(W - 1, x + width); k <= e && !any; k++) if (!mask[o + k]) any = 1
      rowMax[o + x] = any
    }
  }
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x
      if (!mask[p]) continue
      for (let k = Math.max(0, y - width), e = Math.min(H - 1, y + width); k <= e; k++) {
        if (rowMax[k * W + x]) {
          out[p] = 1
          break
        }
      }
    }
  }
  return out
}

/**
 * Shades a W×H×3 picture in place by a hit mask (1 = hit): inner contour pixels (see outlineMask)
 * become the tint, other hit pixels (1 − a)·rgb + a·tint, every other pixel dim·rgb (all rounded).
 */
export function shadeHits(data: Uint8Array, hit: Uint8Array, W: number, H: number, style: HitStyle = HIT_STYLE): Uint8Array {
  const edge = outlineMask(hit, W, H, style.outline)
  const [t0, t1, t2] = style.tint
  const a = style.tintAlpha
  for (let p = 0, o = 0; p < W * H; p++, o += 3) {
    if (edge[p]) {
      data[o] = t0
      data[o + 1] = t1
      data[o + 2] = t2
    } else if (hit[p]) {
      data[o] = Math.round((1 - a) * data[o] + a * t0)
      data[o + 1] = Math.round((1 - a) * data[o + 1] + a * t1)
      data[o + 2] = Math.round((1 - a) * data[o + 2] + a * t2)
    } else {
      data[o] = Math.round(style.dim * data[o])
      data[o + 1] = Math.round(style.dim * data[o + 1])
      data[o + 2] = Math.round(style.dim * data[o + 2])
    }
  }
  return data
}

/**
 * The hit picture at the id map's W×H: the frame colour (nearest-resized to W×H when its size
 * differs), shaded by shadeHits where the pixel's row is selected. Returns the H×W×3 picture and
 * the W×H hit mask (1 = hit).
 */
export function renderHits(ids: Uint16Array, W: number, H: number, rgb: RgbImage, selected: Uint8Array, style: HitStyle = HIT_STYLE): { data: Uint8Array; hit: Uint8Array } {
  const [rh, rw] = rgb.shape
  const xs = centreIndex(W, rw)
  const ys = centreIndex(H, rh)
  const hit = new Uint8Array(W * H)
  const data = new Uint8Array(W * H * 3)
  for (let y = 0; y < H; y++) {
    const srcRow = ys[y] * rw
    for (let x = 0; x < W; x++) {
      const p = y * W + x
      const s = (srcRow + xs[x]) * 3
      hit[p] = selected[ids[p]] ? 1 : 0
      data[p * 3] = rgb.data[s]
      data[p * 3 + 1] = rgb.data[s + 1]
      data[p * 3 + 2] = rgb.data[s + 2]
    }
  }
  return { data: shadeHits(data, hit, W, H, style), hit }
}
