import { fail, type FeatureGrid, type MaskSet, type SemanticMemory2D, type TensorBackend } from '@plaf/core'
import { axisSampling } from './kernels/axis-sampling.js'
import { innerProductTables } from './kernels/inner-products.js'
import { inverseNorms } from './kernels/inverse-norms.js'
import { accumulateMaskWeights } from './kernels/mask-weights.js'
import { orderMasks } from './kernels/mask-order.js'
import { paintIds } from './kernels/paint-ids.js'

/** Options of the `mask-mean` aggregator (the YAML `with:` block). */
export interface MaskMeanOptions {
  /** Which mask owns an overlapped pixel in the id map; feature rows are unaffected. */
  overlap: 'smallest-wins' | 'largest-wins'
  /** Masks with fewer pixels (by their `area`) are dropped before ids are assigned. */
  min_area: number
}

/** The official defaults. */
export const MASK_MEAN_DEFAULTS: Readonly<MaskMeanOptions> = { overlap: 'smallest-wins', min_area: 0 }

/** The largest id a uint16 id map can hold. */
const MAX_IDS = 0xffff

/**
 * PLAF eqs. (1)–(2), exactly as the official code computes them, without the H×W×D tensor.
 *
 * The official path upsamples the h×w×D grid bilinearly to H×W, L2-normalises every pixel,
 * averages each mask's pixels and L2-normalises the mean. The mean is linear in the grid cells
 * once each pixel's bilinear weights are divided by its norm n(p), and n(p) comes from five
 * inner-product tables of the grid. So each mask becomes one row of h·w weights, and all masks
 * are one (K+1)×(h·w) · (h·w)×D product on the tensor seam, then a row normalisation.
 *
 * Ids 1..K follow area order (largest first, stable); row 0 is zeros; masks with no pixels get
 * a zero row and paint nothing; a mask hidden under smaller ones keeps its row.
 * `frame` only names the frame in errors.
 */
export async function aggregateMasks(
  grid: FeatureGrid, maskSet: MaskSet, options: MaskMeanOptions, tensor: TensorBackend, frame?: string,
): Promise<SemanticMemory2D> {
  const [h, w, d] = grid.shape
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
  if (k > MAX_IDS) {
    fail('PLAF_INPUT_INVALID', `${k} masks do not fit a uint16 id map (at most ${MAX_IDS}); raise min_area`, { frame })
  }
  const ids = paintIds(masks, ordered, W, H, options.overlap)
  const rows = k + 1
  if (k === 0) return { ids: { data: ids, shape: [H, W] }, features: { data: new Float32Array(d), shape: [1, d] }, space: grid.space }

  const { ax, bx, ay, by } = grid.transform
  const xs = axisSampling(W, ax, bx, w)
  const ys = axisSampling(H, ay, by, h)
  const invNorm = inverseNorms(innerProductTables(grid.data, h, w, d), w, ys, xs)
  const cells = h * w
  const acc = new Float64Array(rows * cells)
  for (let n = 0; n < k; n++) {
    const off = (n + 1) * cells
    const count = accumulateMaskWeights(masks[ordered[n]], invNorm, W, ys, xs, w, acc, off)
    // Dividing by |M_k| makes the row the mean itself; the normalisation below would hide it.
    if (count > 0) for (let c = off, e = off + cells; c < e; c++) acc[c] /= count
  }
  const features = await tensor.matmul(Float32Array.from(acc), grid.data, rows, cells, d)
  await tensor.normalizeRows(features, rows, d)
  return { ids: { data: ids, shape: [H, W] }, features: { data: features, shape: [rows, d] }, space: grid.space }
}
