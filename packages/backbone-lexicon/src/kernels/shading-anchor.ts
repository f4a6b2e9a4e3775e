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
  /** Per surface root: brightest channel sum of an interior pixel. */
  top: Float32Array
  /** Candidate edges (2·pixel + 0 right / 1 down), their buckets, and the edges sorted by bucket. */
  edges: Int32Array
  bucketOf: Uint8Array
  sorted: Int32Array
  counts: Int32Array
}

/** Chromaticity-difference buckets of the join order (0 to `chroma` in 32 steps). */
const BUCKETS = 32

/** Allocates a work space for `pixels` pixels (70 bytes a pixel: 18.4 MB at 512²). */
export function shadingWorkspace(pixels: number): ShadingWorkspace {
  return {
    pixels,
    sum: new Float32Array(pixels),
    chr: new Float32Array(3 * pixels),
    parent: new Int32Array(pixels),
    size: new Int32Array(pixels),
    acc: new Float64Array(3 * pixels),
    top: new Float32Array(pixels),
    edges: new Int32Array(2 * pixels),
    bucketOf: new Uint8Array(2 * pixels),
    sorted: new Int32Array(2 * pixels),
    counts: new Int32Array(BUCKETS + 1),
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
 * by size, closest chromaticities first; a join also needs the two surfaces' mean chromaticities within `chroma`, so a slow
 * drift cannot chain distinct colours). Each pixel is then scaled up to its surface's brightest
 * interior intensity (pixels 2 px from the surface's edge), by at most `maxGain`: a face in
 * shade is named as its lit face.
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
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const r = img[j], g = img[j + 1], b = img[j + 2]
    const s = r + g + b
    sum[i] = s
    parent[i] = i
    size[i] = 1
    const inv = s > 0 ? 1 / s : 0
    chr[j] = acc[j] = r * inv
    chr[j + 1] = acc[j + 1] = g * inv
    chr[j + 2] = acc[j + 2] = b * inv
  }
  const { maxGain, step, chroma, minSum } = opts
  // 1. Candidate edges (right and lower neighbour) that shading could explain, bucketed by their
  // chromaticity difference: the closest pairs join first (as in Felzenszwalb & Huttenlocher's
  // graph segmentation), so surfaces are whole before a weak link across a boundary is weighed.
  const { edges, bucketOf, counts } = work
  counts.fill(0)
  let m = 0
  for (let y = 0; y < h; y++) {
    const down = y + 1 < h
    for (let x = 0, p = y * w; x < w; x++, p++) {
      const sp = sum[p]
      if (sp < minSum) continue
      if (x + 1 < w) {
        const bucket = edgeBucket(sum, chr, p, p + 1, sp, step, chroma, minSum)
        if (bucket >= 0) {
          edges[m] = 2 * p
          bucketOf[m++] = bucket
          counts[bucket]++
        }
      }
      if (down) {
        const bucket = edgeBucket(sum, chr, p, p + w, sp, step, chroma, minSum)
        if (bucket >= 0) {
          edges[m] = 2 * p + 1
          bucketOf[m++] = bucket
          counts[bucket]++
        }
      }
    }
  }
  // counting sort, stable: raster order within a bucket
  for (let i = 0, at = 0; i <= BUCKETS; i++) {
    const c = i < BUCKETS ? counts[i] : 0
    counts[i] = at
    at += c
  }
  const sorted = work.sorted
  for (let e = 0; e < m; e++) sorted[counts[bucketOf[e]]++] = edges[e]
  // 2. Joins, closest first; a join also needs the two surfaces' mean chromaticities within `chroma`.
  for (let e = 0; e < m; e++) {
    const code = sorted[e]
    const p = code >> 1
    let a = find(parent, p), b = find(parent, (code & 1) === 0 ? p + 1 : p + w)
    if (a === b) continue
    const na = size[a], nb = size[b]
    const ja = 3 * a, jb = 3 * b
    if (
      Math.abs(acc[ja] / na - acc[jb] / nb) > chroma ||
      Math.abs(acc[ja + 1] / na - acc[jb + 1] / nb) > chroma ||
      Math.abs(acc[ja + 2] / na - acc[jb + 2] / nb) > chroma
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
  }
  // 3. Each surface's anchor: its brightest interior pixel, one whose neighbours up to 2 pixels
  // away in the 4 directions are on the same surface. Edge pixels are left out: there the sensor,
  // the codec's chroma subsampling and the resize mix two surfaces, and a few pixels of a brighter
  // neighbour with a chromaticity between the two must not set a surface's lightness.
  for (let i = 0; i < n; i++) {
    // parents are flattened in index order, so a parent below i already points at its root
    const q = parent[i]
    parent[i] = q < i ? parent[q] : find(parent, q)
  }
  top.fill(0, 0, n)
  for (let y = 2; y < h - 2; y++) {
    for (let x = 2, i = y * w + 2; x < w - 2; x++, i++) {
      const r = parent[i]
      if (sum[i] < minSum || sum[i] <= top[r]) continue
      if (parent[i - 1] !== r || parent[i - 2] !== r || parent[i + 1] !== r || parent[i + 2] !== r) continue
      if (parent[i - w] !== r || parent[i - 2 * w] !== r || parent[i + w] !== r || parent[i + 2 * w] !== r) continue
      top[r] = sum[i]
    }
  }
  for (let i = 0, c = 0; i < n; i++, c += 3) {
    const s = sum[i]
    const t = top[parent[i]]
    if (s >= minSum && t > s) {
      let g = t / s
      if (g > maxGain) g = maxGain
      const v0 = img[c] * g, v1 = img[c + 1] * g, v2 = img[c + 2] * g
      out[c] = v0 > 255 ? 255 : v0
      out[c + 1] = v1 > 255 ? 255 : v1
      out[c + 2] = v2 > 255 ? 255 : v2
    } else if (out !== img) {
      out[c] = img[c] > 255 ? 255 : img[c]
      out[c + 1] = img[c + 1] > 255 ? 255 : img[c + 1]
      out[c + 2] = img[c + 2] > 255 ? 255 : img[c + 2]
    } else {
      if (img[c] > 255) out[c] = 255
      if (img[c + 1] > 255) out[c + 1] = 255
      if (img[c + 2] > 255) out[c + 2] = 255
    }
  }
  return out
}

/**
 * Bucket (0..BUCKETS−1) of the candidate edge p–q, or −1 when shading cannot explain it: q too
 * dark, an intensity step beyond `step`, or chromaticities more than `chroma` apart.
 */
function edgeBucket(sum: Float32Array, chr: Float32Array, p: number, q: number, sp: number, step: number, chroma: number, minSum: number): number {
  const sq = sum[q]
  if (sq < minSum || sp > step * sq || sq > step * sp) return -1
  const jp = 3 * p, jq = 3 * q
  const dc = Math.max(Math.abs(chr[jp] - chr[jq]), Math.abs(chr[jp + 1] - chr[jq + 1]), Math.abs(chr[jp + 2] - chr[jq + 2]))
  if (dc > chroma) return -1
  return Math.min(BUCKETS - 1, Math.floor((dc / chroma) * BUCKETS))
}
