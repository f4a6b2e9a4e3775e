import { defineStage, openImageBackbone, type OptionsSchema } from '@plaf/core'
import { VERSION } from './version.js'

/** Options of the `radio` backbone (the YAML `with:` block). */
export interface RadioOptions {
  model: string
  adaptor: 'siglip' | 'none'
  resize?: 'squash' | 'pad'
  resolution?: number
}

const options: OptionsSchema<RadioOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    model: { type: 'string', minLength: 1, default: 'radio-v2.5-b', description: 'Model name (or name@version) in the model store; patch size, D, input size and preprocessing come from its plaf-model.json.' },
    adaptor: {
      type: 'string',
      enum: ['siglip', 'none'],
      default: 'siglip',
      description: 'siglip: the language-aligned output (the SigLIP adaptor\'s summary head on every patch token, as the paper does), role "features"; none: the backbone\'s own patch features (role "backbone_features"), for linear probes.',
    },
    resize: {
      type: 'string',
      enum: ['squash', 'pad'],
      description: 'squash: bilinear resize to the input size ignoring aspect (the official code); pad: keep the aspect, pad bottom/right. Default: the manifest\'s policy.',
    },
    resolution: {
      type: 'integer',
      minimum: 1,
      description: 'Square network input side in pixels; a multiple of the patch size. Must equal the export\'s input size unless the graph has symbolic H/W. Default: the manifest\'s input_size.',
    },
  },
}

/**
 * `radio`: RADIOv2.5 (or C-RADIO, or any export in the same contract) through ONNX Runtime. The
 * frame is preprocessed exactly as the manifest says (the official export: 512² squash, values in
 * [0, 1], normalisation inside the graph), the graph runs in a worker session opened once in
 * `create`, and the output of the chosen role comes back as the h×w×D grid with the exact
 * image→grid transform. The cache fingerprint carries the manifest's sha256.
 */
export const radioBackbone = defineStage<RadioOptions, { frame: 'Frame' }, { features: 'FeatureGrid' }>({
  name: 'radio',
  kind: 'backbone',
  version: VERSION,
  package: '@plaf/backbone-radio',
  description: 'RADIOv2.5 backbone (ONNX): dense patch features through the SigLIP adaptor (language-aligned) or the backbone\'s own.',
  options,
  inputs: { frame: 'Frame' },
  outputs: { features: 'FeatureGrid' },
  cacheable: true,
  // For the validate-time space check, read without opening a session: as openImageBackbone names it.
  async embeddingSpace(opts, ctx) {
    const m = (await ctx.models.open(opts.model)).manifest
    return opts.adaptor === 'siglip' ? m.image?.embedding_space : `${m.name}@${m.version}/backbone_features`
  },
  async create(opts, ctx) {
    const net = await openImageBackbone(ctx, {
      plugin: 'radio',
      model: opts.model,
      role: opts.adaptor === 'siglip' ? 'features' : 'backbone_features',
      roleOption: { key: 'adaptor', value: opts.adaptor },
      resize: opts.resize,
      resolution: opts.resolution,
    })
    return {
      fingerprint: net.fingerprint,
      run: async ({ frame }) => ({ features: await net.run(frame) }),
      dispose: () => net.dispose(),
    }
  },
})
