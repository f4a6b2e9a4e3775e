// pipelineEditorSchema on core's fixture plugins; the built-ins, the repository's pipelines and the
// README's examples are checked against the committed schema in packages/cli/test/editor-schema.test.ts.
import { describe, expect, it } from 'vitest'
import { Ajv } from 'ajv'
import { Registry, defineStage, pipelineEditorSchema } from '../../src/index.js'
import { blockMean, fixturePlugins, flatFrames, halves } from '../fixtures/plugins.js'

/** A second `halves`, of another kind: the resolver finds the masker first (kind order). */
const halvesEvaluator = defineStage<{ threshold: number }, { masks: 'MaskSet' }, Record<string, never>>({
  name: 'halves', kind: 'evaluator', version: '1.0.0', description: 'Same name, later kind.',
  options: { type: 'object', additionalProperties: false, properties: { threshold: { type: 'number', default: 0 } } },
  inputs: { masks: 'MaskSet' }, outputs: {},
  async create() {
    return { run: () => ({}) }
  },
})

/** An option naming another plugin, and a nested options object with a required key. */
const picker = defineStage<{ backbone: string; grid: { rows: number; cols: number } }, { masks: 'MaskSet' }, Record<string, never>>({
  name: 'picker', kind: 'evaluator', version: '1.0.0', description: 'Names a backbone.',
  options: {
    type: 'object', additionalProperties: false,
    properties: {
      backbone: { type: 'string', plafPlugin: 'backbone', default: 'block-mean' },
      grid: {
        type: 'object', additionalProperties: false, required: ['rows'], default: { rows: 1, cols: 1 },
        properties: { rows: { type: 'integer' }, cols: { type: 'integer', default: 1 } },
      },
    },
  },
  inputs: { masks: 'MaskSet' }, outputs: {},
  async create() {
    return { run: () => ({}) }
  },
})

const schema = pipelineEditorSchema(new Registry([...fixturePlugins, halvesEvaluator, picker], 'test'))
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema)
const base = { input: { use: flatFrames.name }, stages: { features: { use: blockMean.name, with: { block: 2 } } } }

describe('pipelineEditorSchema', () => {
  it('checks a stage name found in two kinds against the plugin the resolver picks', () => {
    expect(validate({ ...base, stages: { ...base.stages, split: { use: halves.name, with: { mode: 'vertical' } } } })).toBe(true)
    expect(validate({ ...base, stages: { ...base.stages, split: { use: halves.name, with: { threshold: 1 } } } })).toBe(false)
    expect(Object.keys(schema.definitions as object).filter((k) => k.endsWith('-halves'))).toEqual(['stage-halves', 'overlay-stage-halves'])
  })
  it('offers the registered names of an option that names a plugin, without the plafPlugin keyword', () => {
    const defs = schema.definitions as Record<string, { anyOf: { properties: Record<string, { examples?: string[] }> }[] }>
    expect(defs['stage-picker'].anyOf[0].properties.backbone.examples).toEqual(['block-mean'])
    expect(JSON.stringify(schema)).not.toContain('plafPlugin')
  })
  it('keeps required keys in nested options of a whole pipeline and drops them in an overlay', () => {
    const withGrid = (grid: unknown, extra: object = {}) => ({ ...base, ...extra, stages: { ...base.stages, pick: { use: 'picker', with: { grid } } } })
    expect(validate(withGrid({ cols: 2 }))).toBe(false)
    expect(validate(withGrid({ rows: 2, cols: 2 }))).toBe(true)
    expect(validate(withGrid({ cols: 2 }, { extends: './x.yaml' }))).toBe(true)
    expect(validate(withGrid({ cols: null }, { extends: './x.yaml' }))).toBe(true)
    expect(validate(withGrid({ cols: 'two' }, { extends: './x.yaml' }))).toBe(false)
  })
  it('requires input and stages only without extends', () => {
    expect(validate({ stages: base.stages })).toBe(false)
    expect(validate({ extends: ['./a.yaml', './b.yaml'] })).toBe(true)
    expect(validate({ extends: null })).toBe(false)
    expect(validate({ extends: './a.yaml', input: null })).toBe(false)
    expect(validate({ extends: './a.yaml', stages: { features: { use: null } } })).toBe(false)
  })
})
