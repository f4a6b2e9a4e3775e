import { defineStage, type FeatureGrid, type OptionsSchema, type SemanticMemory2D } from '@plaf/core'
import { nearestCells } from '../kernels/background-cells.js'
import { VERSION } from '../version.js'

/** Options of the `patch` baseline aggregator. */
export interface PatchOptions {
  /** L2-normalise each patch row (as the cosine querier expects); false keeps the raw patch features. */
  normalize: boolean
}

/** Defaults: normalised rows. */
export const PATCH_DEFAULTS: Readonly<PatchOptions> = { normalize: true }

/**
 * The RayFronts-style patch baseline: only the h×w patch features are kept (L2-normalised unless
 * `normalize` is false), as rows 1..h·w (row-major cells; row 0 zero). Each pixel's id is its nearest patch cell (the
 * cell its grid coordinate rounds to, clamped), so a query scores a pixel with its patch: the
 * patches are upsampled at query time, nearest-cell.
 */
export function patchMemory(grid: FeatureGrid, normalize = true): SemanticMemory2D {
  const [h, w, d] = grid.shape
  const [H, W] = grid.transform.imageSize
  const cells = h * w
  const table = new Float32Array((cells + 1) * d)
  table.set(grid.data, d)
  for (let c = 1; c <= cells && normalize; c++) {
    let n2 = 0
    for (let k = c * d, e = k + d; k < e; k++) n2 += table[k] * table[k]
    const inv = 1 / Math.max(Math.sqrt(n2), 1e-12)
    for (let k = c * d, e = k + d; k < e; k++) table[k] *= inv
  }
  const nx = nearestCells(W, grid.transform.ax, grid.transform.bx, w)
  const ny = nearestCells(H, grid.transform.ay, grid.transform.by, h)
  const ids = new Uint16Array(H * W)
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) ids[y * W + x] = ny[y] * w + nx[x] + 1
  return { ids: { data: ids, shape: [H, W] }, features: { data: table, shape: [cells + 1, d] }, space: grid.space }
}

const options: OptionsSchema<PatchOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    normalize: {
      type: 'boolean',
      default: PATCH_DEFAULTS.normalize,
      description: 'L2-normalise each patch row (what cosine queries expect); false keeps the raw patch features (linear probes).',
    },
  },
}

/** `patch`: the patch-level baseline (RayFronts-style), as a SemanticMemory2D with one row per patch cell. */
export const patchAggregator = defineStage<PatchOptions, { features: 'FeatureGrid' }, { memory: 'SemanticMemory2D' }>({
  name: 'patch',
  kind: 'aggregator',
  version: VERSION,
  package: '@plaf/aggregator',
  description: 'Baseline: patch-level features only (RayFronts-style), one row per patch cell; each pixel takes its nearest patch at query time.',
  options,
  inputs: { features: 'FeatureGrid' },
  outputs: { memory: 'SemanticMemory2D' },
  cacheable: true,
  async create(opts) {
    return {
      async run({ features }, rc) {
        rc.metric('rows', features.shape[0] * features.shape[1])
        return { memory: patchMemory(features, opts.normalize) }
      },
    }
  },
})
