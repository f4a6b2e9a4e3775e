import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, defineStage, fail, resolvePipeline, type ModelAccess, type OpenedModel, type StagePlugin } from '../../src/index.js'
import { blockMean, fixturePlugins } from '../fixtures/plugins.js'
import { files } from './helpers.js'

/** block-mean that says, from its model's manifest, whether it hands out its adaptor separately. */
type SplitOptions = { block: number; scale: number; model: string }
const splitBackbone = defineStage<SplitOptions, { frame: 'Frame' }, { features: 'FeatureGrid' }>({
  ...(blockMean as unknown as StagePlugin<SplitOptions, { frame: 'Frame' }, { features: 'FeatureGrid' }>),
  name: 'split-backbone',
  options: { ...blockMean.options, properties: { ...blockMean.options.properties, model: { type: 'string', default: 'split', description: 'Model.' } } } as never,
  async separateAdaptor(o, ctx) {
    return (await ctx.models.open(o.model)).manifest.graphs.adaptor !== undefined
  },
})

/** An aggregator-like stage that needs the separate adaptor when `place: after`. */
const needy = defineStage<{ place: 'before' | 'after' }, { features: 'FeatureGrid' }, Record<string, never>>({
  name: 'needy', kind: 'aggregator', version: '1.0.0', description: 'Needs a separate adaptor for place: after.',
  options: { type: 'object', additionalProperties: false, properties: { place: { type: 'string', enum: ['before', 'after'], default: 'before', description: 'Where.' } } },
  inputs: { features: 'FeatureGrid' }, outputs: {},
  needsSeparateAdaptor: (o) => (o.place === 'after' ? 'place' : undefined),
  create: async () => ({ run: () => ({}) }),
})

const graphs: Record<string, string[]> = { split: ['vision', 'adaptor'], baked: ['vision'] }
const models: ModelAccess = {
  async open(ref) {
    if (!(ref in graphs)) fail('PLAF_MODEL_MISSING', `model "${ref}" is not in the model store /store`, { actual: ref, hint: `plaf models pull ${ref}` })
    return { manifest: { name: ref, graphs: Object.fromEntries(graphs[ref]!.map((g) => [g, {}])) }, dir: '/store', sha256: '0', path: (p: string) => p } as unknown as OpenedModel
  },
}
const registry = new Registry([...fixturePlugins, splitBackbone, needy])
const yaml = (backbone: string, place: string) => `input: { use: flat-frames }
stages:
  backbone: { use: ${backbone}, with: { block: 2 } }
  agg:
    use: needy
    with: { place: ${place} }
output: { dir: out }
`
const resolve = async (text: string) => {
  const dir = files({ 'p.yaml': text })
  return resolvePipeline(join(dir, 'p.yaml'), registry, { models })
}

describe('validate-time separate-adaptor check', () => {
  it('accepts the option when the FeatureGrid producer hands its adaptor out, and the default anywhere', async () => {
    expect((await resolve(yaml('split-backbone', 'after'))).diagnostics.filter((d) => d.severity !== 'info')).toEqual([])
    expect((await resolve(yaml('block-mean', 'before'))).diagnostics.filter((d) => d.severity !== 'info')).toEqual([])
  })

  it('refuses it at the option\'s line for a producer that cannot (no hook, or its model has no adaptor graph)', async () => {
    const none = await resolve(yaml('block-mean', 'after'))
    expect(none.pipeline).toBeUndefined()
    expect(none.diagnostics).toHaveLength(1)
    expect(none.diagnostics[0]).toMatchObject({
      code: 'PLAF_INVALID_OPTION', severity: 'error', line: 6, column: 20, path: 'stages.agg.with.place', stage: 'agg', plugin: 'needy',
      message: 'stages.agg.with.place: "after" needs a backbone that ships its language adaptor as a separate graph, but backbone block-mean (stage backbone) does not',
      actual: 'backbone block-mean (stage backbone)',
    })
    const baked = await resolve(yaml('split-backbone', 'after').replace('block: 2', 'block: 2, model: baked'))
    expect(baked.diagnostics.map((d) => [d.code, d.path, d.actual])).toEqual([['PLAF_INVALID_OPTION', 'stages.agg.with.place', 'backbone split-backbone (stage backbone) with model baked']])
  })

  it('warns, at the option, when the producer\'s model is not installed yet', async () => {
    const r = await resolve(yaml('split-backbone', 'after').replace('block: 2', 'block: 2, model: later'))
    expect(r.pipeline).toBeDefined()
    expect(r.diagnostics.filter((d) => d.severity === 'warning').map((d) => [d.code, d.path, d.line])).toEqual([['PLAF_MODEL_MISSING', 'stages.agg.with.place', 6]])
  })
})
