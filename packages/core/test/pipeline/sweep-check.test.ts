import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, resolvePipeline } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { clean, files } from './helpers.js'

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

  it('locates the error of a variant at the matrix value that made it, not at a --set nobody typed', async () => {
    const { dir, r } = await resolveWith('sweep:\n  matrix:\n    stages.masker.with.mode: [vertical, diagonal]\n')
    expect(clean(r.diagnostics, dir)).toMatchInlineSnapshot(`
      [
        {
          "actual": ""diagonal"",
          "code": "PLAF_INVALID_OPTION",
          "column": 41,
          "expected": ""vertical" | "horizontal"",
          "file": "<dir>/p.yaml",
          "hint": "options: plaf plugins halves",
          "line": 8,
          "message": "sweep variant masker.mode=diagonal: stages.masker.with.mode must be equal to one of the allowed values: "vertical" | "horizontal"",
          "path": "stages.masker.with.mode",
          "plugin": "halves",
          "severity": "error",
          "stage": "masker",
        },
      ]
    `)
  })

  it('locates a misspelt key at the matrix key, an include entry at its value, in the file of the extends chain that holds the sweep', async () => {
    const dir = files({
      'base.yaml': `name: s\n${stages}`,
      'sweeps/p.yaml': 'extends: ../base.yaml\nsweep:\n  matrix:\n    stages.maskr.use: [halves]\n  include:\n    - { stages.backbone.with.block: -1 }\n',
    })
    const r = await resolvePipeline(join(dir, 'sweeps/p.yaml'), registry)
    expect(clean(r.diagnostics, dir).map((d) => [d.code, d.file, d.line, d.column, d.source, d.message.split(': ')[0]])).toEqual([
      ['PLAF_INVALID_OVERRIDE', '<dir>/sweeps/p.yaml', 4, 5, undefined, 'sweep variant maskr.use=halves'],
      ['PLAF_INVALID_OPTION', '<dir>/sweeps/p.yaml', 6, 37, undefined, 'sweep variant backbone.block=-1'],
    ])
  })

  it('reports a sweep key that names no option', async () => {
    const { dir, r } = await resolveWith('sweep:\n  matrix:\n    stages.masker.with.mood: [vertical]\n')
    expect(r.diagnostics.map((d) => [d.code, d.message.split(':')[0]])).toEqual([['PLAF_UNKNOWN_OPTION', 'sweep variant masker.mood=vertical']])
    // at the matrix key that misspells it
    expect(r.diagnostics[0]).toMatchObject({ file: join(dir, 'p.yaml'), line: 8, column: 5, path: 'stages.masker.with.mood' })
    expect(r.diagnostics[0]!.source).toBeUndefined()
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
