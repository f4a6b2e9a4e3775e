import { defineStage, fail, type FeatureGrid, type OptionsSchema, type SemanticMemory2D } from '@plaf/core'
import { axisSampling } from '../kernels/axis-sampling.js'
import { VERSION } from '../version.js'

/** Options of the `pixel` baseline aggregator. */
export interface PixelOptions {
  /** Refuse a frame whose H·W·D (one float32 per pixel and channel) exceeds this. */
  max_values: number
}

/** 2^26 float32 values: a 256 MB table (about 58 k pixels at D = 1152). */
export const PIXEL_DEFAULTS: Readonly<PixelOptions> = { max_values: 2 ** 26 }

/** The largest row count a uint16 id map can address (ids 1..65,535). */
const MAX_PIXELS = 0xffff

/**
 * The ConceptFusion-style dense baseline: every pixel keeps its own bilinearly upsampled
 * (align_corners=False), L2-normalised feature. Pixel p (row-major) gets id p + 1 and row p + 1;
 * row 0 stays zero. Refuses (PLAF_INPUT_INVALID) images above 65,535 pixels (the uint16 id map)
 * or above `maxValues` = H·W·D. `frame` only names the frame in errors.
 */
export function pixelMemory(grid: FeatureGrid, maxValues: number, frame?: string): SemanticMemory2D {
  const [h, w, d] = grid.shape
  const [H, W] = grid.transform.imageSize
  const n = H * W
  if (n > MAX_PIXELS || n * d > maxValues) {
    const ids = n > MAX_PIXELS
    fail('PLAF_INPUT_INVALID', `the pixel baseline keeps one feature per pixel: ${W}×${H}×${d} is too large`, {
      frame,
      expected: ids ? `H·W ≤ ${MAX_PIXELS} (one uint16 id per pixel)` : `H·W·D ≤ max_values = ${maxValues}`,
      actual: `H·W = ${n}, H·W·D = ${n * d}`,
      hint: ids
        ? 'use it on small images (resize the input to at most 65,535 pixels, e.g. 180×240), or use mask-mean'
        : 'raise max_values if the memory is there, use smaller images, or use mask-mean',
    })
  }
  const xs = axisSampling(W, grid.transform.ax, grid.transform.bx, w)
  const ys = axisSampling(H, grid.transform.ay, grid.transform.by, h)
  const f = grid.data
  const table = new Float32Array((n + 1) * d)
  const ids = new Uint16Array(n)
  for (let y = 0; y < H; y++) {
    const r0 = ys.i0[y] * w
    const r1 = ys.i1[y] * w
    const ty = ys.t[y]
    for (let x = 0; x < W; x++) {
      const tx = xs.t[x]
      const w00 = (1 - ty) * (1 - tx)
      const w01 = (1 - ty) * tx
      const w10 = ty * (1 - tx)
      const w11 = ty * tx
      const a = (r0 + xs.i0[x]) * d
      const b = (r0 + xs.i1[x]) * d
      const c = (r1 + xs.i0[x]) * d
      const e = (r1 + xs.i1[x]) * d
      const p = y * W + x
      const o = (p + 1) * d
      let n2 = 0
      for (let k = 0; k < d; k++) {
        const v = w00 * f[a + k] + w01 * f[b + k] + w10 * f[c + k] + w11 * f[e + k]
        table[o + k] = v
        n2 += v * v
      }
      // torch F.normalize: divide by max(‖v‖, 1e-12).
      const inv = 1 / Math.max(Math.sqrt(n2), 1e-12)
      for (let k = 0; k < d; k++) table[o + k] *= inv
      ids[p] = p + 1
    }
  }
  return { ids: { data: ids, shape: [H, W] }, features: { data: table, shape: [n + 1, d] }, space: grid.space }
}

const options: OptionsSchema<PixelOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    max_values: {
      type: 'integer',
      minimum: 1,
      default: PIXEL_DEFAULTS.max_values,
      description: 'Largest H·W·D (float32 values) a frame may need; larger frames are refused. Images above 65,535 pixels are always refused (uint16 ids).',
    },
  },
}

/** `pixel`: the dense per-pixel baseline (ConceptFusion-style), as a SemanticMemory2D with one row per pixel. */
export const pixelAggregator = defineStage<PixelOptions, { features: 'FeatureGrid' }, { memory: 'SemanticMemory2D' }>({
  name: 'pixel',
  kind: 'aggregator',
  version: VERSION,
  package: '@plaf/aggregator',
  description: 'Baseline: every pixel keeps its own upsampled, L2-normalised feature (ConceptFusion-style dense path); small images only.',
  options,
  inputs: { features: 'FeatureGrid' },
  outputs: { memory: 'SemanticMemory2D' },
  cacheable: true,
  async create(opts) {
    return {
      async run({ features }, rc) {
        const memory = pixelMemory(features, opts.max_values, rc.frame?.id)
        rc.metric('rows', memory.features.shape[0] - 1)
        return { memory }
      },
    }
  },
})
