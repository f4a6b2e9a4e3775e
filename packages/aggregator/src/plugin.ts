import { defineStage, fail, openFeatureAdaptor, type FeatureAdaptor, type FeatureGrid, type OptionsSchema, type PluginContext } from '@plaf/core'
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
    adaptor: {
      type: 'string',
      enum: ['before-average', 'after-average'],
      default: MASK_MEAN_DEFAULTS.adaptor,
      description:
        'Where the language adaptor runs, for a backbone that ships it as a separate graph (radio with an export that has graphs.adaptor). ' +
        'before-average (official): on every patch token, then the exact mask mean. after-average: the exact mask mean of the ' +
        'backbone\'s own features, then the adaptor on each mean (an ablation; the adaptor is nonlinear, so the rows differ). ' +
        'after-average with any other backbone is refused at validate time.',
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
  needsSeparateAdaptor: (opts) => (opts.adaptor === 'after-average' ? 'adaptor' : undefined),
  async create(opts, ctx) {
    const adaptors = opts.adaptor === 'after-average' ? new AdaptorSessions(ctx) : undefined
    return {
      async run({ features, masks }, rc) {
        const adaptor = adaptors ? await adaptors.for(features, rc.frame?.id) : undefined
        const memory = await aggregateMasks(features, masks, opts, ctx.tensor, rc.frame?.id, adaptor)
        rc.metric('masks', memory.features.shape[0] - 1)
        return { memory }
      },
      dispose: () => adaptors?.dispose(),
    }
  },
})

/** The adaptor graphs `after-average` uses, opened once per model on first use, released on dispose. */
class AdaptorSessions {
  private readonly open = new Map<string, Promise<FeatureAdaptor>>()
  constructor(private readonly ctx: PluginContext) {}

  /** The adaptor of the model the grid names; a grid without one is refused (the backbone cannot split its adaptor off). */
  for(grid: FeatureGrid, frame?: string): Promise<FeatureAdaptor> {
    if (!grid.adaptor) {
      fail('PLAF_INVALID_OPTION', `adaptor: after-average needs a backbone that ships its language adaptor separately, but the ${grid.space} grid of frame ${frame ?? '?'} carries no backbone features and adaptor`, {
        plugin: 'mask-mean', stage: this.ctx.stage, frame, path: `stages.${this.ctx.stage}.with.adaptor`,
        expected: 'a FeatureGrid with adaptor (radio on an export with graphs.adaptor)', actual: 'a FeatureGrid without adaptor',
        hint: 'export the model with tools/export/export_radio.py (it writes adaptor.onnx), or use adaptor: before-average',
      })
    }
    const ref = grid.adaptor.model
    let a = this.open.get(ref)
    if (!a) {
      a = openFeatureAdaptor(this.ctx, ref, { plugin: 'mask-mean', stage: this.ctx.stage })
      this.open.set(ref, a)
    }
    return a
  }

  async dispose(): Promise<void> {
    const all = [...this.open.values()]
    this.open.clear()
    for (const a of await Promise.allSettled(all)) if (a.status === 'fulfilled') await a.value.dispose()
  }
}
