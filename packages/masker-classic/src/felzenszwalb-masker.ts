import { defineStage, type OptionsSchema } from '@plaf/core'
import { felzenszwalb, type FelzenszwalbParams } from './felzenszwalb.js'
import { segmentationRun } from './segmentation-masker.js'
import { VERSION } from './version.js'

/** Options of the `felzenszwalb` masker. */
export type FelzenszwalbOptions = FelzenszwalbParams

const options: OptionsSchema<FelzenszwalbOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sigma: { type: 'number', minimum: 0, default: 0.8, description: 'Gaussian smoothing σ in pixels before building the graph (values below 0.01 disable smoothing).' },
    k: { type: 'number', exclusiveMinimum: 0, default: 500, description: 'Scale parameter k of the threshold τ(C) = k/|C|: larger k gives larger segments.' },
    min_size: { type: 'integer', minimum: 1, default: 50, description: 'Segments smaller than this many pixels (at the segmented size) are merged into a neighbour.' },
    max_side: { type: 'integer', minimum: 0, default: 640, description: 'Segment an area-downscaled copy whose longer side is this many pixels when the image is larger, then upsample the labels (nearest); 0 = always full size.' },
    edge_strips: {
      type: 'string', enum: ['reassign', 'keep'], default: 'reassign',
      description: 'reassign: pixels in parts of a segment less than 3 px wide (the strips σ-smoothing leaves along sharp edges) move to the nearby segment whose mean unsmoothed colour is nearest; keep: the reference code\'s segments unchanged.',
    },
  },
}

/**
 * `felzenszwalb`: Felzenszwalb–Huttenlocher graph-based segmentation as a class-agnostic masker.
 * One mask per segment; masks are disjoint and cover the image. predictedIou and stabilityScore
 * are 1 (not scored).
 */
export const felzenszwalbMasker = defineStage<FelzenszwalbOptions, { frame: 'Frame' }, { masks: 'MaskSet' }>({
  name: 'felzenszwalb',
  kind: 'masker',
  version: VERSION,
  package: '@plaf/masker-classic',
  description: 'Felzenszwalb–Huttenlocher graph-based segmentation (IJCV 2004): one disjoint mask per segment.',
  options,
  inputs: { frame: 'Frame' },
  outputs: { masks: 'MaskSet' },
  cacheable: true,
  async create(opts, ctx) {
    return { run: segmentationRun('felzenszwalb', felzenszwalb, opts, ctx) }
  },
})
