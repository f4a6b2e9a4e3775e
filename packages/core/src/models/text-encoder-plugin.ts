import type { OptionsSchema } from '../option-schema.js'
import { defineStage, type StagePlugin } from '../plugin.js'
import type { TextEmbeddings } from '../ports.js'
import { openTextEncoder } from './text-encoder.js'
import type { TextCacheMode } from './text-embedding-cache.js'

/** Options of an ONNX text encoder (`siglip-text`, `clip-text`): the YAML `with:` block. */
export interface OnnxTextEncoderOptions {
  model: string
  templates: string[]
  batch_size: number
  cache: TextCacheMode
}

/** What distinguishes one ONNX text-encoder plugin from another: names and the default model. */
export interface OnnxTextEncoderMeta {
  name: string
  version: string
  package: string
  description: string
  /** Manifest name used when `model` is not given. */
  defaultModel: string
}

function optionsSchema(defaultModel: string): OptionsSchema<OnnxTextEncoderOptions> {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      model: { type: 'string', minLength: 1, default: defaultModel, description: 'Text model name (or name@version) in the model store; tokenizer, context length, D and embedding space come from its plaf-model.json.' },
      templates: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', pattern: '\\{\\}', description: 'A prompt with {} where the text goes.' },
        default: ['{}'],
        description: "Prompt templates; each text's embedding is the L2-normalised mean of its unit embeddings under every template (RayFronts' ensemble, e.g. ['a photo of a {}.', 'a photo of the {}.']). Default: the text alone, as the official PLAF code.",
      },
      batch_size: { type: 'integer', minimum: 1, default: 32, description: 'Prompts per session run (an export with a fixed batch runs its own).' },
      cache: {
        type: 'string',
        enum: ['disk', 'memory', 'off'],
        default: 'disk',
        description: 'Embedding cache keyed by the model hash and the cleaned prompt: disk (memory plus PLAF_HOME/cache/text-embeddings), memory (this process only) or off.',
      },
    },
  }
}

/**
 * Builds a text-encoder plugin over an ONNX text tower in the model contract (graph input role
 * `input_ids` int64 [B, L], output role `text_embeds` [B, D]); every model-specific fact (tokenizer
 * kind, clean-up, context length, pad id, D, space) is read from the manifest. Its
 * `embeddingSpace` reads the manifest only, for the validate-time check.
 */
export function defineOnnxTextEncoder(meta: OnnxTextEncoderMeta): StagePlugin<OnnxTextEncoderOptions, { text: 'TextBatch' }, { embeddings: 'TextEmbeddings' }> {
  return defineStage<OnnxTextEncoderOptions, { text: 'TextBatch' }, { embeddings: 'TextEmbeddings' }>({
    name: meta.name,
    kind: 'text-encoder',
    version: meta.version,
    package: meta.package,
    description: meta.description,
    options: optionsSchema(meta.defaultModel),
    inputs: { text: 'TextBatch' },
    outputs: { embeddings: 'TextEmbeddings' },
    cacheable: true,
    async embeddingSpace(opts, ctx) {
      return (await ctx.models.open(opts.model)).manifest.text?.embedding_space
    },
    async create(opts, ctx) {
      const enc = await openTextEncoder(ctx, { plugin: meta.name, model: opts.model, templates: opts.templates, batchSize: opts.batch_size, cache: opts.cache })
      return {
        fingerprint: enc.fingerprint,
        async run({ text }, rc) {
          const [hits, runs] = [enc.cache.hits, enc.runs]
          const data = await enc.embed(text.texts)
          rc.metric('cache_hits', enc.cache.hits - hits)
          rc.metric('session_runs', enc.runs - runs)
          const embeddings: TextEmbeddings = { texts: [...text.texts], data, shape: [text.texts.length, enc.dim], space: enc.space }
          return { embeddings }
        },
        dispose: () => enc.dispose(),
      }
    },
  })
}
