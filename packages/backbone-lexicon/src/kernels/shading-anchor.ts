/** Parameters of the shading discount (see `anchorShading`). */
export interface ShadingAnchorOptions {
  /** Largest brightness gain: 1/0.7, a face down to 70 % of its surface's brightest part is restored. */
  maxGain: number
  /** Largest intensity ratio between neighbours still taken for shading (≥ maxGain: sensor noise on top). */
  step: number
  /** Largest chromaticity difference (L∞ over r, g, b = channel / sum) within one surface. */
  chroma: number
  /** Pixels whose channel sum is below this have no reliable chromaticity: never anchored. */
  minSum: number
}

/**
 * Defaults. `maxGain` 1/0.7: the shading range named correctly (factors 0.7–1.0, checked in
 * test/kernels/shading-anchor.test.ts). `step` 1/0.65: a face at 0.7 with ±2 levels of noise on
 * a dark colour still joins its lit face. `chroma` 0.02: twice the chromaticity change that ±2
 * levels of sensor noise cause on a dark saturated colour (sum 140), so noise never splits a
 * surface while distinct survey colours of one term (≥ 0.03 apart for most pairs) stay apart.
 * `minSum` 60: below it ±2 levels move chromaticity by more than `chroma`.
 */
export const SHADING_ANCHOR: Readonly<ShadingAnchorOptions> = Object.freeze({ maxGain: 1 / 0.7, step: 1 / 0.65, chroma: 0.02, minSum: 60 })

/** Work space of `anchorShading` for images of up to `pixels` pixels (reuse it across frames). */
export interface ShadingWorkspace {
  pixels: number
  sum: Float32Array
  chr: Float32Array
  parent: Int32Array
  size: Int32Array
  /** Per surface root: summed chromaticity. */
  acc: Float64Array
  /** Per surface root: brightest channel sum. */
  top: Float32Array
}

/** Allocates a work space for `pixels` pixels (52 bytes a pixel: 13.6 MB at 512²). */
export function shadingWorkspace(pixels: number): ShadingWorkspace {
  return {
    pixels,
    sum: new Float32Array(pixels),
    chr: new Float32Array(3 * pixels),
    parent: new Int32Array(pixels),
    size: new Int32Array(pixels),
    acc: new Float64Array(3 * pixels),
    top: new Float32Array(pixels),
  }
}

function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    const up = parent[parent[i]]
    parent[i] = up
    i = up
  }
  return i
}

/**
 * Colour constancy for shading (Retinex, Land & McCann 1971; chromaticity edges as reflectance
 * edges, Funt, Drew & Brockington 1992; anchoring, Gilchrist et al. 1999): shading scales a
 * surface's colour and keeps its chromaticity, a change of material changes chromaticity or
 * steps intensity by more than shading does. Neighbouring pixels (4-connected) of the same
 * chromaticity whose intensities differ by at most `step` are joined into one surface (union
 * by size; a join also needs the two surfaces' mean chromaticities within `chroma`, so a slow
 * drift cannot chain distinct colours). Each pixel is then scaled to its surface's brightest
 * intensity, by at most `maxGain`: a face in shade is named as its lit face.
 *
 * @param img h×w×3 float RGB in [0, 255] (sRGB values; a scale of them keeps chromaticity).
 * @param out h×w×3 result (may be `img`); channels clamped to 255.
 * @param work reusable work space (one is allocated when not given).
 */
export function anchorShading(
  img: Float32Array,
  h: number,
  w: number,
  opts: ShadingAnchorOptions = SHADING_ANCHOR,
  out: Float32Array = new Float32Array(img.length),
  work: ShadingWorkspace = shadingWorkspace(h * w),
): Float32Array {
  const n = h * w
  if (work.pixels < n) throw new RangeError(`shading work space holds ${work.pixels} pixels, the image has ${n}`)
  const { sum, chr, parent, size, acc, top } = work
  for (let i = 0; i < n; i++) {
    const r = img[3 * i], g = img[3 * i + 1], b = img[3 * i + 2]
    const s = r + g + b
    sum[i] = s
    parent[i] = i
    size[i] = 1
    top[i] = s
    const inv = s > 0 ? 1 / s : 0
    chr[3 * i] = acc[3 * i] = r * inv
    chr[3 * i + 1] = acc[3 * i + 1] = g * inv
    chr[3 * i + 2] = acc[3 * i + 2] = b * inv
  }
  const { maxGain, step, chroma, minSum } = opts
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x
      const sp = sum[p]
      if (sp < minSum) continue
      for (let k = 0; k < 2; k++) {
        if (k === 0 ? x + 1 >= w : y + 1 >= h) continue
        const q = k === 0 ? p + 1 : p + w
        const sq = sum[q]
        if (sq < minSum || sp > step * sq || sq > step * sp) continue
        if (Math.abs(chr[3 * p] - chr[3 * q]) > chroma || Math.abs(chr[3 * p + 1] - chr[3 * q + 1]) > chroma || Math.abs(chr[3 * p + 2] - chr[3 * q + 2]) > chroma) continue
        let a = find(parent, p), b = find(parent, q)
        if (a === b) continue
        const na = size[a], nb = size[b]
        if (
          Math.abs(acc[3 * a] / na - acc[3 * b] / nb) > chroma ||
          Math.abs(acc[3 * a + 1] / na - acc[3 * b + 1] / nb) > chroma ||
          Math.abs(acc[3 * a + 2] / na - acc[3 * b + 2] / nb) > chroma
        ) continue
        if (na < nb) {
          const t = a
          a = b
          b = t
        }
        parent[b] = a
        size[a] = na + nb
        acc[3 * a] += acc[3 * b]
        acc[3 * a + 1] += acc[3 * b + 1]
        acc[3 * a + 2] += acc[3 * b + 2]
        if (top[b] > top[a]) top[a] = top[b]
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const s = sum[i]
    let g = 1
    if (s >= minSum) {
      g = top[find(parent, i)] / s
      if (g > maxGain) g = maxGain
    }
    for (let c = 3 * i; c < 3 * i + 3; c++) {
      const v = img[c] * g
      out[c] = v > 255 ? 255 : v
    }
  }
  return out
}
