import { defineStage, type OptionsSchema } from '@plaf/core'
import { aggregateMasks, MASK_MEAN_DEFAULTS, type MaskMeanOptions } from './aggregate.js'
import { VERSION } from './version.js'

const options: OptionsSchema<MaskMeanOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    overlap: {
      type: 'string',
      enum: ['smallest-wins', 'largest-wins', 'average'],
      default: MASK_MEAN_DEFAULTS.overlap,
      description:
        'Which id a pixel covered by several masks gets. smallest-wins is the official painter order ' +
        '(ids by area, largest first; smaller masks overwrite larger ones); largest-wins the reverse; average gives each ' +
        'distinct set of overlapping masks its own id whose row is the L2-normalised mean of the member masks\' rows. ' +
        'Mask rows always average the whole mask.',
    },
    background: {
      type: 'string',
      enum: ['none', 'patch'],
      default: MASK_MEAN_DEFAULTS.background,
      description:
        'Pixels no mask covers. none: id 0, zero row (official). patch: grouped by their nearest patch cell, each group ' +
        'its own id after the masks, with the L2-normalised mean of its pixels\' normalised upsampled features.',
    },
    min_area: {
      type: 'integer',
      minimum: 0,
      default: MASK_MEAN_DEFAULTS.min_area,
      description: 'Masks with fewer pixels than this are dropped before ids are assigned (0 keeps every mask, as the official code does).',
    },
  },
}

/**
 * `mask-mean`: the exact sparse mask-averaged pixel features of PLAF eqs. (1)–(2). Per frame it
 * turns a FeatureGrid and a MaskSet into a SemanticMemory2D (uint16 id map + (K+1)×D table).
 */
export const maskMeanAggregator = defineStage<
  MaskMeanOptions,
  { features: 'FeatureGrid'; masks: 'MaskSet' },
  { memory: 'SemanticMemory2D' }
>({
  name: 'mask-mean',
  kind: 'aggregator',
  version: VERSION,
  package: '@plaf/aggregator',
  description: 'Mask-averaged, L2-normalised upsampled patch features with a painted mask-id map, computed exactly without the dense tensor.',
  options,
  inputs: { features: 'FeatureGrid', masks: 'MaskSet' },
  outputs: { memory: 'SemanticMemory2D' },
  cacheable: true,
  async create(opts, ctx) {
    return {
      async run({ features, masks }, rc) {
        const memory = await aggregateMasks(features, masks, opts, ctx.tensor, rc.frame?.id)
        rc.metric('masks', memory.features.shape[0] - 1)
        return { memory }
      },
    }
  },
})
