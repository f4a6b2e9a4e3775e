// sam's cross-option rules at validate time: the plugin's `check`, run by the resolver (what
// `plaf validate` calls) and located at the option's line in the YAML, before any model opens.
import { writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { defineInput, Registry, resolvePipeline } from '@plaf/core'
import { makeFrame, tempDir } from '@plaf/core/testing'
import { samMasker } from '../src/plugin.js'
import { testStore } from './fixtures.js'

const one = defineInput<Record<string, never>>({
  name: 'one-frame', kind: 'input', version: '1.0.0', description: 'One flat frame.', outputs: { frame: 'Frame' },
  options: { type: 'object', additionalProperties: false, properties: {} },
  async create() {
    return { identity: 'one', describe: 'one frame', frameCount: 1, async *frames() { yield makeFrame(8, 8, () => [0, 0, 0]) } }
  },
})
const registry = new Registry([one, samMasker])
const dir = tempDir('sam-check')
afterAll(() => dir.cleanup())

async function validate(masker: string): Promise<Awaited<ReturnType<typeof resolvePipeline>>['diagnostics']> {
  const file = dir.path('p.yaml')
  writeFileSync(file, `input: { use: one-frame }\nstages:\n  masker:\n    use: sam\n    with:\n${masker}output: { dir: out }\n`)
  // The model is not installed: validation must not need it for these rules.
  return (await resolvePipeline(file, registry)).diagnostics.filter((d) => d.severity === 'error')
}

describe('sam: cross-option errors at validate time, at the option\'s line', () => {
  it('a crop layer without points points at crop_n_points_downscale_factor', async () => {
    const d = await validate('      points_per_side: 16\n      crop_n_layers: 2\n      crop_n_points_downscale_factor: 8\n')
    expect(d).toEqual([expect.objectContaining({
      code: 'PLAF_INVALID_OPTION', line: 8, column: 39, path: 'stages.masker.with.crop_n_points_downscale_factor', stage: 'masker', plugin: 'sam',
      message: 'crop layer 2 gets no prompt points: layer i has points_per_side / factor^i points per side, and 16 / 8^2 = 0.25 < 1', actual: '8',
    })])
  })
  it('message, expected and hint agree when the first layer already has no points (16 / 32^1)', async () => {
    const d = await validate('      points_per_side: 16\n      crop_n_layers: 2\n      crop_n_points_downscale_factor: 32\n')
    expect(d).toEqual([expect.objectContaining({
      path: 'stages.masker.with.crop_n_points_downscale_factor', actual: '32',
      message: 'crop layers 1 to 2 get no prompt points: layer i has points_per_side / factor^i points per side, and 16 / 32^1 = 0.5 < 1',
      expected: 'a factor f with 16 / f^2 ≥ 1 (the last crop layer, 2, needs a point too): f ≤ 4',
      hint: 'use crop_n_points_downscale_factor ≤ 4, or crop_n_layers ≤ 0 with factor 32',
    })])
    // each way out the hint names validates
    for (const fix of ['      points_per_side: 16\n      crop_n_layers: 2\n      crop_n_points_downscale_factor: 4\n', '      points_per_side: 16\n      crop_n_layers: 0\n      crop_n_points_downscale_factor: 32\n']) {
      expect(await validate(fix)).toEqual([])
    }
    // and one step past each bound does not
    expect(await validate('      points_per_side: 16\n      crop_n_layers: 2\n      crop_n_points_downscale_factor: 5\n')).toHaveLength(1)
  })
  it('point_grids: with points_per_side, one grid per layer, an empty grid at its index', async () => {
    expect(await validate('      point_grids: [[[0.5, 0.5]]]\n')).toEqual([expect.objectContaining({ line: 6, path: 'stages.masker.with.point_grids', message: 'point_grids replaces the regular grid: give points_per_side: null with it' })])
    expect(await validate('      points_per_side: null\n      point_grids: [[[0.5, 0.5]], []]\n')).toEqual([
      expect.objectContaining({ line: 7, path: 'stages.masker.with.point_grids', message: 'point_grids has 2 grid(s), but crop_n_layers 0 needs one per layer' }),
      expect.objectContaining({ line: 7, column: 35, path: 'stages.masker.with.point_grids.1', message: 'point_grids[1] has no points' }),
    ])
  })
  it('a model not in the store is a warning at model:, with the pull command (plaf validate names every missing model)', async () => {
    vi.stubEnv('PLAF_HOME', dir.path('home'))
    try {
      const file = dir.path('m.yaml')
      writeFileSync(file, 'input: { use: one-frame }\nstages:\n  masker:\n    use: sam\n    with: { model: sam-vit-h }\noutput: { dir: out }\n')
      const d = (await resolvePipeline(file, registry)).diagnostics
      expect(d).toEqual([expect.objectContaining({
        code: 'PLAF_MODEL_MISSING', severity: 'warning', line: 5, path: 'stages.masker.with.model', stage: 'masker', plugin: 'sam',
        message: `model "sam-vit-h" is not in the model store ${dir.path('home', 'models')}`,
        hint: 'get it with: plaf models pull sam-vit-h (or plaf models import <dir>)',
      })])
    } finally {
      vi.unstubAllEnvs()
    }
  })
  it('an installed model the masker cannot read is an error at model: (validate, not 24 s into the run)', async () => {
    const store = testStore()
    store.add({ layout: 'transformers.js', name: 'radio-like', family: 'radio' })
    store.add({ layout: 'sam-onnx', name: 'sam1-as-sam2', family: 'sam2' })
    store.add({ layout: 'sam-onnx', name: 'good' })
    vi.stubEnv('PLAF_HOME', store.home.dir)
    try {
      const file = dir.path('f.yaml')
      const at = async (model: string) => {
        writeFileSync(file, `input: { use: one-frame }\nstages:\n  masker:\n    use: sam\n    with: { model: ${model} }\noutput: { dir: out }\n`)
        return (await resolvePipeline(file, registry)).diagnostics
      }
      expect(await at('radio-like')).toEqual([expect.objectContaining({
        code: 'PLAF_MODEL_INVALID', severity: 'error', file, line: 5, path: 'stages.masker.with.model', stage: 'masker', plugin: 'sam',
        message: 'model radio-like@1.0.0 has family "radio", which the sam masker does not read', expected: 'sam, mobile-sam, sam2, sam2.1',
      })])
      expect(await at('sam1-as-sam2')).toEqual([expect.objectContaining({
        severity: 'error', line: 5, path: 'stages.masker.with.model', message: expect.stringContaining('has family "sam2", but its mask_decoder looks like a samexporter SAM / MobileSAM export'),
      })])
      expect(await at('good')).toEqual([])
    } finally {
      vi.unstubAllEnvs()
      store.home.cleanup()
    }
  })
  it('points_per_side: null without point_grids is an error at points_per_side (a standalone file and a --set alike)', async () => {
    expect(await validate('      crop_n_layers: 0\n      points_per_side: null\n')).toEqual([expect.objectContaining({
      line: 7, column: 24, path: 'stages.masker.with.points_per_side', message: 'give points_per_side or point_grids', actual: 'points_per_side null, point_grids null',
    })])
    const file = dir.path('p.yaml')
    writeFileSync(file, 'input: { use: one-frame }\nstages:\n  masker:\n    use: sam\n    with:\n      points_per_side: 16\noutput: { dir: out }\n')
    const d = (await resolvePipeline(file, registry, { overrides: ['stages.masker.with.points_per_side=null'] })).diagnostics.filter((x) => x.severity === 'error')
    expect(d).toEqual([expect.objectContaining({ path: 'stages.masker.with.points_per_side', source: '--set stages.masker.with.points_per_side=null', message: 'give points_per_side or point_grids' })])
  })
  it('consistent options pass', async () => {
    expect(await validate('      points_per_side: 16\n      crop_n_layers: 1\n      crop_n_points_downscale_factor: 2\n')).toEqual([])
    expect(await validate('      points_per_side: null\n      point_grids: [[[0.5, 0.5]]]\n')).toEqual([])
  })
})
