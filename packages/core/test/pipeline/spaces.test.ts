import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, defineStage, fail, resolvePipeline, type ModelAccess, type OpenedModel } from '../../src/index.js'
import { blockMean, fixturePlugins } from '../fixtures/plugins.js'
import { clean, files } from './helpers.js'

/** block-mean with a claimed space, so the backbone side has something to say. */
const spaced = defineStage<{ block: number; scale: number }, { frame: 'Frame' }, { features: 'FeatureGrid' }>({
  ...blockMean, name: 'spaced-backbone', embeddingSpace: () => 'space-a',
})

/** A text encoder whose space comes from a model manifest, as the ONNX ones do. */
const modelText = defineStage<{ model: string }, { text: 'TextBatch' }, { embeddings: 'TextEmbeddings' }>({
  name: 'model-text', kind: 'text-encoder', version: '1.0.0', description: 'Space from the model store.',
  options: { type: 'object', additionalProperties: false, properties: { model: { type: 'string', default: 'text-a', description: 'Model name.' } } },
  inputs: { text: 'TextBatch' }, outputs: { embeddings: 'TextEmbeddings' },
  async embeddingSpace(o, ctx) {
    return (await ctx.models.open(o.model)).manifest.text?.embedding_space
  },
  create: async () => ({ run: ({ text }) => ({ embeddings: { texts: text.texts, data: new Float32Array(text.texts.length), shape: [text.texts.length, 1], space: 'space-a' } }) }),
})

/** A querier naming its encoder by plugin option, as `text` does. */
const asker = defineStage<{ encoder: string; encoder_options: Record<string, unknown> }, { features: 'FeatureGrid' }, Record<string, never>>({
  name: 'asker', kind: 'querier', version: '1.0.0', description: 'Names a text encoder.',
  options: {
    type: 'object', additionalProperties: false, required: ['encoder'],
    properties: { encoder: { type: 'string', plafPlugin: 'text-encoder', description: 'Encoder.' }, encoder_options: { type: 'object', default: {}, description: 'Its options.' } },
  },
  inputs: { features: 'FeatureGrid' }, outputs: {},
  create: async () => ({ run: () => ({}) }),
})

const spaces: Record<string, string> = { 'text-a': 'space-a', 'text-b': 'space-b' }
const models: ModelAccess = {
  async open(ref) {
    if (!(ref in spaces)) fail('PLAF_MODEL_MISSING', `model "${ref}" is not in the model store /store`, { actual: ref, hint: `plaf models pull ${ref}` })
    return { manifest: { name: ref, text: { embedding_space: spaces[ref] } }, dir: '/store', sha256: '0', path: (p: string) => p } as unknown as OpenedModel
  },
}
const registry = new Registry([...fixturePlugins, spaced, modelText, asker])
const yaml = (model: string) => `input: { use: flat-frames }
stages:
  backbone: { use: spaced-backbone, with: { block: 2 } }
  query:
    use: asker
    with:
      encoder: model-text
      encoder_options: { model: ${model} }
output: { dir: out }
`

describe('validate-time embedding-space check', () => {
  it('rejects a text encoder in another space than the backbone, at the encoder option, naming both spaces', async () => {
    const dir = files({ 'p.yaml': yaml('text-b') })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { models })
    expect(r.pipeline).toBeUndefined()
    expect(clean(r.diagnostics, dir)).toMatchInlineSnapshot(`
      [
        {
          "actual": "space-b",
          "code": "PLAF_SPACE_MISMATCH",
          "column": 16,
          "expected": "space-a",
          "file": "<dir>/p.yaml",
          "hint": "pair the backbone with a text encoder of the same embedding space (the embedding_space of both plaf-model.json files)",
          "line": 7,
          "message": "text encoder model-text (stages.query.with.encoder) embeds texts in space "space-b", but backbone spaced-backbone (stage backbone) produces features in space "space-a": their similarities would mean nothing",
          "path": "stages.query.with.encoder",
          "plugin": "model-text",
          "severity": "error",
          "stage": "query",
        },
      ]
    `)
  })
  it('accepts matching spaces', async () => {
    const dir = files({ 'p.yaml': yaml('text-a') })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { models })
    expect(r.diagnostics).toEqual([])
    expect(r.pipeline).toBeDefined()
  })
  it('a model not installed yet is a warning, and the pipeline still resolves', async () => {
    const dir = files({ 'p.yaml': yaml('text-c') })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { models })
    expect(r.pipeline).toBeDefined()
    expect(clean(r.diagnostics, dir)).toMatchInlineSnapshot(`
      [
        {
          "actual": "text-c",
          "code": "PLAF_MODEL_MISSING",
          "column": 16,
          "file": "<dir>/p.yaml",
          "hint": "plaf models pull text-c",
          "line": 7,
          "message": "cannot check the embedding space of text encoder model-text (stages.query.with.encoder) yet: model "text-c" is not in the model store /store",
          "path": "stages.query.with.encoder",
          "plugin": "model-text",
          "severity": "warning",
          "stage": "query",
        },
      ]
    `)
  })
  it('a backbone without the hook makes no claim: nothing to compare', async () => {
    const dir = files({ 'p.yaml': yaml('text-b').replace('spaced-backbone', 'block-mean') })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { models })
    expect(r.diagnostics).toEqual([])
  })
})
