import { defineStage, openImageBackbone, type OptionsSchema } from '@plaf/core'
import { VERSION } from './version.js'

/** Options of the `clip-dense` backbone (the YAML `with:` block). */
export interface ClipDenseOptions {
  model: string
  resize?: 'squash' | 'pad'
  resolution?: number
}

const options: OptionsSchema<ClipDenseOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    model: { type: 'string', minLength: 1, default: 'clip-vit-b-16', description: 'Model name (or name@version) in the model store; an image export with MaskCLIP-style dense tokens (output role "features").' },
    resize: {
      type: 'string',
      enum: ['squash', 'pad'],
      description: 'squash: bilinear resize to the input size ignoring aspect; pad: keep the aspect, pad bottom/right. Default: the manifest\'s policy.',
    },
    resolution: {
      type: 'integer',
      minimum: 1,
      description: 'Square network input side in pixels; a multiple of the patch size. Must equal the export\'s input size unless the graph has symbolic H/W. Default: the manifest\'s input_size.',
    },
  },
}

/**
 * `clip-dense`: a CLIP/OpenCLIP ViT as a dense backbone, MaskCLIP-style. The export's `features`
 * output holds one token per patch taken through the last block's value path (no query-key
 * attention, no attention pooling), the final LayerNorm and the visual projection, so each patch
 * lives in CLIP's joint image-text space. Preprocessing (CLIP mean/std, resize) comes from the
 * manifest; the session and the grid machinery are the same as `radio`'s (`openImageBackbone`).
 */
export const clipDenseBackbone = defineStage<ClipDenseOptions, { frame: 'Frame' }, { features: 'FeatureGrid' }>({
  name: 'clip-dense',
  kind: 'backbone',
  version: VERSION,
  package: '@plaf/backbone-clip',
  description: 'CLIP ViT backbone (ONNX): MaskCLIP-style dense patch tokens in CLIP\'s image-text space.',
  options,
  inputs: { frame: 'Frame' },
  outputs: { features: 'FeatureGrid' },
  cacheable: true,
  // For the validate-time space check: the manifest's space, read without opening a session.
  embeddingSpace: async (opts, ctx) => (await ctx.models.open(opts.model)).manifest.image?.embedding_space,
  async create(opts, ctx) {
    const net = await openImageBackbone(ctx, { plugin: 'clip-dense', model: opts.model, role: 'features', resize: opts.resize, resolution: opts.resolution })
    return {
      fingerprint: net.fingerprint,
      run: async ({ frame }) => ({ features: await net.run(frame) }),
      dispose: () => net.dispose(),
    }
  },
})
