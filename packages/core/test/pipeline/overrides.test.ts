import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, defineStage, fail, resolvePipeline, type ModelAccess } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { clean, files } from './helpers.js'

/** A text encoder whose model is never installed, so its space check warns at the encoder option. */
const missingText = defineStage<Record<string, never>, { text: 'TextBatch' }, { embeddings: 'TextEmbeddings' }>({
  name: 'missing-text', kind: 'text-encoder', version: '1.0.0', description: 'Its model is not installed.',
  options: { type: 'object', additionalProperties: false, properties: {} },
  inputs: { text: 'TextBatch' }, outputs: { embeddings: 'TextEmbeddings' },
  embeddingSpace: async (_o, ctx) => (await ctx.models.open('text-x')).manifest.text?.embedding_space,
  create: async () => ({ run: ({ text }) => ({ embeddings: { texts: text.texts, data: new Float32Array(0), shape: [0, 1], space: 'x' } }) }),
})
const asker = defineStage<{ encoder: string }, { features: 'FeatureGrid' }, Record<string, never>>({
  name: 'asker', kind: 'querier', version: '1.0.0', description: 'Names a text encoder.',
  options: { type: 'object', additionalProperties: false, properties: { encoder: { type: 'string', plafPlugin: 'text-encoder', default: 'none', description: 'Encoder.' } } },
  inputs: { features: 'FeatureGrid' }, outputs: {},
  create: async () => ({ run: () => ({}) }),
})
const models: ModelAccess = { open: async (ref) => fail('PLAF_MODEL_MISSING', `model "${ref}" is not installed`, { actual: ref }) }
const registry = new Registry([...fixturePlugins, missingText, asker])

const pipeline = `name: t
input: { use: flat-frames, with: { frames: 2 } }
stages:
  backbone: { use: block-mean, with: { block: 2 } }
  masker: { use: halves, with: { mode: vertical } }
output: { dir: out }
`

async function resolveWith(overrides: string[], opts: { addStages?: boolean } = {}, yaml = pipeline) {
  const dir = files({ 'p.yaml': yaml })
  const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides, models, ...opts })
  return { dir, r, diagnostics: clean(r.diagnostics, dir) }
}

describe('--set names a stage the pipeline has', () => {
  it('refuses a misspelt stage name at the name in the argument, with the closest stage', async () => {
    const { r, diagnostics } = await resolveWith(['stages.maskr.use=halves'])
    expect(r.pipeline).toBeUndefined()
    expect(diagnostics).toMatchInlineSnapshot(`
      [
        {
          "actual": "maskr",
          "code": "PLAF_INVALID_OVERRIDE",
          "column": 14,
          "expected": "one of backbone, masker",
          "hint": "did you mean "masker"? to add a stage, write it under stages: in a pipeline file that extends this one",
          "message": "the pipeline has no stage "maskr" (--set changes stages, it does not add them)",
          "path": "stages.maskr",
          "severity": "error",
          "source": "--set stages.maskr.use=halves",
          "stage": "maskr",
        },
      ]
    `)
  })

  it('refuses an option or a deletion of a stage that does not exist, and suggests nothing far off', async () => {
    const { diagnostics } = await resolveWith(['stages.masker.with.mode=horizontal', 'stages.lifter=null', 'stages.bakbone.with.block=4'])
    expect(diagnostics.map((d) => [d.source, d.column, d.hint?.split('?')[0]])).toEqual([
      ['--set stages.lifter=null', 14, 'to add a stage, write it under stages: in a pipeline file that extends this one'],
      ['--set stages.bakbone.with.block=4', 14, 'did you mean "backbone"'],
    ])
  })

  it('adds a stage only when the API caller asks for it (addStages)', async () => {
    const { r } = await resolveWith(['stages.count.use=counter'], { addStages: true })
    expect(r.diagnostics).toEqual([])
    expect(r.pipeline?.stages.map((s) => s.key)).toEqual(['backbone', 'masker', 'count'])
  })
})

describe('a diagnostic a --set value causes points at the --set argument', () => {
  it('an option the newly chosen plugin requires: at the plugin name the --set gives', async () => {
    const { diagnostics } = await resolveWith(['stages.masker.use=block-mean'])
    expect(diagnostics.filter((d) => d.severity === 'error')).toMatchInlineSnapshot(`
      [
        {
          "code": "PLAF_MISSING_OPTION",
          "column": 25,
          "expected": "block",
          "hint": "options: plaf plugins block-mean",
          "message": "stages.masker.with.block is required but missing",
          "path": "stages.masker.with",
          "plugin": "block-mean",
          "severity": "error",
          "source": "--set stages.masker.use=block-mean",
          "stage": "masker",
        },
      ]
    `)
  })

  it('a misspelt key the --set creates: at that key in the argument, not at the YAML it is not in', async () => {
    const { diagnostics } = await resolveWith(['stagse.masker.use=grid', 'input.wth.frames=3'])
    expect(diagnostics.map((d) => ({ source: d.source, file: d.file, line: d.line, column: d.column, path: d.path }))).toEqual([
      { source: '--set stagse.masker.use=grid', column: 7, path: 'stagse' },
      { source: '--set input.wth.frames=3', column: 13, path: 'input.wth' },
    ])
  })

  it('a model an encoder named by --set lacks: at the --set, with no file', async () => {
    const { diagnostics } = await resolveWith(['stages.ask.with.encoder=missing-text'], {}, pipeline.replace('output:', '  ask: { use: asker }\noutput:'))
    expect(diagnostics).toEqual([expect.objectContaining({
      code: 'PLAF_MODEL_MISSING', severity: 'warning', source: '--set stages.ask.with.encoder=missing-text', column: 31, path: 'stages.ask.with.encoder',
    })])
    expect(diagnostics[0]!.file).toBeUndefined()
  })
})
