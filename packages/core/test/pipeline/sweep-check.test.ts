import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, resolvePipeline } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from './helpers.js'

const registry = new Registry(fixturePlugins)
const stages = `input: { use: flat-frames, with: { frames: 2, size: 8 } }
stages:
  backbone: { use: block-mean, with: { block: 2 } }
  masker: { use: halves }
`
const resolveWith = async (sweep: string) => {
  const dir = files({ 'p.yaml': `name: s\n${stages}${sweep}` })
  return { dir, r: await resolvePipeline(join(dir, 'p.yaml'), registry) }
}

describe('sweeps are checked at validate time', () => {
  it('reports a bad value in the matrix as the variant it breaks, before anything runs', async () => {
    const { r } = await resolveWith('sweep:\n  matrix:\n    stages.masker.with.mode: [vertical, diagonal]\n')
    expect(r.pipeline).toBeUndefined()
    expect(r.diagnostics).toEqual([expect.objectContaining({
      code: 'PLAF_INVALID_OPTION', severity: 'error', path: 'stages.masker.with.mode',
      message: expect.stringMatching(/^sweep variant masker\.mode=diagonal: /) as unknown,
    })])
  })

  it('reports a sweep key that names no option', async () => {
    const { r } = await resolveWith('sweep:\n  matrix:\n    stages.masker.with.mood: [vertical]\n')
    expect(r.diagnostics.map((d) => [d.code, d.message.split(':')[0]])).toEqual([['PLAF_UNKNOWN_OPTION', 'sweep variant masker.mood=vertical']])
  })

  it('refuses a matrix above max_variants from the lengths alone, at the matrix\'s line', async () => {
    const many = Array.from({ length: 20 }, (_, i) => i + 1).join(', ')
    const { dir, r } = await resolveWith(`sweep:\n  matrix:\n    stages.backbone.with.block: [${many}]\n    runtime.threads: [${many}]\n    stages.masker.with.mode: [vertical, horizontal]\n`)
    expect(r.diagnostics).toEqual([expect.objectContaining({
      code: 'PLAF_INVALID_PIPELINE', file: join(dir, 'p.yaml'), line: 7, path: 'sweep.matrix',
      message: 'sweep: up to 800 variants (20 × 20 × 2), more than max_variants 100', expected: 'at most 100 variants', actual: '800',
    })])
  })

  it('takes a raised max_variants, and resolves a valid sweep', async () => {
    const { r } = await resolveWith('sweep:\n  max_variants: 4\n  matrix:\n    stages.masker.with.mode: [vertical, horizontal]\n    stages.backbone.with.block: [2, 4]\n')
    expect(r.diagnostics).toEqual([])
    expect(r.pipeline?.sweep?.max_variants).toBe(4)
    const { r: over } = await resolveWith('sweep:\n  max_variants: 3\n  matrix:\n    stages.masker.with.mode: [vertical, horizontal]\n    stages.backbone.with.block: [2, 4]\n')
    expect(over.diagnostics[0]?.message).toBe('sweep: up to 4 variants (2 × 2), more than max_variants 3')
  })
})
