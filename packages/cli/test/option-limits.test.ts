import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

// Size-like options whose absurd values would allocate or loop without end are bounded in the
// schema: a located option error at validate, never a crash or a hang at run.
const pipeline = (masker: string) => `name: limits
input: { use: synthetic-room, with: { frames: 1 } }
stages:
  masker:
    use: ${masker}
output: { dir: runs/x }
`

describe('size-like masker options are bounded at validate', () => {
  it('slic n_segments and max_iter, sam points_per_side, points_per_batch and crop_n_layers: exit 1 at the option, with the bound', async () => {
    const dir = tempDir({ 'slic.yaml': pipeline('slic'), 'sam.yaml': pipeline('sam') })
    const slic = await cli('validate', join(dir, 'slic.yaml'), '--json', '--set', 'stages.masker.with.n_segments=1e9', '--set', 'stages.masker.with.max_iter=100000000')
    expect(slic.code).toBe(1)
    expect(JSON.parse(slic.err).map((d: Record<string, unknown>) => [d.code, d.path, d.expected, d.actual, d.source])).toEqual([
      ['PLAF_INVALID_OPTION', 'stages.masker.with.n_segments', '<= 65535', '1000000000', '--set stages.masker.with.n_segments=1e9'],
      ['PLAF_INVALID_OPTION', 'stages.masker.with.max_iter', '<= 1000', '100000000', '--set stages.masker.with.max_iter=100000000'],
    ])
    const sam = await cli('validate', join(dir, 'sam.yaml'), '--json', '--set', 'stages.masker.with.points_per_side=1000000', '--set', 'stages.masker.with.points_per_batch=1e6', '--set', 'stages.masker.with.crop_n_layers=40')
    expect(sam.code).toBe(1)
    expect(JSON.parse(sam.err).filter((d: Record<string, unknown>) => d.severity === 'error').map((d: Record<string, unknown>) => [d.code, d.path, d.expected, d.actual])).toEqual([
      ['PLAF_INVALID_OPTION', 'stages.masker.with.points_per_side', '<= 256', '1000000'],
      ['PLAF_INVALID_OPTION', 'stages.masker.with.points_per_batch', '<= 1024', '1000000'],
      ['PLAF_INVALID_OPTION', 'stages.masker.with.crop_n_layers', '<= 4', '40'],
    ])
  })
})
