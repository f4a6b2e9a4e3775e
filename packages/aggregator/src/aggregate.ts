import { fail, type FeatureGrid, type MaskSet, type SemanticMemory2D, type TensorBackend } from '@plaf/core'
import { axisSampling } from './kernels/axis-sampling.js'
import { accumulateBackground, backgroundCells, nearestCells, type BackgroundCells } from './kernels/background-cells.js'
import { innerProductTables } from './kernels/inner-products.js'
import { inverseNorms } from './kernels/inverse-norms.js'
import { accumulateMaskWeights } from './kernels/mask-weights.js'
import { orderMasks } from './kernels/mask-order.js'
import { pixelSumsFromTables } from './kernels/pixel-sums.js'
import { paintOverlapSets, type OverlapSets } from './kernels/overlap-sets.js'

/** Options of the `mask-mean` aggregator (the YAML `with:` block). */
export interface MaskMeanOptions {
  /**
   * Which id an overlapped pixel gets. `smallest-wins` / `largest-wins`: one of its masks';
   * `average`: the id of its set of masks, whose row is the renormalised mean of their rows.
   */
  overlap: 'smallest-wins' | 'largest-wins' | 'average'
  /** Masks with fewer pixels (by their `area`) are dropped before ids are assigned. */
  min_area: number
  /** Pixels no mask covers: `none` keeps id 0 (zero row); `patch` groups them by nearest patch cell, one row per cell. */
  background: 'none' | 'patch'
  /**
   * Where the backbone's language adaptor runs when the grid carries it separately
   * (`FeatureGrid.adaptor`). `before-average` (official): on every patch token, i.e. the grid as
   * given is averaged. `after-average`: the backbone's own features are averaged per mask, and
   * the adaptor maps each mean. Absent: `before-average` (callers from before the option).
   */
  adaptor?: 'before-average' | 'after-average'
}

/** The adaptor `after-average` applies to the K (+ background) means: n×C rows in, n×D rows out. */
export interface RowAdaptor {
  readonly inDim: number
  readonly outDim: number
  apply(rows: Float32Array, n: number): Promise<Float32Array>
}

/** The official defaults. */
export const MASK_MEAN_DEFAULTS: Readonly<MaskMeanOptions> = { overlap: 'smallest-wins', min_area: 0, background: 'none', adaptor: 'before-average' }

/** The largest id a uint16 id map can hold. */
const MAX_IDS = 0xffff

/**
 * PLAF eqs. (1)–(2), exactly as the official code computes them, without the H×W×D tensor.
 *
 * The official path upsamples the h×w×D grid bilinearly to H×W, L2-normalises every pixel,
 * averages each mask's pixels and L2-normalises the mean. The mean is linear in the grid cells
 * once each pixel's bilinear weights are divided by its norm n(p), and n(p) comes from five
 * inner-product tables of the grid. So each mask becomes one row of h·w weights, and all masks
 * are one rows×(h·w) · (h·w)×D product on the tensor seam, then a row normalisation.
 *
 * Ids 1..K follow area order (largest first, stable); row 0 is zeros; masks with no pixels get
 * a zero row and paint nothing; a mask hidden under smaller ones keeps its row. With
 * `background: patch` ids K+1..K+B are the patch cells owning uncovered pixels (row-major);
 * with `overlap: average` the overlap sets follow. `frame` only names the frame in errors.
 *
 * `adaptor: after-average` runs all of this on the grid before the language adaptor
 * (`grid.adaptor.data`, width C) and passes each non-zero mean row through `adaptor` (C → D)
 * before the row normalisation; zero rows (row 0, empty masks) stay zero. Overlap-set rows are
 * then formed from the projected unit rows as usual.
 */
export async function aggregateMasks(
  grid: FeatureGrid, maskSet: MaskSet, options: MaskMeanOptions, tensor: TensorBackend, frame?: string, adaptor?: RowAdaptor,
): Promise<SemanticMemory2D> {
  const [h, w, d] = grid.shape
  const after = options.adaptor === 'after-average'
  if (after && (!grid.adaptor || !adaptor)) {
    fail('PLAF_INVALID_OPTION', `adaptor: after-average needs a grid that carries its backbone features and language adaptor separately${grid.adaptor ? ', and the adaptor' : ` (this ${grid.space} grid does not)`}`, {
      frame, expected: 'FeatureGrid.adaptor and an opened adaptor', actual: grid.adaptor ? 'no adaptor given' : 'no FeatureGrid.adaptor',
    })
  }
  if (after && (adaptor!.inDim !== grid.adaptor!.dim || adaptor!.outDim !== d)) {
    fail('PLAF_INPUT_INVALID', `the adaptor of ${grid.adaptor!.model} maps ${adaptor!.inDim} → ${adaptor!.outDim}, but the grid's backbone features are ${grid.adaptor!.dim} wide and its features ${d}`, {
      frame, expected: `${grid.adaptor!.dim} → ${d}`, actual: `${adaptor!.inDim} → ${adaptor!.outDim}`,
    })
  }
  // The values averaged: the grid itself, or (after-average) the grid before the adaptor.
  const source = after ? grid.adaptor!.data : grid.data
  const c = after ? grid.adaptor!.dim : d
  const H = maskSet.height
  const W = maskSet.width
  const [gh, gw] = grid.transform.imageSize
  if (gh !== H || gw !== W) {
    fail('PLAF_INPUT_INVALID', `the feature grid maps a ${gw}×${gh} image but the masks are ${W}×${H}`, {
      frame, expected: `${gw}×${gh}`, actual: `${W}×${H}`,
    })
  }
  const masks = maskSet.masks
  const ordered = orderMasks(masks, options.min_area)
  const k = ordered.length
  const tooMany = (n: number, what: string): never =>
    fail('PLAF_INPUT_INVALID', `${n} ${what} do not fit a uint16 id map (at most ${MAX_IDS}); raise min_area`, { frame, expected: `≤ ${MAX_IDS}`, actual: String(n) })
  if (k > MAX_IDS) tooMany(k, 'masks')
  const background = options.background ?? 'none'
  if (k === 0 && background === 'none') {
    return { ids: { data: new Uint16Array(H * W), shape: [H, W] }, features: { data: new Float32Array(d), shape: [1, d] }, space: grid.space }
  }

  const { ax, bx, ay, by } = grid.transform
  const xs = axisSampling(W, ax, bx, w)
  const ys = axisSampling(H, ay, by, h)
  const tables = innerProductTables(source, h, w, c)
  const sums = pixelSumsFromTables(tables, w, ys, xs)
  const cells = h * w
  const sets: OverlapSets | null = options.overlap === 'average' ? paintOverlapSets(masks, ordered, W, H) : null
  const painted = sets ? null : new Uint16Array(W * H)
  const counts = new Float64Array(k)
  const maskRows = new Float64Array((k + 1) * cells)
  // One pass per mask over its bbox, painting as it goes: smallest-wins paints ids 1..K in order
  // (later, smaller masks overwrite), largest-wins paints K..1.
  for (let i = 0; i < k; i++) {
    const n = options.overlap === 'largest-wins' ? k - 1 - i : i
    counts[n] = accumulateMaskWeights(masks[ordered[n]], sums, W, ys, xs, w, maskRows, (n + 1) * cells, painted ?? undefined, n + 1)
  }
  const idsSoFar = sets ? sets.ids : painted!
  const bg: BackgroundCells | null = background === 'patch'
    ? backgroundCells(idsSoFar, W, H, nearestCells(W, ax, bx, w), nearestCells(H, ay, by, h), w, h)
    : null
  const b = bg ? bg.cells.length : 0
  const s = sets ? sets.members.length : 0
  const total = k + b + s
  if (total > MAX_IDS) tooMany(total, `ids (${k} masks, ${b} background cells, ${s} overlap sets)`)

  const rows = k + 1 + b
  const acc = new Float32Array(rows * cells)
  // Dividing by |M_k| makes the row the mean itself; the normalisation below would hide it.
  for (let n = 0; n < k; n++) scaleInto(maskRows, (n + 1) * cells, cells, counts[n], acc)
  if (bg) {
    const bgRows = new Float64Array(b * cells)
    const bgCounts = new Float64Array(b)
    accumulateBackground(bg, inverseNorms(tables, w, ys, xs), W, ys, xs, w, bgRows, 0, cells, bgCounts)
    for (let r = 0; r < b; r++) scaleInto(bgRows, r * cells, cells, bgCounts[r], acc, (k + 1 + r) * cells)
  }
  const means = await tensor.matmul(acc, source, rows, cells, c)
  const table = after ? await projectRows(means, rows, c, d, adaptor!) : means
  await tensor.normalizeRows(table, rows, d)
  const features = s > 0 ? withSetRows(table, rows, d, sets!.members) : table
  const ids = finalIds(idsSoFar, bg, k, b)
  return { ids: { data: ids, shape: [H, W] }, features: { data: features, shape: [rows + s, d] }, space: grid.space }
}

/** rows×D: `adaptor` on every row of the rows×C `means` that is not all zeros (those stay zero). */
async function projectRows(means: Float32Array, rows: number, c: number, d: number, adaptor: RowAdaptor): Promise<Float32Array> {
  const live: number[] = []
  for (let r = 0; r < rows; r++) {
    for (let j = r * c, end = j + c; j < end; j++) {
      if (means[j] !== 0) {
        live.push(r)
        break
      }
    }
  }
  const packed = new Float32Array(live.length * c)
  live.forEach((r, i) => packed.set(means.subarray(r * c, (r + 1) * c), i * c))
  const projected = await adaptor.apply(packed, live.length)
  const out = new Float32Array(rows * d)
  live.forEach((r, i) => out.set(projected.subarray(i * d, (i + 1) * d), r * d))
  return out
}

/** Writes src[from..from+n) / count into dst at `to` (default `from`); a zero count leaves zeros. */
function scaleInto(src: Float64Array, from: number, n: number, count: number, dst: Float32Array, to = from): void {
  if (count === 0) return
  const inv = 1 / count
  for (let i = 0; i < n; i++) dst[to + i] = src[from + i] * inv
}

/** Appends one row per overlap set: the L2-normalised sum (so mean) of its members' unit rows. */
function withSetRows(table: Float32Array, rows: number, d: number, members: readonly number[][]): Float32Array {
  const out = new Float32Array((rows + members.length) * d)
  out.set(table)
  const sum = new Float64Array(d)
  for (let si = 0; si < members.length; si++) {
    sum.fill(0)
    for (const id of members[si]) for (let j = 0, o = id * d; j < d; j++) sum[j] += table[o + j]
    let n2 = 0
    for (let j = 0; j < d; j++) n2 += sum[j] * sum[j]
    if (n2 === 0) continue
    const inv = 1 / Math.sqrt(n2)
    for (let j = 0, o = (rows + si) * d; j < d; j++) out[o + j] = sum[j] * inv
  }
  return out
}

/** The final uint16 id map: background pixels get K+1+row of their cell; overlap-set ids shift past the background rows. */
function finalIds(ids: Uint16Array | Uint32Array, bg: BackgroundCells | null, k: number, b: number): Uint16Array {
  if (!bg && ids instanceof Uint16Array) return ids
  const out = ids instanceof Uint16Array ? ids : new Uint16Array(ids.length)
  for (let p = 0; p < ids.length; p++) {
    const v = ids[p]
    if (v === 0) out[p] = bg ? k + 1 + bg.rowOf[bg.cellOf[p]] : 0
    else out[p] = v > k ? v + b : v
  }
  return out
}
