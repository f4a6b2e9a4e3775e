import type { OptionProperties, OptionsSchema } from '../option-schema.js'
import { defineStage, type EmbeddingSpaceContext, type StagePlugin } from '../plugin.js'
import { imageBackboneSpace, openImageBackbone, separateAdaptor } from './image-backbone.js'

/** Options every ONNX image backbone has (the YAML `with:` block). */
export interface OnnxImageBackboneOptions {
  model: string
  resize?: 'squash' | 'pad'
  resolution?: number
}

/** What distinguishes one ONNX backbone plugin from another. */
export interface OnnxImageBackboneMeta<O extends OnnxImageBackboneOptions> {
  name: string
  version: string
  package: string
  description: string
  /** Manifest name used when `model` is not given, and what `model` is, for its description. */
  defaultModel: string
  modelDescription: string
  /** The plugin's own options beyond model/resize/resolution (each with a default). */
  extraOptions: OptionProperties<Omit<O, keyof OnnxImageBackboneOptions>>
  /** The output role the options ask for, and the option that chose it (named in errors). */
  role(opts: O): { role: string; option?: { key: string; value: string } }
  /**
   * Hand out the grid before the language adaptor too (`FeatureGrid.adaptor`) when the model ships
   * its adaptor as a graph of its own (`graphs.adaptor`). Default false.
   */
  separateAdaptor?: boolean
}

const sharedOptions = {
  resize: {
    type: 'string',
    enum: ['squash', 'pad'],
    description: "squash: bilinear resize to the input size ignoring aspect (the official code); pad: keep the aspect, pad bottom/right. Default: the manifest's policy.",
  },
  resolution: {
    type: 'integer',
    minimum: 1,
    maximum: 8192,
    description: "Square network input side in pixels, at most 8192; a multiple of the patch size. Must equal the export's input size unless the graph has symbolic H/W. Default: the manifest's input_size.",
  },
} as const

/**
 * Builds a backbone plugin over an ONNX image graph in the model contract (see
 * `openImageBackbone`): options `model`, the plugin's own, `resize` and `resolution`; one session
 * per instance; the model's manifest hash as the cache fingerprint; `embeddingSpace` from the
 * manifest alone, for the validate-time check.
 */
export function defineOnnxImageBackbone<O extends OnnxImageBackboneOptions>(meta: OnnxImageBackboneMeta<O>): StagePlugin<O, { frame: 'Frame' }, { features: 'FeatureGrid' }> {
  const options = {
    type: 'object',
    additionalProperties: false,
    properties: {
      model: { type: 'string', minLength: 1, default: meta.defaultModel, description: meta.modelDescription },
      ...meta.extraOptions,
      ...sharedOptions,
    },
  } as unknown as OptionsSchema<O>
  return defineStage<O, { frame: 'Frame' }, { features: 'FeatureGrid' }>({
    name: meta.name,
    kind: 'backbone',
    version: meta.version,
    package: meta.package,
    description: meta.description,
    options,
    inputs: { frame: 'Frame' },
    outputs: { features: 'FeatureGrid' },
    cacheable: true,
    async embeddingSpace(opts, ctx) {
      return imageBackboneSpace((await ctx.models.open(opts.model)).manifest, meta.role(opts).role)
    },
    ...(meta.separateAdaptor
      ? { async separateAdaptor(opts: O, ctx: EmbeddingSpaceContext) {
          return separateAdaptor((await ctx.models.open(opts.model)).manifest, meta.role(opts).role)
        } }
      : {}),
    async create(opts, ctx) {
      const { role, option } = meta.role(opts)
      const net = await openImageBackbone(ctx, { plugin: meta.name, model: opts.model, role, roleOption: option, resize: opts.resize, resolution: opts.resolution, separateAdaptor: meta.separateAdaptor })
      return {
        fingerprint: net.fingerprint,
        run: async ({ frame }) => ({ features: await net.run(frame) }),
        dispose: () => net.dispose(),
      }
    },
  })
}
