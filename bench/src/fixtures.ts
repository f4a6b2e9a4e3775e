import { mulberry32, type FeatureGrid, type GridTransform, type Mask, type MaskSet, type SemanticMap3D, type TextEmbeddings } from '@plaf/core'

/** Embedding space id of every synthetic input, so the query functions accept them together. */
export const BENCH_SPACE = 'bench-synthetic'

/**
 * The transform of the official preprocessing: the H×W image is squashed to a square network
 * input and the h×w token grid is upsampled back to H×W with `F.interpolate(size=(H, W),
 * align_corners=False)`, i.e. grid coordinate gx = (w/W)·x + 0.5·w/W − 0.5.
 */
export function resizeTransform(H: number, W: number, h: number, w: number, input: [number, number] = [512, 512]): GridTransform {
  return { inputSize: input, imageSize: [H, W], ax: w / W, bx: (0.5 * w) / W - 0.5, ay: h / H, by: (0.5 * h) / H - 0.5 }
}

/** An h×w×D token grid of values in [-1, 1) plus a small common offset (so features are not centred at 0). */
export function syntheticGrid(seed: number, H: number, W: number, h: number, w: number, d: number): FeatureGrid {
  const rand = mulberry32(seed)
  const bias = new Float32Array(d)
  for (let k = 0; k < d; k++) bias[k] = (rand() - 0.5) * 0.5
  const data = new Float32Array(h * w * d)
  for (let c = 0, o = 0; c < h * w; c++) for (let k = 0; k < d; k++, o++) data[o] = rand() * 2 - 1 + bias[k]
  return { data, shape: [h, w, d], transform: resizeTransform(H, W, h, w), space: BENCH_SPACE }
}

/** Counts the set pixels of a bitmap. */
function countSet(bitmap: Uint8Array): number {
  let n = 0
  for (let i = 0; i < bitmap.length; i++) n += bitmap[i]
  return n
}

/** An ellipse or a rectangle with a few holes, drawn straight into its (image-clipped) bbox. */
function randomMask(rand: () => number, W: number, H: number, scale: number): Mask {
  const rx = Math.max(1, scale * W * (0.5 + rand()))
  const ry = Math.max(1, scale * H * (0.5 + rand()))
  const cx = rand() * W
  const cy = rand() * H
  const x0 = Math.max(0, Math.floor(cx - rx))
  const y0 = Math.max(0, Math.floor(cy - ry))
  const x1 = Math.min(W, Math.ceil(cx + rx))
  const y1 = Math.min(H, Math.ceil(cy + ry))
  const bw = Math.max(1, x1 - x0)
  const bh = Math.max(1, y1 - y0)
  const bitmap = new Uint8Array(bw * bh)
  const ellipse = rand() < 0.6
  // A hole punched out of the shape (as SAM masks of objects behind others have).
  const hx = cx + (rand() - 0.5) * rx
  const hy = cy + (rand() - 0.5) * ry
  const hr = rand() < 0.3 ? 0.3 * Math.min(rx, ry) : 0
  for (let j = 0; j < bh; j++) {
    const y = y0 + j
    for (let i = 0; i < bw; i++) {
      const x = x0 + i
      const u = (x - cx) / rx
      const v = (y - cy) / ry
      const inside = ellipse ? u * u + v * v <= 1 : Math.abs(u) <= 1 && Math.abs(v) <= 1
      const hole = (x - hx) ** 2 + (y - hy) ** 2 < hr * hr
      bitmap[j * bw + i] = inside && !hole ? 1 : 0
    }
  }
  // SAM's bbox is the tight box of the mask; keep the drawn box, it holds the whole shape.
  return { bbox: [x0, y0, bw, bh], area: countSet(bitmap), bitmap, predictedIou: 0.9, stabilityScore: 0.95 }
}

/**
 * K overlapping masks as bbox-cropped bitmaps, with a SAM-like size spread: a few large regions
 * (walls, floor: up to about a quarter of the image) and many small objects; at K = 100 the masks
 * cover the image about 2.75 times over (Σ|M_k| ≈ 2.75·H·W): SAM's whole/part/subpart masks overlap
 * like this, though the figure is a choice here, not measured on ScanNet.
 * Deterministic per seed.
 */
export function syntheticMasks(seed: number, W: number, H: number, k: number): MaskSet {
  const rand = mulberry32(seed)
  const masks: Mask[] = []
  for (let i = 0; i < k; i++) {
    // u² skews towards small masks; the first few are large.
    const u = rand()
    const scale = i < Math.max(1, Math.round(k / 20)) ? 0.2 + 0.2 * u : 0.02 + 0.16 * u * u
    masks.push(randomMask(rand, W, H, scale))
  }
  return { width: W, height: H, masks }
}

/** Σ_k |M_k|: the pixels the per-mask means visit. */
export function maskPixels(set: MaskSet): number {
  let n = 0
  for (const m of set.masks) n += m.area
  return n
}

/** `rows` unit-norm random rows of length d (a feature table or pool). */
export function unitRows(seed: number, rows: number, d: number): Float32Array {
  const rand = mulberry32(seed)
  const out = new Float32Array(rows * d)
  for (let r = 0; r < rows; r++) {
    let s = 0
    for (let k = r * d; k < r * d + d; k++) {
      out[k] = rand() * 2 - 1
      s += out[k] * out[k]
    }
    const inv = 1 / Math.sqrt(s)
    for (let k = r * d; k < r * d + d; k++) out[k] *= inv
  }
  return out
}

/**
 * A 3D map of N points referencing an M-row unit-norm pool. Refs come in runs (a mask's points
 * are back-projected together), positions and colours are random.
 */
export function syntheticMap(seed: number, n: number, m: number, d: number): SemanticMap3D {
  const rand = mulberry32(seed)
  const positions = new Float32Array(3 * n)
  const colors = new Uint8Array(3 * n)
  const refs = new Uint32Array(n)
  for (let i = 0; i < 3 * n; i++) {
    positions[i] = rand() * 8
    colors[i] = Math.floor(rand() * 256)
  }
  for (let i = 0; i < n;) {
    const ref = Math.floor(rand() * m)
    const run = 1 + Math.floor(rand() * 400)
    for (const e = Math.min(n, i + run); i < e; i++) refs[i] = ref
  }
  return { positions, colors, refs, pool: { data: unitRows(seed + 1, m, d), shape: [m, d] }, space: BENCH_SPACE }
}

/** Q random unit text embeddings in the bench space. */
export function syntheticTexts(seed: number, q: number, d: number): TextEmbeddings {
  const texts = Array.from({ length: q }, (_, i) => `query ${i}`)
  return { texts, data: unitRows(seed, q, d), shape: [q, d], space: BENCH_SPACE }
}
