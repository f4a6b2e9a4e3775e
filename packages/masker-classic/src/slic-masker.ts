import { defineStage, type OptionsSchema } from '@plaf/core'
import { segmentationRun } from './segmentation-masker.js'
import { slic, type SlicParams } from './slic.js'
import { VERSION } from './version.js'

/** Options of the `slic` masker. */
export type SlicOptions = SlicParams

const options: OptionsSchema<SlicOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    n_segments: { type: 'integer', minimum: 1, maximum: 65535, default: 100, description: 'Approximate number of superpixels (the grid has about this many centres); at most 65535, the masks a 16-bit id map holds.' },
    compactness: { type: 'number', exclusiveMinimum: 0, default: 10, description: 'Compactness m: weight of the xy distance (per grid step S) against the CIELAB distance; larger gives squarer superpixels.' },
    max_iter: { type: 'integer', minimum: 1, maximum: 1000, default: 10, description: 'Iterations of the local k-means, at most 1000 (it stops earlier when no label changes).' },
    enforce_connectivity: { type: 'boolean', default: true, description: 'Make every superpixel 4-connected and merge those smaller than min_size_factor · N / K pixels into a neighbour.' },
    min_size_factor: { type: 'number', minimum: 0, default: 0.5, description: 'Smallest superpixel kept by connectivity enforcement, as a fraction of the mean superpixel size N / K.' },
    max_side: { type: 'integer', minimum: 0, default: 640, description: 'Segment an area-downscaled copy whose longer side is this many pixels when the image is larger, then upsample the labels (nearest); 0 = always full size.' },
  },
}

/**
 * `slic`: SLIC superpixels (Achanta et al. 2012) as a class-agnostic masker. One mask per
 * superpixel; masks are disjoint and cover the image. predictedIou and stabilityScore are 1
 * (not scored).
 */
export const slicMasker = defineStage<SlicOptions, { frame: 'Frame' }, { masks: 'MaskSet' }>({
  name: 'slic',
  kind: 'masker',
  version: VERSION,
  package: '@plaf/masker-classic',
  description: 'SLIC superpixels (Achanta et al. 2012): Lab + xy local k-means, one disjoint mask per superpixel.',
  options,
  inputs: { frame: 'Frame' },
  outputs: { masks: 'MaskSet' },
  cacheable: true,
  async create(opts, ctx) {
    return { run: segmentationRun('slic', slic, opts, ctx, (seg) => ({ iterations: seg.iterations })) }
  },
})
