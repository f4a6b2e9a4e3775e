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
function centreIndex(to: number, from: number): Int32Array {
  const out = new Int32Array(to)
  for (let x = 0; x < to; x++) out[x] = Math.min(Math.max(Math.round(((x + 0.5) * from) / to - 0.5), 0), from - 1)
  return out
}

/**
 * RGB overlay at the id map's W×H: the frame colour (nearest-resized to W×H when its size
 * differs) blended (1 − alpha)·rgb + alpha·heat on pixels whose row is valid; other pixels keep
 * the frame colour. `rowColors` is rows×3 (see heatColors). Returns H×W×3 uint8.
 */
export function renderOverlay(
  ids: Uint16Array, W: number, H: number, rgb: RgbImage, rowColors: Uint8Array, valid: Uint8Array, alpha: number,
): Uint8Array {
  const [rh, rw] = rgb.shape
  const xs = centreIndex(W, rw)
  const ys = centreIndex(H, rh)
  const out = new Uint8Array(W * H * 3)
  for (let y = 0; y < H; y++) {
    const srcRow = ys[y] * rw
    for (let x = 0; x < W; x++) {
      const p = y * W + x
      const s = (srcRow + xs[x]) * 3
      const o = p * 3
      const id = ids[p]
      if (!valid[id]) {
        out[o] = rgb.data[s]
        out[o + 1] = rgb.data[s + 1]
        out[o + 2] = rgb.data[s + 2]
        continue
      }
      const c = id * 3
      for (let k = 0; k < 3; k++) out[o + k] = Math.round((1 - alpha) * rgb.data[s + k] + alpha * rowColors[c + k])
    }
  }
  return out
}
